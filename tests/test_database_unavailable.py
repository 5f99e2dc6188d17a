"""A database that is down answers 503 + Retry-After ("send it again"), never a 500:
for pages, for JSON clients and for the API, with DEBUG on or off. The outage is
real: the connection is pointed at a closed port, so psycopg fails to connect."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_down():
    saved = dict(connection.settings_dict)
    kept = None
    if connection.vendor == "sqlite":
        # The test database lives in memory as long as its connection is open: set the connection
        # aside (closing it would drop every table for the tests after this one) and point the
        # settings at a file that cannot be opened.
        kept, connection.connection = connection.connection, None
        connection.settings_dict["NAME"] = "/nonexistent-folder/db.sqlite3"
    else:
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", "9"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        if kept is not None:
            connection.connection = kept


@pytest.mark.parametrize("debug", [False, True])
def test_a_page_says_try_again_in_a_minute(client, database_down, settings, debug):
    settings.DEBUG = debug
    client.raise_request_exception = False
    response = client.get("/listings/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Сервис временно недоступен" in response.content.decode()


def test_a_signed_in_bidder_gets_the_error_format(client, buyer, paid_auction, request):
    client.force_login(buyer)
    request.getfixturevalue("database_down")  # goes down after sign-in
    client.raise_request_exception = False
    response = client.post(f"/auctions/{paid_auction.pk}/bid/", {"amount": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


def test_the_api_gets_the_error_format(client, database_down):
    client.raise_request_exception = False
    response = client.get("/api/v1/auctions/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"] == "5"


def test_other_errors_stay_500(client, settings, monkeypatch):
    from listings import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(views, "listings_search", broken)
    client.raise_request_exception = False
    assert client.get("/listings/").status_code == 500


@pytest.mark.postgres
def test_a_query_the_database_refuses_is_a_500_not_an_outage():
    """A statement PostgreSQL refuses (here: a tsvector over its size limit) is a real error: it
    must not answer "try again in a minute" (the client would retry forever) or log an outage."""
    from django.db import OperationalError

    from core.errors import database_lost

    words = " ".join(f"w{i:07d}x" for i in range(200_000))  # ~2 MB of distinct words
    with pytest.raises(OperationalError) as refused, connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('simple', %s)", [words])
    assert refused.value.__cause__.sqlstate == "54000"  # program_limit_exceeded
    assert not database_lost(refused.value)


def test_a_lost_connection_is_an_outage(database_down):
    from django.db import OperationalError

    from core.errors import database_lost

    with pytest.raises(OperationalError) as lost:
        connection.ensure_connection()
    assert database_lost(lost.value)


def test_a_description_longer_than_a_page_is_a_form_error(client, seller):
    from listings.models import DESCRIPTION_MAX_CHARS, Listing
    from tests.test_listings_marketplace import POST

    client.force_login(seller)
    response = client.post("/listings/new/", POST | {"description": "ж" * (DESCRIPTION_MAX_CHARS + 1)})
    assert response.status_code == 200
    assert "не более 5000 символов" in response.content.decode().replace("\u00a0", " ")
    assert not Listing.objects.exists()
    response = client.post("/listings/new/", POST | {"description": "ж" * DESCRIPTION_MAX_CHARS})
    assert response.status_code == 302 and len(Listing.objects.get().description) == DESCRIPTION_MAX_CHARS
