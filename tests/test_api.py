"""The REST API (/api/v1/): every endpoint, its permissions, throttles and the error format."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.urls import URLPattern, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from auctions.models import Auction, AuctionStatus, Bid
from fees.models import AuctionPayment, PaymentStatus
from listings.models import Favorite, ListingStatus
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) >= {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# --- Tokens and authentication ----------------------------------------------------


def test_token_by_phone_and_password_in_any_spelling(api, buyer):
    spelled = f"{buyer.phone[:4]} {buyer.phone[4:6]} {buyer.phone[6:9]}-{buyer.phone[9:11]}-{buyer.phone[11:]}"
    response = api.post("/api/v1/auth/token/", {"phone": spelled, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=buyer).key == token
    # The same token until revoked.
    again = api.post("/api/v1/auth/token/", {"phone": buyer.phone, "password": PASSWORD}, format="json")
    assert again.json()["token"] == token
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").json()["phone"] == buyer.phone
    assert api.delete("/api/v1/auth/token/").status_code == 204
    assert not Token.objects.filter(user=buyer).exists()
    assert_error(api.get("/api/v1/me/"), 401, "authentication_failed")


def test_token_refused_for_a_wrong_password_or_missing_fields(api, buyer):
    error = assert_error(
        api.post("/api/v1/auth/token/", {"phone": buyer.phone, "password": "wrong"}, format="json"),
        400,
        "invalid_credentials",
    )
    assert error["fields"] == {}
    error = assert_error(api.post("/api/v1/auth/token/", {"phone": buyer.phone}, format="json"), 400, "invalid")
    assert list(error["fields"]) == ["password"]
    assert not Token.objects.exists()


def test_inactive_user_gets_no_token(api, make_user):
    user = make_user(is_active=False)
    response = api.post("/api/v1/auth/token/", {"phone": user.phone, "password": PASSWORD}, format="json")
    assert_error(response, 400, "invalid_credentials")


def test_session_authentication_and_its_csrf_check(buyer, paid_auction):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(buyer)
    assert client.get("/api/v1/me/").json()["id"] == buyer.pk
    # A session-authenticated write without the CSRF token is refused, and no bid is made.
    response = client.post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "800000000"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert not Bid.objects.exists()


def test_bad_token_and_no_credentials(api):
    assert_error(api.get("/api/v1/me/"), 401, "not_authenticated")
    api.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    error = assert_error(api.get("/api/v1/me/"), 401, "authentication_failed")
    assert error["message"] == "Недействительный токен."


def test_a_token_is_one_query_and_dies_with_its_user(api, buyer):
    """api.authentication reads the token with its user in one statement (written out), and answers
    as DRF's TokenAuthentication does: request.auth is the token, an inactive user's token fails."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = Token.objects.create(user=buyer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/me/").json()["phone"] == buyer.phone
    assert len(queries) == 1 and "authtoken_token" in queries[0]["sql"]
    User.objects.filter(pk=buyer.pk).update(is_active=False)
    error = assert_error(api.get("/api/v1/me/"), 401, "authentication_failed")
    assert error["message"] == "Пользователь неактивен или удален."


# --- Listings ------------------------------------------------------------------------


def test_listing_search_uses_the_site_filters_and_sorting(api, seller, make_listing):
    cheap = make_listing(seller, title="Студия у метро", rooms=0, price=Decimal("300000000"))
    mid = make_listing(seller, title="Двушка", rooms=2, price=Decimal("600000000"))
    dear = make_listing(seller, title="Четыре комнаты", rooms=4, price=Decimal("1500000000"))
    make_listing(seller, title="На проверке", rooms=2, status=ListingStatus.REVIEW)
    ids = lambda r: [row["id"] for row in r.json()["results"]]  # noqa: E731
    response = api.get("/api/v1/listings/", {"sort": "price"})
    assert response.status_code == 200
    assert ids(response) == [cheap.pk, mid.pk, dear.pk]
    assert response.json()["count"] == 3
    assert ids(api.get("/api/v1/listings/", {"sort": "-price"})) == [dear.pk, mid.pk, cheap.pk]
    assert ids(api.get("/api/v1/listings/?rooms=0&rooms=4&sort=price")) == [cheap.pk, dear.pk]
    assert ids(api.get("/api/v1/listings/", {"price_min": "500000000", "price_max": "700000000"})) == [mid.pk]
    # Dollars are converted at USD_UZS_RATE, exactly as on the site.
    assert ids(api.get("/api/v1/listings/", {"price_max": "30000", "currency": "USD"})) == [cheap.pk]
    assert ids(api.get("/api/v1/listings/", {"q": "Студия"})) == [cheap.pk]
    row = api.get("/api/v1/listings/", {"sort": "price"}).json()["results"][0]
    assert row["region"]["code"] and row["district"]["name"]
    assert row["price_uzs"] == "300000000.00"
    assert row["auction_id"] is None and row["is_favorite"] is False


