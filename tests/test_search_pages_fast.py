"""What issue 12 changed in search and the home page: the capped result count and its pages, the
auction state of the cards from one join, and the home page's cached part dropped on every change."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auctions.home_cache import home_cache_keys
from auctions.lifecycle import auction_cancel
from listings import selectors, views
from listings.selectors import SearchParams, listings_search
from listings.services import listing_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 5)
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 5)


def _ids(response) -> list[int]:
    return [listing.pk for listing in response.context["page"].object_list]


def test_count_below_the_cap_is_exact(client, seller, make_listing, small_cap):
    for n in range(4):
        make_listing(seller, title=f"Квартира {n}")
    response = client.get("/listings/")
    assert response.context["page"].paginator.count == 4
    assert not response.context["page"].paginator.capped
    assert "4 объявления" in response.text
    assert "более" not in response.text


def test_count_above_the_cap_says_more_and_the_pages_stop_there(client, seller, make_listing, small_cap, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [make_listing(seller, title=f"Квартира {n}") for n in range(8)]
    response = client.get("/listings/")
    paginator = response.context["page"].paginator
    assert paginator.capped
    assert paginator.count == 5
    assert paginator.num_pages == 3
    assert "более 5 объявлений" in response.text
    newest_first = [listing.pk for listing in reversed(made)]
    # Every page up to the cap shows the right rows, the list ending at the cap; a page past it shows the last.
    assert _ids(client.get("/listings/?page=2")) == newest_first[2:4]
    assert _ids(client.get("/listings/?page=3")) == newest_first[4:5]
    assert _ids(client.get("/listings/?page=9")) == newest_first[4:5]


def test_exactly_the_cap_is_not_called_more(client, seller, make_listing, small_cap):
    for n in range(5):
        make_listing(seller, title=f"Квартира {n}")
    paginator = client.get("/listings/").context["page"].paginator
    assert (paginator.count, paginator.capped) == (5, False)


def test_the_cards_auction_state_comes_in_the_rows_query(seller, make_listing, make_paid_auction, make_auction):
    running = make_listing(seller, title="Торги идут")
    upcoming = make_listing(seller, title="Торги скоро")
    unpaid = make_listing(seller, title="Сбор не оплачен")
    plain = make_listing(seller, title="Без торгов")
    auction = make_paid_auction(running, starts_in=-timedelta(minutes=5))
    soon = make_paid_auction(upcoming, starts_in=timedelta(hours=2))
    make_auction(unpaid)
    with CaptureQueriesContext(connection) as ctx:
        rows = {row.pk: row for row in listings_search(params=SearchParams())}
    assert len(ctx.captured_queries) == 2  # the rows (auction state joined in) and the photos
    assert "SELECT U0" not in ctx.captured_queries[0]["sql"]  # no subquery per row
    assert (rows[running.pk].auction_id, rows[running.pk].auction_ends_at) == (auction.pk, auction.ends_at)
    assert rows[running.pk].auction_start_price == auction.starting_price
    assert rows[running.pk].auction_starts_at is None
    assert rows[upcoming.pk].auction_ends_at is None
    assert rows[upcoming.pk].auction_starts_at == soon.starts_at
    for pk in (unpaid.pk, plain.pk):
        assert (rows[pk].auction_id, rows[pk].auction_ends_at, rows[pk].auction_starts_at) == (None, None, None)
    ending = list(listings_search(params=SearchParams(has_auction=True, sort="ending")))
    assert [row.pk for row in ending] == [running.pk]


def test_ending_soonest_orders_running_auctions_by_their_end(seller, make_listing, make_paid_auction):
    late = make_paid_auction(make_listing(seller, title="Поздно"), starts_in=-timedelta(hours=1))
    early = make_paid_auction(
        make_listing(seller, title="Рано"), starts_in=-timedelta(hours=1), duration=timedelta(hours=5)
    )
    rows = list(listings_search(params=SearchParams(has_auction=True, sort="ending")))
    assert [row.auction_id for row in rows] == [early.pk, late.pk]
    soon = list(listings_search(params=SearchParams(auction_ending_soon=True)))
    assert [row.auction_id for row in soon] == [early.pk]


def test_running_auctions_newest_first_is_the_listings_newest_order(seller, make_listing, make_paid_auction):
    """Search's "auction running" / "ending within 24 h" sort newest by the auction's copy of its
    listing's creation (auction_running_newest): the same order as every other search's, not the
    order the auctions were opened in, ties broken by the listing's id."""
    from listings.models import Listing

    older, newer, twin_a, twin_b = (make_listing(seller, title=f"Квартира {n}") for n in range(4))
    now = older.created_at
    Listing.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=3))
    Listing.objects.filter(pk=newer.pk).update(created_at=now - timedelta(days=1))
    Listing.objects.filter(pk__in=[twin_a.pk, twin_b.pk]).update(created_at=now - timedelta(days=2))
    # Opened newest listing last but one, so the auctions' own order differs from the listings'.
    auctions = {
        listing.pk: make_paid_auction(
            Listing.objects.get(pk=listing.pk), starts_in=-timedelta(hours=1), duration=timedelta(hours=5)
        )
        for listing in (twin_b, older, newer, twin_a)
    }
    for pk, auction in auctions.items():
        assert auction.listing_created_at == Listing.objects.get(pk=pk).created_at
    expected = [newer.pk, max(twin_a.pk, twin_b.pk), min(twin_a.pk, twin_b.pk), older.pk]
    everything = [row.pk for row in listings_search(params=SearchParams()) if row.auction_id]
    assert everything == expected
    assert [row.pk for row in listings_search(params=SearchParams(has_auction=True))] == expected
    assert [row.pk for row in listings_search(params=SearchParams(auction_ending_soon=True))] == expected


