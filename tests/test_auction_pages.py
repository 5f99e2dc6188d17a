"""The auction page and its forms: proxy bids, the typo guard, buy-now, watching,
masked history, reserve shown as met/not met, contacts after the sale."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from auctions.bidding import bid_place
from auctions.errors import AuctionRuleError
from auctions.lifecycle import auction_cancel, auction_close, auction_create
from auctions.models import Auction, AuctionStatus, AuctionWatch, Bid
from fees.demo import fee_pay_offline
from fees.services import fee_initiate

pytestmark = pytest.mark.django_db

START = Decimal("800000000")
STEP = Decimal("1000000")


def detail(auction) -> str:
    return reverse("auctions:detail", args=[auction.pk])


def _auction(listing, **extra) -> Auction:
    now = timezone.now()
    auction = auction_create(
        seller=listing.seller,
        listing=listing,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        starting_price=START,
        bid_step=STEP,
        **extra,
    )
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=listing.seller))
    return Auction.objects.get(pk=auction.pk)


def test_page_shows_step_minimum_and_live_hooks(client, paid_auction):
    page = client.get(detail(paid_auction)).content.decode()
    assert "1\u00a0000\u00a0000" in page  # the step, before anyone bids
    assert f'data-auction-live="/ws/auctions/{paid_auction.pk}/"' in page
    assert "auction-live.js" in page


def test_a_bid_far_above_the_minimum_asks_again_with_the_amount_in_words(client, paid_auction, buyer):
    client.force_login(buyer)
    response = client.post(reverse("auctions:bid", args=[paid_auction.pk]), {"amount": "8000000000"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "восемь миллиардов сум" in page
    assert 'name="confirm" value="1"' in page
    assert not Bid.objects.exists()

    response = client.post(reverse("auctions:bid", args=[paid_auction.pk]), {"amount": "8000000000", "confirm": "1"})
    assert response.status_code == 302
    assert Bid.objects.get().amount == Decimal("8000000000")


def test_proxy_bid_through_the_form_and_an_outbid_message(client, paid_auction, buyer, make_user):
    rival = make_user()
    bid_place(auction_id=paid_auction.pk, bidder=rival, amount=START, max_amount=START + 10 * STEP)
    client.force_login(buyer)
    response = client.post(reverse("auctions:bid", args=[paid_auction.pk]), {"amount": str(START + STEP)}, follow=True)
    page = response.content.decode()
    assert "автоставка другого участника выше" in page
    paid_auction.refresh_from_db()
    assert paid_auction.leader == rival and paid_auction.current_price == START + 2 * STEP


def test_leader_raises_the_maximum_through_the_form(client, paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    client.force_login(buyer)
    response = client.post(
        reverse("auctions:bid", args=[paid_auction.pk]),
        {"amount": "", "max_amount": str(START + 5 * STEP)},
        follow=True,
    )
    assert "Вы лидируете" in response.content.decode()
    paid_auction.refresh_from_db()
    assert paid_auction.current_price == START and paid_auction.leader_max == START + 5 * STEP


def test_bid_history_is_masked_and_leaves_out_removed_bids(client, paid_auction, buyer, make_user, make_operator):
    from auctions.bidding import bid_remove

    removed = bid_place(auction_id=paid_auction.pk, bidder=make_user(phone="+998901112233"), amount=START)
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START + STEP)
    bid_remove(bid_id=removed.pk, admin=make_operator(), reason="Ошибка")
    page = client.get(detail(paid_auction)).content.decode()
    assert buyer.phone not in page
    assert buyer.masked_phone in page
    assert "+99890111" not in page and "2233" not in page.split("История ставок")[1]


def test_reserve_is_shown_as_met_or_not_never_its_amount(client, listing, buyer):
    auction = _auction(listing, reserve_price=START + 10 * STEP)
    page = client.get(detail(auction)).content.decode()
    assert ">не достигнута</b>" in page and "810\u00a0000\u00a0000" not in page
    bid_place(auction_id=auction.pk, bidder=buyer, amount=START + 10 * STEP)
    page = client.get(detail(auction)).content.decode()
    assert ">достигнута</b>" in page and ">не достигнута</b>" not in page


def test_buy_now_button_until_the_first_bid(client, listing, buyer, make_user):
    auction = _auction(listing, buy_now_price=START * 2)
    client.force_login(buyer)
    assert 'data-testid="buy-now"' in client.get(detail(auction)).content.decode()
    response = client.post(reverse("auctions:buy-now", args=[auction.pk]), follow=True)
    page = response.content.decode()
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ENDED and auction.winner == buyer
    assert listing.seller.phone in page  # the winner sees the seller's contacts
    client.force_login(listing.seller)
    assert buyer.phone in client.get(detail(auction)).content.decode()
    client.force_login(make_user())
    other = client.get(detail(auction)).content.decode()
    assert buyer.phone not in other and listing.seller.phone not in other


def test_watch_toggle(client, paid_auction, buyer):
    client.force_login(buyer)
    url = reverse("auctions:watch", args=[paid_auction.pk])
    client.post(url)
    assert AuctionWatch.objects.filter(auction=paid_auction, user=buyer).exists()
    assert "Вы следите" in client.get(detail(paid_auction)).content.decode()
    client.post(url)
    assert not AuctionWatch.objects.exists()
    assert client.get(url).status_code == 405


def test_watch_and_buy_now_need_sign_in(client, paid_auction):
    for name in ("auctions:watch", "auctions:buy-now"):
        response = client.post(reverse(name, args=[paid_auction.pk]))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not AuctionWatch.objects.exists()


def test_unsold_below_reserve_is_shown(client, listing, buyer):
    auction = _auction(listing, reserve_price=START + 10 * STEP)
    bid_place(auction_id=auction.pk, bidder=buyer, amount=START)
    auction_close(auction_id=auction.pk, now=auction.ends_at)
    page = client.get(detail(auction)).content.decode()
    assert "резервная цена не достигнута" in page


def test_create_form_accepts_reserve_buy_now_and_default_step(client, listing):
    client.force_login(listing.seller)
    now = timezone.localtime(timezone.now())
    response = client.post(
        reverse("auctions:create", args=[listing.pk]),
        {
            "starts_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "starting_price": "800000000",
            "bid_step": "",
            "reserve_price": "900000000",
            "buy_now_price": "1200000000",
            "hard_ends_at": "",
        },
    )
    assert response.status_code == 302
    auction = Auction.objects.get()
    assert auction.bid_step == Decimal("2000000")
    assert auction.reserve_price == Decimal("900000000") and auction.buy_now_price == Decimal("1200000000")


def test_json_bid_api(client, paid_auction, buyer):
    client.force_login(buyer)
    url = reverse("auctions:bid", args=[paid_auction.pk])
    ok = client.post(url, {"amount": str(START)}, HTTP_ACCEPT="application/json")
    assert ok.status_code == 200
    body = ok.json()
    assert body["ok"] and body["state"]["current_price"] == str(int(START)) and "server_time" in body["state"]
    low = client.post(url, {"amount": str(START)}, HTTP_ACCEPT="application/json")
    assert low.status_code == 409 and low.json()["code"] == "too_low"
    bad = client.post(url, {"amount": "abc"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_amount"
    huge = client.post(url, {"amount": str(START * 10)}, HTTP_ACCEPT="application/json")
    assert huge.status_code == 409 and huge.json()["code"] == "confirm_required"
    assert Bid.objects.count() == 1


def test_the_cancel_button_shows_exactly_when_the_seller_may_cancel(client, paid_auction, buyer):
    client.force_login(paid_auction.seller)
    url = f"/auctions/{paid_auction.pk}/"
    form = f'action="/auctions/{paid_auction.pk}/cancel/"'
    assert form in client.get(url).content.decode()  # active, no bids yet
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=paid_auction.starting_price)
    assert form not in client.get(url).content.decode()
    with pytest.raises(AuctionRuleError):  # the service agrees
        auction_cancel(auction_id=paid_auction.pk, user=paid_auction.seller)