def test_listing_search_rejects_an_invalid_filter(api, listing):
    error = assert_error(api.get("/api/v1/listings/", {"rooms": "9", "price_min": "abc"}), 400, "invalid")
    assert set(error["fields"]) == {"rooms", "price_min"}
    assert_error(api.get("/api/v1/listings/", {"sort": "cheapest"}), 400, "invalid")
    assert_error(api.get("/api/v1/listings/", {"page": "99"}), 404, "not_found")


def test_listing_search_marks_running_auctions_and_favourites(seller, buyer, listing, paid_auction):
    Favorite.objects.create(user=buyer, listing=listing)
    row = token_client(buyer).get("/api/v1/listings/", {"auction": "on"}).json()["results"][0]
    assert row["id"] == listing.pk
    assert row["auction_id"] == paid_auction.pk
    assert row["is_favorite"] is True


def test_listing_detail_visibility(api, seller, buyer, make_listing, make_user, make_operator):
    public = make_listing(seller)
    hidden = make_listing(seller, status=ListingStatus.REVIEW)
    assert api.get(f"/api/v1/listings/{public.pk}/").json()["title"] == public.title
    assert_error(api.get(f"/api/v1/listings/{hidden.pk}/"), 404, "not_found")
    assert_error(token_client(buyer).get(f"/api/v1/listings/{hidden.pk}/"), 404, "not_found")
    assert token_client(seller).get(f"/api/v1/listings/{hidden.pk}/").json()["status"] == "review"
    # Read access follows write access: staff without the moderator's permission do not read it.
    staff = make_user(is_staff=True)
    assert_error(token_client(staff).get(f"/api/v1/listings/{hidden.pk}/"), 404, "not_found")
    assert token_client(make_operator()).get(f"/api/v1/listings/{hidden.pk}/").status_code == 200
    assert_error(api.get("/api/v1/listings/999999/"), 404, "not_found")


# --- Auctions ------------------------------------------------------------------------


def test_auction_list_and_status_filter(api, seller, make_listing, make_auction, make_paid_auction):
    running = make_paid_auction(make_listing(seller), starts_in=-timedelta(minutes=5))
    upcoming = make_paid_auction(make_listing(seller), starts_in=timedelta(hours=2))
    unpaid = make_auction(make_listing(seller))
    ids = lambda r: {row["id"] for row in r.json()["results"]}  # noqa: E731
    assert ids(api.get("/api/v1/auctions/")) == {running.pk, upcoming.pk}
    assert ids(api.get("/api/v1/auctions/", {"status": "active"})) == {running.pk}
    assert ids(api.get("/api/v1/auctions/", {"status": "scheduled"})) == {upcoming.pk}
    assert ids(api.get("/api/v1/auctions/", {"status": "ended"})) == set()
    assert_error(api.get("/api/v1/auctions/", {"status": "bogus"}), 400, "invalid")
    assert unpaid.pk not in ids(api.get("/api/v1/auctions/"))


def test_auction_detail_effective_status_min_bid_and_masked_history(api, buyer, make_user, paid_auction):
    other = make_user()
    Auction.objects.filter(pk=paid_auction.pk).update(status=AuctionStatus.SCHEDULED)  # the job has not run yet
    token_client(buyer).post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "800000000"}, format="json")
    token_client(other).post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "801000000"}, format="json")
    data = api.get(f"/api/v1/auctions/{paid_auction.pk}/").json()
    assert data["status"] == "active"
    assert data["current_price"] == "801000000.00"
    assert data["min_next_bid"] == "802000000.00"
    assert data["bid_count"] == 2
    assert [b["amount"] for b in data["bids"]] == ["801000000.00", "800000000.00"]
    for bid in data["bids"]:
        assert "*" in bid["bidder"] and buyer.phone not in bid["bidder"] and other.phone not in bid["bidder"]
        assert bid["is_mine"] is False
    assert buyer.phone not in str(data) and other.phone not in str(data)
    mine = token_client(other).get(f"/api/v1/auctions/{paid_auction.pk}/").json()
    assert mine["is_leader"] is True and [b["is_mine"] for b in mine["bids"]] == [True, False]


def test_unpaid_auction_is_visible_to_its_seller_only(api, buyer, auction):
    assert_error(api.get(f"/api/v1/auctions/{auction.pk}/"), 404, "not_found")
    assert_error(token_client(buyer).get(f"/api/v1/auctions/{auction.pk}/"), 404, "not_found")
    data = token_client(auction.seller).get(f"/api/v1/auctions/{auction.pk}/").json()
    assert data["status"] == "pending_payment" and data["is_paid"] is False


# --- Bids --------------------------------------------------------------------------


