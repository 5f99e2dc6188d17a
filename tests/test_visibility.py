"""One visibility rule for listings and auctions (issue 13, findings 2 and 8).

The public sees published listings and paid auctions on published listings; the seller sees their
own in every state; staff read unpublished objects only with the permission that lets them write
them (listings.change_listing, auctions.change_auction). Pages, the API and the WebSocket agree.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from auctions.lifecycle import auction_cancel
from auctions.models import AuctionStatus
from config.routing import websocket_urlpatterns
from listings.models import Listing, ListingStatus
from listings.services import listing_update

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def api_as(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def page_status(client, user, url: str) -> int:
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code


def ws_connects(auction_id: int, user=None) -> bool:
    async def scenario() -> bool:
        communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/auctions/{auction_id}/")
        communicator.scope["user"] = user or AnonymousUser()
        connected, _code = await communicator.connect()
        if connected:
            message = await communicator.receive_json_from(timeout=5)
            assert message["type"] == "state" and message["auction_id"] == auction_id
        await communicator.disconnect()
        return connected

    return async_to_sync(scenario)()


@pytest.fixture
def bare_staff(make_user):
    """is_staff and no permission at all."""
    return make_user(is_staff=True, first_name="Стажёр")


def staff_with(make_user, *perms: str):
    user = make_user(is_staff=True)
    for name in perms:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return type(user).objects.get(pk=user.pk)


def test_an_unpaid_auction_is_hidden_everywhere_but_from_its_seller_and_operators(
    client, auction, make_user, bare_staff, buyer
):
    assert auction.status == AuctionStatus.PENDING_PAYMENT
    operator = staff_with(make_user, "auctions.change_auction")
    page = f"/auctions/{auction.pk}/"
    api = f"/api/v1/auctions/{auction.pk}/"

    for outsider in (None, buyer, bare_staff):
        assert page_status(client, outsider, page) == 404
        response = api_as(outsider).get(api)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        assert ws_connects(auction.pk, outsider) is False
        # Nor through its listing's page: the panel of an unpaid auction is not shown to the public.
        client.logout()
        if outsider is not None:
            client.force_login(outsider)
        assert page not in client.get(f"/listings/{auction.listing_id}/").content.decode()

    for insider in (auction.seller, operator):
        assert page_status(client, insider, page) == 200
        assert api_as(insider).get(api).status_code == 200
        assert ws_connects(auction.pk, insider) is True

    listed = [row["id"] for row in api_as().get("/api/v1/auctions/").json()["results"]]
    assert auction.pk not in listed
    # Bidding on it through the API is a 404 too, as on the site.
    response = api_as(buyer).post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount": "800000000"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert page_status(client, buyer, page) == 404


def test_a_cancelled_auction_of_a_listing_sent_back_to_review_is_not_public(client, auction, settings):
    """The reported path: open an auction, cancel it unpaid, edit the listing (back to moderation)."""
    settings.LISTINGS_AUTO_APPROVE = False
    seller = auction.seller
    auction_cancel(auction_id=auction.pk, user=seller)
    listing = listing_update(
        listing=Listing.objects.get(pk=auction.listing_id), user=seller, title="Совсем другой текст"
    )
    assert listing.status == ListingStatus.REVIEW

    assert page_status(client, None, f"/listings/{listing.pk}/") == 404
    assert page_status(client, None, f"/auctions/{auction.pk}/") == 404
    assert api_as().get(f"/api/v1/auctions/{auction.pk}/").status_code == 404
    assert ws_connects(auction.pk) is False
    # The seller still sees both.
    client.force_login(seller)
    assert "Совсем другой текст" in client.get(f"/auctions/{auction.pk}/").content.decode()


def test_a_paid_auction_goes_private_with_its_listing(client, paid_auction, buyer):
    url = f"/auctions/{paid_auction.pk}/"
    assert page_status(client, None, url) == 200
    assert ws_connects(paid_auction.pk) is True
    assert paid_auction.pk in [row["id"] for row in api_as().get("/api/v1/auctions/").json()["results"]]

    Listing.objects.filter(pk=paid_auction.listing_id).update(status=ListingStatus.REJECTED)

    assert page_status(client, None, url) == 404
    assert page_status(client, buyer, url) == 404
    assert api_as().get(f"/api/v1/auctions/{paid_auction.pk}/").status_code == 404
    assert paid_auction.pk not in [row["id"] for row in api_as().get("/api/v1/auctions/").json()["results"]]
    assert ws_connects(paid_auction.pk) is False
    assert page_status(client, paid_auction.seller, url) == 200


def test_the_winner_keeps_the_auction_they_won(client, listing, buyer, make_paid_auction):
    from auctions.bidding import auction_buy_now

    auction = make_paid_auction(listing, starts_in=-timedelta(minutes=5))
    auction.buy_now_price = Decimal("900000000")
    auction.save(update_fields=["buy_now_price"])
    auction_buy_now(auction_id=auction.pk, buyer=buyer)
    # Sold through the auction: the listing is "sold" and both pages stay public.
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.SOLD
    assert page_status(client, None, f"/auctions/{auction.pk}/") == 200
    assert page_status(client, None, f"/listings/{listing.pk}/") == 200
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.REVIEW)
    assert page_status(client, None, f"/auctions/{auction.pk}/") == 404
    assert page_status(client, buyer, f"/auctions/{auction.pk}/") == 200


# --- Finding 8: staff read only what their permissions let them write ------------------


def test_staff_without_permissions_do_not_read_unpublished_listings(
    client, make_listing, seller, make_user, bare_staff
):
    on_review = make_listing(seller, status=ListingStatus.REVIEW, title="На проверке")
    page, api = f"/listings/{on_review.pk}/", f"/api/v1/listings/{on_review.pk}/"

    assert page_status(client, bare_staff, page) == 404
    response = api_as(bare_staff).get(api)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"

    moderator = staff_with(make_user, "listings.change_listing")
    assert page_status(client, moderator, page) == 200
    assert api_as(moderator).get(api).status_code == 200
    # A permission without is_staff is not enough either (the moderation pages need both).
    not_staff = make_user()
    not_staff.user_permissions.add(Permission.objects.get(codename="change_listing"))
    assert page_status(client, not_staff, page) == 404
    # The seller always.
    assert page_status(client, seller, page) == 200


def test_staff_without_permissions_do_not_read_unpaid_auctions(auction, bare_staff, make_user):
    assert api_as(bare_staff).get(f"/api/v1/auctions/{auction.pk}/").status_code == 404
    # The listing moderator's permission is not the auction operator's.
    moderator = staff_with(make_user, "listings.change_listing")
    assert api_as(moderator).get(f"/api/v1/auctions/{auction.pk}/").status_code == 404
    operator = staff_with(make_user, "auctions.change_auction")
    assert api_as(operator).get(f"/api/v1/auctions/{auction.pk}/").status_code == 200
