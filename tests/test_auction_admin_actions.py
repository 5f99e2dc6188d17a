"""Admin: cancel an auction and remove a bid, each with a reason, through the services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from auctions.bidding import bid_place
from auctions.models import AuctionEvent, AuctionStatus, Bid

pytestmark = pytest.mark.django_db

START = Decimal("800000000")


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_removes_a_bid_with_a_reason(admin_client, paid_auction, buyer, make_user):
    first = bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=START)
    second = bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START + 1_000_000)
    url = reverse("admin:auctions_bid_remove", args=[second.pk])
    assert admin_client.get(url).status_code == 200
    page = admin_client.get(reverse("admin:auctions_auction_change", args=[paid_auction.pk])).content.decode()
    assert url in page

    response = admin_client.post(url, {"reason": ""})
    assert response.status_code == 200 and "причину" in response.content.decode()
    assert Bid.objects.get(pk=second.pk).removed_at is None

    response = admin_client.post(url, {"reason": "Ставка с чужого аккаунта"})
    assert response.status_code == 302
    paid_auction.refresh_from_db()
    assert paid_auction.current_price == START and paid_auction.leader_id == first.bidder_id
    assert AuctionEvent.objects.filter(auction=paid_auction, kind=AuctionEvent.Kind.BID_REMOVED).exists()


def test_admin_cancels_with_a_reason(admin_client, paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    url = reverse("admin:auctions_auction_cancel", args=[paid_auction.pk])
    response = admin_client.post(url, {"reason": "Мошенничество"})
    assert response.status_code == 302
    paid_auction.refresh_from_db()
    assert paid_auction.status == AuctionStatus.CANCELLED


def test_non_staff_cannot_reach_the_admin_actions(client, paid_auction, buyer):
    bid = bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    client.force_login(buyer)
    for url in (
        reverse("admin:auctions_bid_remove", args=[bid.pk]),
        reverse("admin:auctions_auction_cancel", args=[paid_auction.pk]),
    ):
        response = client.post(url, {"reason": "x"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    paid_auction.refresh_from_db()
    assert paid_auction.status == AuctionStatus.ACTIVE and Bid.objects.get().removed_at is None


def test_staff_without_permissions_cannot_cancel_auctions_or_remove_bids(client, make_user, paid_auction):
    bid = bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=paid_auction.starting_price)
    client.force_login(make_user(is_staff=True))
    assert client.post(f"/admin/auctions/auction/{paid_auction.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert client.post(f"/admin/auctions/bid/{bid.pk}/remove/", {"reason": "x"}).status_code == 403
    paid_auction.refresh_from_db()
    bid.refresh_from_db()
    assert paid_auction.status == "active" and paid_auction.bid_count == 1 and bid.removed_at is None