def test_bid_goes_through_the_engine_with_proxy_maximum(buyer, make_user, paid_auction):
    rival = make_user()
    url = f"/api/v1/auctions/{paid_auction.pk}/bids/"
    response = token_client(buyer).post(url, {"amount": "800000000", "max_amount": "850000000"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["leading"] is True and body["amount"] == "800000000.00"
    assert body["auction"]["my_max"] == "850000000.00"
    # A rival below the maximum is outbid automatically by the proxy.
    response = token_client(rival).post(url, {"amount": "810000000"}, format="json")
    assert response.status_code == 201
    assert response.json()["leading"] is False
    paid_auction.refresh_from_db()
    assert paid_auction.leader_id == buyer.pk and paid_auction.current_price == Decimal("811000000")
    assert Bid.objects.filter(auction=paid_auction).count() == 3
    # The leader raises only the maximum.
    response = token_client(buyer).post(url, {"max_amount": "900000000"}, format="json")
    assert response.status_code == 201
    paid_auction.refresh_from_db()
    assert paid_auction.leader_max == Decimal("900000000")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "799000000"}, 409, "too_low"),
        ({"amount": "800000000.50"}, 400, "invalid_amount"),
        ({"amount": "800000000", "max_amount": "700000000"}, 400, "max_below_amount"),
        ({"max_amount": "900000000"}, 400, "no_amount"),
        ({}, 400, "invalid_amount"),
        ({"amount": "much"}, 400, "invalid"),
    ],
)
def test_bid_refusals_map_rule_codes(buyer, paid_auction, body, status, code):
    response = token_client(buyer).post(f"/api/v1/auctions/{paid_auction.pk}/bids/", body, format="json")
    assert_error(response, status, code)
    assert not Bid.objects.exists()
    paid_auction.refresh_from_db()
    assert paid_auction.bid_count == 0 and paid_auction.current_price is None


def test_a_bid_many_times_the_minimum_needs_confirm_as_on_the_site(buyer, paid_auction):
    url = f"/api/v1/auctions/{paid_auction.pk}/bids/"
    client = token_client(buyer)
    error = assert_error(client.post(url, {"amount": "8000000000"}, format="json"), 409, "confirm_required")
    assert "8 000 000 000 сум (восемь миллиардов сум)" in error["message"].replace("\u00a0", " ")
    assert "800 000 000 сум" in error["message"].replace("\u00a0", " ") and '"confirm": true' in error["message"]
    assert not Bid.objects.exists()
    # A maximum that far up is asked about too; an amount within the guard is not.
    assert_error(
        client.post(url, {"amount": "800000000", "max_amount": "9000000000"}, format="json"), 409, "confirm_required"
    )
    response = client.post(url, {"amount": "8000000000", "confirm": True}, format="json")
    assert response.status_code == 201, response.content
    paid_auction.refresh_from_db()
    assert paid_auction.current_price == Decimal("8000000000")


def test_bid_refused_for_seller_unpaid_ended_missing_and_anonymous(
    api, buyer, seller, make_listing, make_auction, paid_auction
):
    auction = make_auction(make_listing(seller))
    assert_error(
        token_client(paid_auction.seller).post(
            f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "800000000"}, format="json"
        ),
        403,
        "own_auction",
    )
    client = token_client(buyer)
    # An unpaid auction is not public: the API answers as for one that does not exist (auctions_visible).
    assert_error(
        client.post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount": "800000000"}, format="json"), 404, "not_found"
    )
    assert_error(client.post("/api/v1/auctions/999999/bids/", {"amount": "800000000"}, format="json"), 404, "not_found")
    assert_error(
        api.post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "800000000"}, format="json"),
        401,
        "not_authenticated",
    )
    Auction.objects.filter(pk=paid_auction.pk).update(ends_at=paid_auction.starts_at + timedelta(minutes=1))
    assert_error(
        client.post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "800000000"}, format="json"), 409, "ended"
    )
    assert not Bid.objects.exists()
    assert_error(client.get(f"/api/v1/auctions/{paid_auction.pk}/bids/"), 405, "method_not_allowed")


def test_buy_now(buyer, make_user, listing, make_paid_auction):
    auction = make_paid_auction(listing, starts_in=-timedelta(minutes=5))
    Auction.objects.filter(pk=auction.pk).update(buy_now_price=Decimal("900000000"))
    response = token_client(buyer).post(f"/api/v1/auctions/{auction.pk}/buy-now/")
    assert response.status_code == 201, response.content
    assert response.json()["auction"]["status"] == "ended"
    auction.refresh_from_db()
    assert auction.winner_id == buyer.pk and auction.status == AuctionStatus.ENDED
    assert_error(token_client(make_user()).post(f"/api/v1/auctions/{auction.pk}/buy-now/"), 409, "ended")


def test_buy_now_refused_without_a_price(buyer, paid_auction):
    assert_error(token_client(buyer).post(f"/api/v1/auctions/{paid_auction.pk}/buy-now/"), 409, "no_buy_now")
    paid_auction.refresh_from_db()
    assert paid_auction.status == AuctionStatus.ACTIVE and paid_auction.winner_id is None


