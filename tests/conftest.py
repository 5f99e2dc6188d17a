import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from auctions.lifecycle import auction_create
from auctions.models import Auction
from fees.demo import fee_pay_offline
from fees.models import AuctionPayment
from fees.services import fee_initiate
from listings.geo import geo_ensure
from listings.models import District, Listing, ListingStatus
from listings.services import listing_prices

PASSWORD = "Kvartira-2026!"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor == "postgresql":
        return
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but the database is not PostgreSQL")
    skip = pytest.mark.skip(reason="needs PostgreSQL row locks; SQLite ignores select_for_update")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _orm_beside_playwright(request, monkeypatch):
    """Browser tests (marked `browser`): Playwright's sync API runs an event loop in the test's
    thread, and the ORM calls the test makes there are still plain synchronous code."""
    if request.node.get_closest_marker("browser"):
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def media_served(settings, tmp_path):
    """Uploaded files go to a temporary folder, and the live server serves them (tests.urls_media)."""
    settings.MEDIA_ROOT = tmp_path
    settings.ROOT_URLCONF = "tests.urls_media"


@pytest.fixture(autouse=True, scope="session")
def _redis_fresh():
    """The suite's Redis database (REDIS_URL, db 15 by default, like TEST_DATABASE_NAME for PostgreSQL)
    starts empty: a previous run's sign-in cooldowns and rate-limit counters would otherwise still count."""
    from django.conf import settings
    from django.core.cache import cache

    if getattr(settings, "REDIS_URL", ""):
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _home_cache_fresh():
    """Every test starts without the home page's cached fragments (auctions.home_cache): they outlive
    a test's rolled-back transaction, whose commit never comes to drop them."""
    from auctions.home_cache import home_cache_invalidate

    home_cache_invalidate()
    yield


@pytest.fixture(autouse=True)
def _view_counts_fresh():
    """No views counted in Redis by an earlier test (listings.view_counts) are flushed into this one."""
    from listings.view_counts import PENDING_KEY, TAKEN_KEY, _redis

    client = _redis()
    if client is not None:
        client.delete(PENDING_KEY, TAKEN_KEY)


@pytest.fixture(autouse=True)
def _search_counts_uncached(monkeypatch):
    """Searches count afresh in every test: a "more than N" remembered by one test
    (listings.views.CAPPED_COUNT_SECONDS) would outlive its rolled-back rows into the next.
    tests/test_search_pages_fast.py turns the memory back on where it tests it."""
    monkeypatch.setattr("listings.views.CAPPED_COUNT_SECONDS", 0)


@pytest.fixture(autouse=True)
def _uzbekistan_regions(request):
    """Regions and districts come from a data migration; a transactional test's flush removes them."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db"}:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or "transactional_db" in names
    request.getfixturevalue("transactional_db" if transactional else "db")
    geo_ensure()


@pytest.fixture
def make_user(db):
    counter = iter(range(1000, 10000))

    def _make(**extra) -> User:
        phone = extra.pop("phone", f"+99890{next(counter):07d}")
        # A signed-up account has confirmed its number by SMS (accounts.services.phone_code_verify).
        extra.setdefault("phone_verified_at", timezone.now())
        return User.objects.create_user(
            phone=phone, password=PASSWORD, first_name=extra.pop("first_name", "Тест"), **extra
        )

    return _make


@pytest.fixture
def seller(make_user) -> User:
    return make_user(first_name="Продавец")


@pytest.fixture
def buyer(make_user) -> User:
    return make_user(first_name="Покупатель")


@pytest.fixture
def make_listing(db):
    def _make(seller: User, **extra) -> Listing:
        fields = {
            "title": "2-комнатная квартира в Юнусабаде",
            "district": "Юнусабадский район",
            "address": "ул. Амира Темура, 10",
            "rooms": 2,
            "area": Decimal("64.50"),
            "floor": 3,
            "floors_total": 9,
            "price": Decimal("850000000"),
        } | extra
        # Shorthands kept for older tests: a district by its Russian name, a region by its code.
        if isinstance(fields.get("district"), str):
            fields["district"] = District.objects.get(name_ru=fields["district"])
        if isinstance(fields.get("region"), str):
            fields["region_id"] = fields.pop("region")
        fields.setdefault("status", ListingStatus.PUBLISHED)
        listing = Listing(seller=seller, **fields)
        listing.price_uzs, listing.price_per_m2_uzs = listing_prices(
            price=Decimal(listing.price), currency=listing.currency, area=Decimal(listing.area)
        )
        listing.save()
        return listing

    return _make


OPERATOR_PERMISSIONS = ("auctions.change_auction", "auctions.change_bid", "listings.change_listing")


@pytest.fixture
def make_operator(make_user):
    """A staff member with the operator's permissions: cancel auctions, remove bids, moderate listings."""
    from django.contrib.auth.models import Permission

    def _make(**extra) -> User:
        user = make_user(is_staff=True, **extra)
        for name in OPERATOR_PERMISSIONS:
            app_label, codename = name.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return User.objects.get(pk=user.pk)  # fresh: no stale permission cache

    return _make


@pytest.fixture
def listing(seller, make_listing) -> Listing:
    return make_listing(seller)


@pytest.fixture
def make_auction(db):
    def _make(listing: Listing, *, starts_in=timedelta(hours=1), duration=timedelta(days=3), **extra) -> Auction:
        now = timezone.now()
        return auction_create(
            seller=listing.seller,
            listing=listing,
            starts_at=now + starts_in,
            ends_at=now + starts_in + duration,
            starting_price=extra.get("starting_price", Decimal("800000000")),
            bid_step=extra.get("bid_step", Decimal("1000000")),
        )

    return _make


@pytest.fixture
def auction(listing, make_auction) -> Auction:
    return make_auction(listing)


@pytest.fixture
def payment(auction) -> AuctionPayment:
    return fee_initiate(auction_id=auction.pk, user=auction.seller)


@pytest.fixture
def make_paid_auction(make_auction):
    """make_auction(...) whose fee is paid: 'scheduled' or 'active' by its start."""

    def _make(listing: Listing, **kwargs) -> Auction:
        auction = make_auction(listing, **kwargs)
        fee_pay_offline(fee_initiate(auction_id=auction.pk, user=auction.seller))
        auction.refresh_from_db()
        return auction

    return _make


@pytest.fixture
def paid_auction(listing, make_paid_auction) -> Auction:
    """A paid auction that started five minutes ago and runs for three days."""
    return make_paid_auction(listing, starts_in=-timedelta(minutes=5))


# --- Click in production: a fake Click Merchant API over real local HTTP ------


@pytest.fixture
def click_merchant(settings):
    """A running fake Merchant API; settings point the client at it."""
    from tests.fake_click_merchant import FakeClickMerchant, FakeClickMerchantServer

    fake = FakeClickMerchant(
        service_id=str(settings.CLICK_SERVICE_ID),
        merchant_user_id=str(settings.CLICK_MERCHANT_USER_ID),
        secret_key=settings.CLICK_SECRET_KEY,
    )
    with FakeClickMerchantServer(fake) as url:
        settings.CLICK_MERCHANT_API_URL = url
        settings.CLICK_MERCHANT_API_BACKOFF = 0
        settings.CLICK_MERCHANT_API_TIMEOUT = 5
        yield fake