def _home(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.text


def test_home_page_is_cached_until_a_listing_changes(client, seller, make_listing, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    listing = make_listing(seller, title="Первая квартира")
    assert "Первая квартира" in _home(client)
    assert all(cache.get(key) is not None for key in home_cache_keys() if key.endswith(_lang_hash("ru")))
    # The cached page is served as it was: a row written behind the services' back does not show.
    type(listing).objects.filter(pk=listing.pk).update(title="Тайком")
    assert "Первая квартира" in _home(client)
    # A change through the service drops it after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        listing_update(listing=listing, user=seller, title="Светлая квартира у парка")
    assert "Светлая квартира у парка" in _home(client)
    with django_capture_on_commit_callbacks(execute=True):
        make_listing(seller, title="Новая квартира")
    assert "Новая квартира" in _home(client)


def _lang_hash(language: str) -> str:
    from django.core.cache.utils import make_template_fragment_key

    return make_template_fragment_key("home_hero", [language]).rsplit(".", 1)[-1]


def test_home_page_shows_a_new_and_a_cancelled_auction(
    client, seller, make_listing, make_paid_auction, django_capture_on_commit_callbacks
):
    listing = make_listing(seller, title="Квартира для торгов")
    before = _home(client)
    assert 'data-testid="stat-active"><b>0</b>' in before
    with django_capture_on_commit_callbacks(execute=True):
        auction = make_paid_auction(listing, starts_in=-timedelta(minutes=1))
    after = _home(client)
    assert 'data-testid="stat-active"><b>1</b>' in after
    assert auction.get_absolute_url() in after
    with django_capture_on_commit_callbacks(execute=True):
        auction_cancel(auction_id=auction.pk, user=seller)
    assert 'data-testid="stat-active"><b>0</b>' in _home(client)


def test_home_page_is_cached_per_language(client, seller, make_listing):
    make_listing(seller, title="Квартира")
    russian = _home(client)
    client.cookies["django_language"] = "en"
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").text
    assert russian != english


def test_the_page_is_dropped_at_the_change_and_again_at_its_commit(
    client, seller, make_listing, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    def cached() -> bool:
        return any(cache.get(key) is not None for key in home_cache_keys())

    listing = make_listing(seller, title="Квартира")
    _home(client)
    assert cached()
    with django_capture_on_commit_callbacks(execute=True):
        listing.price = Decimal("900000000")
        listing.save()
        assert not cached()
        _home(client)  # a request between the change and its commit caches the page again
        assert cached()
    assert not cached()


def test_a_cached_home_page_gives_every_visitor_their_own_csrf_token(seller, make_listing):
    """The cards' heart forms are in the cached part: a second visitor must still be able to press one
    (their own token, not the one of whoever filled the cache)."""
    import re

    from django.test import Client

    listing = make_listing(seller, title="Квартира с сердечком")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    token_pattern = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    first_page = first.get("/").text
    second_page = second.get("/").text
    assert "<!--kb:csrf-->" not in second_page
    second_token = token_pattern.search(second_page).group(1)
    assert second_token != token_pattern.search(first_page).group(1)
    response = second.post(f"/listings/{listing.pk}/favorite/", {"csrfmiddlewaretoken": second_token, "next": "/"})
    assert response.status_code == 302  # to sign-in, the favourite kept for after it; not 403
    assert "after-sign-in" in response.url


def test_a_signed_in_visitor_sees_their_own_hearts_not_the_cached_page(client, seller, buyer, make_listing):
    from django.test import Client

    liked = make_listing(seller, title="Любимая квартира")
    make_listing(seller, title="Другая квартира")
    Client().get("/")  # a visitor fills the cache: no heart pressed
    buyer_client = Client()
    buyer_client.force_login(buyer)
    buyer_client.post(f"/listings/{liked.pk}/favorite/")
    page = buyer_client.get("/").text
    hearts = re.findall(r'action="/listings/(\d+)/favorite/".*?aria-pressed="(true|false)"', page, flags=re.S)
    assert dict(hearts)[str(liked.pk)] == "true"
    assert list(dict(hearts).values()).count("true") == 1
    assert 'aria-pressed="true"' not in Client().get("/").text  # and the visitors' copy is unchanged


def test_a_search_past_the_cap_is_not_counted_again_within_the_minute(
    client, seller, make_listing, small_cap, monkeypatch, settings
):
    """Counting up to the cap reads cap + 1 rows: a search known to pass it says "more than N" from
    memory for CAPPED_COUNT_SECONDS. Exact counts below the cap are counted every time, and the
    filters (not the order) decide which search it is."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "counts"}}
    monkeypatch.setattr(views, "CAPPED_COUNT_SECONDS", 60)
    for n in range(7):
        make_listing(seller, title=f"Квартира {n}", rooms=2 if n < 3 else 1)

    def counts(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return sum("COUNT(" in q["sql"] for q in ctx.captured_queries), response.text

    first, page = counts("/listings/")
    assert first == 1 and "более 5 объявлений" in page
    again, page = counts("/listings/?sort=price")  # another order, the same filters
    assert again == 0 and "более 5 объявлений" in page
    narrow, page = counts("/listings/?rooms=2")  # 3 listings: exact, and counted each time
    assert narrow == 1 and "3 объявления" in page
    narrow_again, page = counts("/listings/?rooms=2")
    assert narrow_again == 1 and "3 объявления" in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_each_listings_creation_to_its_auctions(seller, make_listing, make_paid_auction):
    from django.db.migrations.executor import MigrationExecutor

    from auctions.models import Auction
    from listings.models import Listing

    listing = make_listing(seller, title="Квартира до миграции")
    auction = make_paid_auction(listing, starts_in=-timedelta(hours=1))
    created = listing.created_at - timedelta(days=40)
    try:
        MigrationExecutor(connection).migrate([("auctions", "0006_perf_search_auction_end_index")])
        Listing.objects.filter(pk=listing.pk).update(created_at=created)  # the copy is gone: nothing else to update
    finally:  # forward again, as the other tests expect the schema
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert Auction.objects.get(pk=auction.pk).listing_created_at == created