# --- The fee payment ----------------------------------------------------------------------


def test_payment_initiation_returns_the_click_pay_url(auction, settings):
    client = token_client(auction.seller)
    response = client.post(f"/api/v1/auctions/{auction.pk}/payment/")
    assert response.status_code == 200, response.content
    body = response.json()
    payment = AuctionPayment.objects.get(auction=auction)
    assert body["merchant_trans_id"] == payment.merchant_trans_id
    assert body["status"] == "pending" and body["amount"] == "50000.00"
    assert f"transaction_param={payment.merchant_trans_id}" in body["pay_url"]
    assert "amount=50000.00" in body["pay_url"] and f"service_id={settings.CLICK_SERVICE_ID}" in body["pay_url"]
    # Again: the same open payment, not a second one.
    assert client.post(f"/api/v1/auctions/{auction.pk}/payment/").json()["id"] == payment.pk
    assert AuctionPayment.objects.filter(auction=auction).count() == 1
    status = client.get(f"/api/v1/auctions/{auction.pk}/payment/").json()
    assert status["status"] == "pending" and status["pay_url"] == body["pay_url"]


def test_payment_status_after_payment_has_no_pay_url(paid_auction):
    client = token_client(paid_auction.seller)
    body = client.get(f"/api/v1/auctions/{paid_auction.pk}/payment/").json()
    assert body["status"] == PaymentStatus.COMPLETED and body["pay_url"] is None and body["completed_at"]
    assert_error(client.post(f"/api/v1/auctions/{paid_auction.pk}/payment/"), 409, "already_paid")


def test_payment_only_for_the_seller(api, buyer, auction, make_listing, make_paid_auction):
    # An unpaid auction is not found for anybody but its seller: a 403 would tell that it exists.
    assert_error(token_client(buyer).post(f"/api/v1/auctions/{auction.pk}/payment/"), 404, "not_found")
    assert_error(token_client(buyer).get(f"/api/v1/auctions/{auction.pk}/payment/"), 404, "not_found")
    assert_error(api.post(f"/api/v1/auctions/{auction.pk}/payment/"), 401, "not_authenticated")
    assert_error(token_client(buyer).post("/api/v1/auctions/999999/payment/"), 404, "not_found")
    assert not AuctionPayment.objects.exists()
    assert_error(token_client(auction.seller).get(f"/api/v1/auctions/{auction.pk}/payment/"), 404, "not_found")
    paid = make_paid_auction(make_listing(auction.seller))  # a public auction: there, and not theirs
    payments = list(AuctionPayment.objects.values_list("pk", "status"))
    assert_error(token_client(buyer).post(f"/api/v1/auctions/{paid.pk}/payment/"), 403, "not_owner")
    assert_error(token_client(buyer).get(f"/api/v1/auctions/{paid.pk}/payment/"), 403, "not_owner")
    assert list(AuctionPayment.objects.values_list("pk", "status")) == payments


# --- The user's own data ---------------------------------------------------------------


def test_me_and_my_lists(seller, buyer, make_listing, make_auction, paid_auction):
    draft = make_listing(seller, status=ListingStatus.REVIEW)
    unpaid = make_auction(make_listing(seller))
    payment = unpaid.payments.create(amount=Decimal("50000"))
    client = token_client(seller)
    me = client.get("/api/v1/me/").json()
    assert me == {
        "id": seller.pk,
        "phone": seller.phone,
        "first_name": seller.first_name,
        "language": "ru",
        "date_joined": me["date_joined"],
    }
    mine = {row["id"] for row in client.get("/api/v1/me/listings/").json()["results"]}
    assert mine == {paid_auction.listing_id, unpaid.listing_id, draft.pk}
    assert {row["id"] for row in client.get("/api/v1/me/auctions/").json()["results"]} == {paid_auction.pk, unpaid.pk}
    payments = client.get("/api/v1/me/payments/").json()["results"]
    assert {row["id"] for row in payments} == {payment.pk, *paid_auction.payments.values_list("pk", flat=True)}
    by_id = {row["id"]: row for row in payments}
    assert by_id[payment.pk]["pay_url"] and by_id[payment.pk]["auction_id"] == unpaid.pk
    # Nobody else's data.
    other = token_client(buyer)
    assert other.get("/api/v1/me/listings/").json()["count"] == 0
    assert other.get("/api/v1/me/auctions/").json()["count"] == 0
    assert other.get("/api/v1/me/payments/").json()["count"] == 0


