"""Anything a client can send gets an answer, never a 500 (PostgreSQL types are strict)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.phone import phone_normalize
from clickuz.models import ClickCallback
from listings.models import Listing
from tests.conftest import PASSWORD
from tests.test_click_endpoints import complete_request, post, prepare_fields, prepared_attempt, resign

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
INT8_OVERFLOW = str(2**63)


@pytest.mark.parametrize(
    "url",
    [
        f"/auctions/{HUGE}/",
        f"/listings/{HUGE}/",
        f"/listings/{INT8_OVERFLOW}/",
        f"/listings/{HUGE}/auction/new/",
    ],
)
def test_huge_ids_in_urls_are_404(client, seller, url):
    client.force_login(seller)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("district", [HUGE, f"-{HUGE}", INT8_OVERFLOW])
def test_district_ids_beyond_bigint_are_not_a_choice(client, district):
    """The search's district ids are looked up: past 64 bits (SQLite's driver raises OverflowError
    for them) they are an invalid choice, on the page and in the API, never a 500."""
    page = client.get("/listings/", {"district": ["1", district]})
    assert page.status_code == 200
    assert "district" in page.context["form"].errors
    api = client.get("/api/v1/listings/", {"district": district})
    assert api.status_code == 400 and "district" in api.json()["error"]["fields"]


@pytest.mark.parametrize("url", [f"/auctions/{HUGE}/pay/", f"/auctions/{HUGE}/bid/", f"/auctions/{HUGE}/cancel/"])
def test_huge_ids_in_posts_are_404(client, seller, url):
    client.force_login(seller)
    assert client.post(url, {"amount": "100"}).status_code == 404


def test_click_ids_beyond_bigint_are_malformed(client, payment):
    fields = resign(prepare_fields(payment.merchant_trans_id) | {"click_trans_id": INT8_OVERFLOW})
    assert post(client, "/api/auctions/click/prepare/", fields)["error"] == -8
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, answer)
    assert (
        post(client, "/api/auctions/click/complete/", resign(request | {"merchant_prepare_id": INT8_OVERFLOW}))["error"]
        == -8
    )


@pytest.mark.parametrize(
    "page", ["/", "/listings/?page=abc", "/listings/?page=99999", "/login/?next=https://evil.example/"]
)
def test_odd_query_strings(client, page):
    assert client.get(page).status_code == 200


@pytest.mark.parametrize(("field", "value"), [("error", "-9999999999"), ("click_paydoc_id", INT8_OVERFLOW)])
def test_click_numbers_beyond_their_columns_are_malformed(client, payment, field, value):
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, answer)
    assert post(client, "/api/auctions/click/complete/", resign(request | {field: value}))["error"] == -8


def test_login_never_redirects_off_site(client, seller):
    response = client.post("/login/?next=https://evil.example/", {"username": seller.phone, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/"


@pytest.mark.parametrize("url", ["/listings/new/", "edit"])
def test_an_empty_listing_form_post_shows_the_errors(client, seller, listing, url):
    client.force_login(seller)
    url = f"/listings/{listing.pk}/edit/" if url == "edit" else url
    response = client.post(url)
    assert response.status_code == 200
    assert response.context["form"].errors  # a bound form with its required fields missing
    assert Listing.objects.count() == 1


@pytest.mark.parametrize("draft", ["9" * 5000, INT8_OVERFLOW, HUGE, "-1", "0", "١٢", "²"])
def test_odd_draft_photo_ids_are_ignored(client, seller, draft):
    client.force_login(seller)
    response = client.post("/listings/new/", {"title": "", "draft_photo": [draft]})
    assert response.status_code == 200 and response.context["drafts"] == []


def test_unknown_host_is_refused(client):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"a=" + b"1" * (70 * 1024), "application/x-www-form-urlencoded"),
        ("&".join(f"f{i}=1" for i in range(500)).encode(), "application/x-www-form-urlencoded"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b'{"merchant_trans_id": "A\\u0000B", "click_trans_id": 1}', "application/json"),
        (b"merchant_trans_id=A%00B&click_trans_id=1", "application/x-www-form-urlencoded"),
        (b"merchant_trans_id=A\x00B", "application/x-www-form-urlencoded"),
    ],
)
def test_hostile_bodies_get_minus_8_and_a_log_row(client, body, content_type):
    response = client.post("/api/auctions/click/prepare/", data=body, content_type=content_type)
    assert response.status_code == 200 and response.json()["error"] == -8
    row = ClickCallback.objects.get()
    assert row.error == -8 and row.response == response.json()


def test_amount_beyond_any_decimal_context_is_minus_2(client, payment):
    fields = resign(prepare_fields(payment.merchant_trans_id) | {"amount": "1e999999999"})
    assert post(client, "/api/auctions/click/prepare/", fields)["error"] == -2


@pytest.mark.parametrize("phone", ["+998٩٠١٢٣٤٥٦٧", "+998９０１２３４５６７"])
def test_non_ascii_digits_are_not_a_phone(phone):
    with pytest.raises(ValidationError):
        phone_normalize(phone)


@pytest.mark.parametrize("cookie", ['"abcdefghij\\000"', "abcdefghijklmnop\u00e9", "abc-def_ghijklmnopq"])
def test_a_session_cookie_django_could_not_have_made_is_no_session(client, cookie, listing):
    # `\000` in a quoted cookie becomes a NUL: PostgreSQL refused the lookup, a 500 on every page.
    for path in ("/", "/listings/", listing.get_absolute_url(), "/dashboard/", "/api/v1/me/"):
        response = client.get(path, HTTP_COOKIE=f"sessionid={cookie}")
        assert response.status_code in (200, 302, 401), (path, response.status_code)
        assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("price", ["99999999999999.99", "10000000000000", "9999999999999.999"])
def test_a_price_with_more_digits_than_a_float_keeps_is_a_form_error(client, seller, price):
    # SQLite's decimal converter keeps 15 digits: such a price came back rounded past its column and
    # every page that read the row (home, search, API) answered 500 — for everybody.
    from tests.test_listings_marketplace import POST

    client.force_login(seller)
    response = client.post("/listings/new/", POST | {"currency": "UZS", "price": price})
    assert response.status_code == 200 and "price" in response.context["form"].errors
    assert not Listing.objects.exists()
    assert client.get("/").status_code == 200 and client.get("/api/v1/listings/").status_code == 200


def test_the_largest_price_allowed_reads_back(client, seller):
    from tests.test_listings_marketplace import POST

    client.force_login(seller)
    client.post("/listings/new/", POST | {"currency": "UZS", "price": "9999999999999.99"})
    assert Listing.objects.get().price == Decimal("9999999999999.99")
    assert client.get("/listings/").status_code == 200 and client.get("/api/v1/listings/").status_code == 200


@pytest.mark.parametrize(
    "sold_price", ["99999999999999.995", "10000000000000", "0.001", "1e-5", "0", "1.0000000000000000001e5", "1" * 70]
)
def test_a_sold_price_that_cannot_be_kept_as_typed_is_refused(client, seller, listing, sold_price):
    client.force_login(seller)
    page = client.post(f"/listings/{listing.pk}/sold/", {"sold_price": sold_price}, follow=True).content.decode()
    assert "Цена продажи: введите сумму в сумах." in page
    listing.refresh_from_db()
    assert listing.sold_price is None and listing.status != "sold"


def test_an_api_token_that_is_not_a_key_is_401(client):
    for key in ("a\x00b", "g" * 40, "A" * 40, "0" * 41):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"