def test_favourites(buyer, seller, make_listing):
    public = make_listing(seller)
    hidden = make_listing(seller, status=ListingStatus.REVIEW)
    client = token_client(buyer)
    assert client.post("/api/v1/me/favorites/", {"listing_id": public.pk}, format="json").status_code == 201
    assert client.post("/api/v1/me/favorites/", {"listing_id": public.pk}, format="json").status_code == 201
    assert Favorite.objects.filter(user=buyer).count() == 1
    assert [row["id"] for row in client.get("/api/v1/me/favorites/").json()["results"]] == [public.pk]
    assert_error(client.post("/api/v1/me/favorites/", {"listing_id": hidden.pk}, format="json"), 404, "not_found")
    assert_error(client.post("/api/v1/me/favorites/", {"listing_id": "x"}, format="json"), 400, "invalid")
    assert client.delete(f"/api/v1/me/favorites/{public.pk}/").status_code == 204
    assert_error(client.delete(f"/api/v1/me/favorites/{public.pk}/"), 404, "not_found")
    assert not Favorite.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/",
        "/api/v1/me/listings/",
        "/api/v1/me/auctions/",
        "/api/v1/me/payments/",
        "/api/v1/me/bids/",
        "/api/v1/me/favorites/",
    ],
)
def test_own_data_needs_sign_in(api, path):
    assert_error(api.get(path), 401, "not_authenticated")


def test_every_api_view_declares_its_permissions():
    from rest_framework.views import APIView

    patterns = [p for p in get_resolver().url_patterns if isinstance(p, URLPattern) or hasattr(p, "url_patterns")]
    checked = 0
    stack = list(patterns)
    while stack:
        entry = stack.pop()
        if hasattr(entry, "url_patterns"):
            stack.extend(entry.url_patterns)
            continue
        view = getattr(entry.callback, "view_class", None)
        if view is None or not issubclass(view, APIView) or not view.__module__.startswith("api."):
            continue
        declared = "permission_classes" in vars(view) or "get_permissions" in vars(view)
        assert declared, f"{view.__name__} relies on the default permissions"
        checked += 1
    assert checked >= 12


# --- Throttling ----------------------------------------------------------------------


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_anonymous_throttle(api, settings, listing):
    _rates(settings, anon="3/min")
    for _ in range(3):
        assert api.get("/api/v1/listings/").status_code == 200
    error = assert_error(api.get("/api/v1/listings/"), 429, "throttled")
    assert error["retry_after"] > 0
    # Another address has its own allowance.
    assert api.get("/api/v1/listings/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_user_throttle_is_per_user(settings, buyer, seller):
    _rates(settings, user="2/min")
    client = token_client(buyer)
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    assert_error(client.get("/api/v1/me/"), 429, "throttled")
    assert token_client(seller).get("/api/v1/me/").status_code == 200


def test_bid_throttle_is_stricter_and_nothing_is_placed_when_throttled(settings, buyer, paid_auction):
    _rates(settings, bids="2/min")
    client = token_client(buyer)
    url = f"/api/v1/auctions/{paid_auction.pk}/bids/"
    assert client.post(url, {"amount": "800000000"}, format="json").status_code == 201
    assert client.post(url, {"max_amount": "900000000"}, format="json").status_code == 201
    assert_error(client.post(url, {"max_amount": "950000000"}, format="json"), 429, "throttled")
    paid_auction.refresh_from_db()
    assert paid_auction.leader_max == Decimal("900000000")
    # Reading is not limited by the bid scope.
    assert client.get(f"/api/v1/auctions/{paid_auction.pk}/").status_code == 200


def test_a_bid_s_throttles_are_counted_together_and_the_longest_wait_is_told(
    settings, buyer, paid_auction, monkeypatch
):
    """A bid has two throttles (bids and user): both count, in one call to the counter (one round
    trip on Redis), and once both refuse, Retry-After is the longer of their waits."""
    import api.throttling

    _rates(settings, bids="1/min", user="1/hour")
    counted: list[list[str]] = []
    original = api.throttling.rate_limit_counts

    def recording(windows):  # type: ignore[no-untyped-def]
        counted.append([key for key, _limit in windows])
        return original(windows)

    monkeypatch.setattr(api.throttling, "rate_limit_counts", recording)
    client = token_client(buyer)
    url = f"/api/v1/auctions/{paid_auction.pk}/bids/"
    assert client.post(url, {"amount": "800000000"}, format="json").status_code == 201
    assert counted == [[f"api-rate:bids:{buyer.pk}", f"api-rate:user:{buyer.pk}"]]
    error = assert_error(client.post(url, {"amount": "900000000"}, format="json"), 429, "throttled")
    assert 60 < error["retry_after"] <= 3600
    assert len(counted) == 2
    assert Bid.objects.filter(auction=paid_auction).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_all_counted(settings, buyer):
    """api.throttling counts with atomic increments (core.ratelimit): of 12 requests sent at once by
    one user with a limit of 4, exactly 4 pass. (DRF's own throttle reads the list of request times,
    appends and writes it back, so concurrent requests overwrite each other's and a burst passes.)"""
    import threading

    _rates(settings, user="4/min")
    token = Token.objects.create(user=buyer)
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def send() -> None:
        from django.db import connection

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        barrier.wait()
        statuses.append(client.get("/api/v1/me/").status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 4 + [429] * 8
    error = assert_error(token_client(buyer).get("/api/v1/me/"), 429, "throttled")
    assert 0 < error["retry_after"] <= 60


def test_payment_initiation_throttle(settings, auction):
    _rates(settings, payments="1/min")
    client = token_client(auction.seller)
    assert client.post(f"/api/v1/auctions/{auction.pk}/payment/").status_code == 200
    assert_error(client.post(f"/api/v1/auctions/{auction.pk}/payment/"), 429, "throttled")
    assert client.get(f"/api/v1/auctions/{auction.pk}/payment/").status_code == 200


def test_token_throttle_limits_password_guessing(api, settings, buyer):
    _rates(settings, token="2/min")
    for _ in range(2):
        api.post("/api/v1/auth/token/", {"phone": buyer.phone, "password": "guess"}, format="json")
    response = api.post("/api/v1/auth/token/", {"phone": buyer.phone, "password": PASSWORD}, format="json")
    assert_error(response, 429, "throttled")
    assert not Token.objects.exists()


# --- Schema and docs ---------------------------------------------------------------------


def test_schema_and_docs_pages(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/auctions/{id}/bids/" in document["paths"]
    search = {p["name"] for p in document["paths"]["/api/v1/listings/"]["get"]["parameters"]}
    assert {"q", "region", "district", "rooms", "price_min", "currency", "not_first", "ending_soon", "sort"} <= search
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    # The files are the installed package's (collectstatic serves them in production).
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}")
    script = api.get("/api/docs/?script=")
    assert script.status_code == 200 and reverse("api:schema") in script.content.decode()
    assert "<style" not in html and "<script>" not in html  # nothing inline


def test_rule_error_keeps_the_engine_message(buyer, paid_auction):
    response = token_client(buyer).post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "1"}, format="json")
    error = assert_error(response, 409, "too_low")
    assert error["message"] == "Ставка должна быть не меньше 800\u00a0000\u00a0000 сум."
    assert error["fields"] == {}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here/",
        "/api/v1/auctions/-1/",
        "/api/v1/auctions/99999999999999999999999/",
        "/api/v1/listings/9223372036854775808/",
        "/api/v1/auctions/1/bids/extra/",
    ],
)
def test_unknown_paths_and_impossible_ids_are_json_404s(api, path):
    assert_error(api.get(path), 404, "not_found")
    assert_error(api.post(path, {}, format="json"), 404, "not_found")


def test_bad_bodies_are_400s_in_the_error_format(buyer, paid_auction):
    client = token_client(buyer)
    url = f"/api/v1/auctions/{paid_auction.pk}/bids/"
    assert_error(client.post(url, data=b"{not json", content_type="application/json"), 400, "parse_error")
    assert_error(client.post(url, data=b"<x/>", content_type="application/xml"), 415, "unsupported_media_type")
    assert not Bid.objects.exists()


def test_messages_in_the_language_asked_for(api, buyer, make_user, paid_auction):
    url = f"/api/v1/auctions/{paid_auction.pk}/bids/"
    client = token_client(buyer)
    russian = assert_error(client.post(url, {"amount": "1"}, format="json"), 409, "too_low")["message"]
    uzbek = client.post(url, {"amount": "1"}, format="json", HTTP_ACCEPT_LANGUAGE="uz-Latn-UZ,ru;q=0.5")
    english = client.post(url, {"amount": "1"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert uzbek["Content-Language"] == "uz" and english["Content-Language"] == "en"
    assert len({russian, uzbek.json()["error"]["message"], english.json()["error"]["message"]}) == 3
    assert "800\u00a0000\u00a0000" in english.json()["error"]["message"]
    # Without the header: the user's stored language; errors before sign-in follow the header.
    english_user = make_user(language="en")
    response = token_client(english_user).post(url, {"amount": "1"}, format="json")
    assert response.json()["error"]["message"] == english.json()["error"]["message"]
    anonymous = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    error = assert_error(anonymous, 401, "not_authenticated")
    assert error["message"] == "Authentication credentials were not provided."


def test_an_unexpected_error_is_a_500_in_the_error_format(api, monkeypatch, client):
    def broken(**kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("api.views.listings_search", broken)
    api.raise_request_exception = False
    response = api.get("/api/v1/listings/")
    assert_error(response, 500, "server_error")
    assert "fell over" not in response.content.decode()
    # The site's pages keep Django's own error page.
    monkeypatch.setattr("listings.views.listings_search", broken)
    client.raise_request_exception = False
    page = client.get("/listings/")
    assert page.status_code == 500 and not page["Content-Type"].startswith("application/json")


def test_regions_and_districts_for_the_search(api, seller, make_listing):
    regions = api.get("/api/v1/regions/").json()
    assert len(regions) == 14
    tashkent = next(r for r in regions if r["districts"] and any("Юнусабад" in d["name"] for d in r["districts"]))
    yunusabad = next(d for d in tashkent["districts"] if "Юнусабад" in d["name"])
    listing = make_listing(seller)  # in Yunusabad
    found = api.get("/api/v1/listings/", {"region": tashkent["code"], "district": yunusabad["id"]}).json()
    assert [row["id"] for row in found["results"]] == [listing.pk]
    english = api.get("/api/v1/regions/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english[0]["name"] != regions[0]["name"]


def test_my_bids(api, buyer, make_user, paid_auction):
    client = token_client(buyer)
    client.post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "800000000", "max_amount": "900000000"})
    token_client(make_user()).post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "810000000"})
    mine = client.get("/api/v1/me/bids/").json()["results"]
    assert [(b["amount"], b["auto"]) for b in mine] == [("811000000.00", True), ("800000000.00", False)]
    assert mine[1]["max_amount"] == "900000000.00" and mine[0]["auction_id"] == paid_auction.pk
    assert_error(api.get("/api/v1/me/bids/"), 401, "not_authenticated")


def test_the_bid_history_costs_the_same_queries_for_one_bid_or_many(api, make_user, paid_auction):
    """The history reads only what it shows (auctions.selectors.auction_public_bids); anything else
    of a bid or its bidder would be one more query per bid, on the page, the API and live updates."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from auctions.selectors import auction_live_state

    url = f"/api/v1/auctions/{paid_auction.pk}/"
    counts = []
    for bids in (1, 6):
        amount = 800_000_000
        while len(token_client(make_user()).get(url).json()["bids"]) < bids:
            amount = int(float(api.get(url).json()["min_next_bid"]))
            token_client(make_user()).post(f"{url}bids/", {"amount": str(amount)}, format="json")
        with CaptureQueriesContext(connection) as api_queries:
            assert len(api.get(url).json()["bids"]) == bids
        with CaptureQueriesContext(connection) as page_queries:
            assert api.get(paid_auction.get_absolute_url()).status_code == 200
        with CaptureQueriesContext(connection) as live_queries:
            assert len(auction_live_state(Auction.objects.get(pk=paid_auction.pk))["bids"]) == bids
        counts.append((len(api_queries), len(page_queries), len(live_queries)))
    assert counts[0] == counts[1]


def test_the_history_is_read_from_the_database_once_per_change(
    api, buyer, seller, make_user, make_operator, paid_auction, make_listing, make_paid_auction
):
    """auctions.selectors.auction_public_bids keeps the history under the auction's version: reads of
    an unchanged auction do not read the bids again, and every kind of change (a bid, a proxy raise,
    an operator's removal, a buy-now) shows at the next read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from auctions.bidding import auction_buy_now, bid_place, bid_remove
    from tests.test_sold_listings import make_auction_with_buy_now

    def history(auction) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
        return [(b["amount"], b["auto"]) for b in api.get(f"/api/v1/auctions/{auction.pk}/").json()["bids"]]

    def bids_read() -> bool:
        with CaptureQueriesContext(connection) as queries:
            history(paid_auction)
        return any('"auctions_bid"' in query["sql"] for query in queries.captured_queries)

    first = bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=Decimal("800000000"))
    assert history(paid_auction) == [("800000000.00", False)]
    assert not bids_read()
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=Decimal("801000000"))
    assert history(paid_auction) == [("801000000.00", False), ("800000000.00", False)]
    bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=Decimal("802000000"))
    assert bids_read() and not bids_read()
    # The removal brings bid_count back to 2, as it was two bids ago: the key still differs.
    bid_remove(bid_id=first.pk, admin=make_operator(), reason="Ошибка")
    assert history(paid_auction) == [("802000000.00", False), ("801000000.00", False)]
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=Decimal("803000000"), max_amount=Decimal("810000000"))
    bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=Decimal("804000000"))
    assert history(paid_auction)[:2] == [("805000000.00", True), ("804000000.00", False)]
    assert not bids_read()

    selling = make_auction_with_buy_now(make_listing(seller), make_paid_auction)
    assert history(selling) == []
    auction_buy_now(auction_id=selling.pk, buyer=buyer)
    assert history(selling) == [("1200000000.00", False)]


def test_serializers_built_once_still_give_each_instance_its_own_fields(listing):
    """api.serializers.FieldsBuiltOnce: the fields are built from the model once per class, and every
    serializer instance binds copies of its own (a shared field would carry another's parent)."""
    from api import serializers as s

    first, again = s.ListingSerializer(listing), s.ListingSerializer(listing)
    assert list(first.fields) == s.ListingSerializer.Meta.fields
    for name in first.fields:
        assert first.fields[name] is not again.fields[name]
        assert first.fields[name].parent is first and again.fields[name].parent is again
    assert first.data == again.data and first.data["title"] == listing.title


@pytest.mark.parametrize("zone", ["Asia/Tashkent", "UTC"])
def test_the_auction_is_written_as_drf_s_fields_would_write_it(
    zone, paid_auction, make_auction, make_listing, listing, buyer, make_user
):
    """AuctionSerializer.to_representation is written out; DRF's generic one, field by field, must
    give the same for auctions in every state, with and without a request, for the leader and not."""
    from django.db.models import F
    from django.test import RequestFactory
    from django.utils import timezone
    from rest_framework import serializers as drf
    from rest_framework.request import Request

    from api import serializers as s
    from auctions.bidding import bid_place
    from auctions.selectors import auction_public_bids

    bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount="800000000")
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount="801000000", max_amount="900000000")
    Auction.objects.filter(pk=paid_auction.pk).update(
        buy_now_price=Decimal("2000000000.5"),
        reserve_price=Decimal("850000000"),
        hard_ends_at=F("ends_at") + timedelta(days=1),
    )
    unpaid = make_auction(make_listing(listing.seller))
    ended = Auction.objects.get(pk=paid_auction.pk)  # by the clock, in the "now" context below
    request = Request(RequestFactory().get("/"))
    request.user = buyer
    cases = 0
    with timezone.override(zone):
        for auction in (ended, unpaid):
            for context in ({"request": request}, {}, {"now": ended.ends_at + timedelta(seconds=1)}):
                for cls in (s.AuctionSerializer, s.AuctionDetailSerializer):
                    context = {**context, "bids": auction_public_bids(auction)}
                    serializer = cls(auction, context=context)
                    assert serializer.data == drf.ModelSerializer.to_representation(serializer, auction)
                    cases += 1
    mine = s.AuctionSerializer(Auction.objects.get(pk=paid_auction.pk), context={"request": request}).data
    assert mine["is_leader"] is True and mine["my_max"] == "900000000.00"
    assert mine["buy_now_price"] == "2000000000.50" and mine["url"].startswith("http://testserver/auctions/")
    assert cases == 12


@pytest.mark.parametrize("zone", ["Asia/Tashkent", "UTC"])
def test_the_bid_history_is_formatted_as_drf_would(zone):
    """api.serializers.public_bids_data writes what PublicBidSerializer(many=True) gives, text for
    text: amounts with two decimals, times in ISO 8601 in the current time zone ("Z" for UTC)."""
    from datetime import UTC, datetime

    from django.utils import timezone

    from api.serializers import PublicBidSerializer, public_bids_data
    from auctions.selectors import PublicBid

    bids = [
        PublicBid(7, "+998 90 *** ** 67", Decimal("800000000.00"), "manual", datetime(2026, 12, 5, 9, 0, tzinfo=UTC)),
        PublicBid(
            8,
            "+998 91 *** ** 01",
            Decimal("801000000.5"),
            "auto",
            datetime(2026, 12, 5, 23, 59, 59, 123456, tzinfo=UTC),
        ),
        PublicBid(7, "+998 90 *** ** 67", Decimal("5"), "manual", timezone.now()),
    ]
    with timezone.override(zone):
        expected = PublicBidSerializer(
            [
                {
                    "bidder": b.bidder_masked_phone,
                    "amount": b.amount,
                    "auto": b.auto,
                    "is_mine": b.bidder_id == 7,
                    "created_at": b.created_at,
                }
                for b in bids
            ],
            many=True,
        ).data
        assert public_bids_data(bids, user_id=7) == [dict(row) for row in expected]
        assert [row["is_mine"] for row in public_bids_data(bids, user_id=None)] == [False, False, False]
    assert public_bids_data(bids, user_id=7)[1]["amount"] == "801000000.50"


def test_throttle_counters_do_not_meet_drf_s_own_keys(settings, buyer):
    """The counters live under their own keys: a list of request times that DRF's throttle left
    under its key (a process of the previous release) breaks neither side."""
    from rest_framework.throttling import UserRateThrottle

    _rates(settings, user="2/min")
    drf_key = UserRateThrottle.cache_format % {"scope": "user", "ident": buyer.pk}
    cache.set(drf_key, [1.0, 2.0], 60)
    client = token_client(buyer)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert cache.get(drf_key) == [1.0, 2.0]


@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_json_nested_too_deeply_is_a_parse_error(api, buyer, paid_auction, depth):
    # Python's json raises RecursionError past ~1 000 levels, which DRF's parser does not catch.
    body = "[" * depth + "]" * depth
    assert_error(api.post("/api/v1/auth/token/", body, content_type="application/json"), 400, "parse_error")
    refused = token_client(buyer).post(
        f"/api/v1/auctions/{paid_auction.pk}/bids/", body, content_type="application/json"
    )
    assert_error(refused, 400, "parse_error")
    assert not Bid.objects.exists()


def test_the_docs_page_answers_options_with_405(api):
    assert api.options("/api/docs/").status_code == 405
    assert api.get("/api/docs/").status_code == 200
    assert api.options("/api/schema/").status_code == 200  # the schema is an API view: its metadata
