"""The auction rules one by one: bid step, proxy bids, ties, soft close, reserve,
buy-now, cancel and admin bid removal, and the event log."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auctions.bidding import auction_buy_now, bid_place, bid_remove
from auctions.errors import AuctionRuleError
from auctions.lifecycle import auction_cancel, auction_close, auction_create
from auctions.models import Auction, AuctionEvent, AuctionStatus, Bid, BidKind
from auctions.rules import bid_step_default, bid_step_limits

START = Decimal("800000000")
STEP = Decimal("1000000")


def refused(code: str, func, **kwargs) -> AuctionRuleError:
    with pytest.raises(AuctionRuleError) as excinfo:
        func(**kwargs)
    assert excinfo.value.code == code, excinfo.value.message
    return excinfo.value


def fresh(auction: Auction) -> Auction:
    return Auction.objects.get(pk=auction.pk)


def live_bids(auction: Auction) -> list[tuple[int, Decimal, str]]:
    return [
        (b.bidder_id, b.amount, b.kind)
        for b in Bid.objects.filter(auction=auction, removed_at__isnull=True).order_by("id")
    ]


@pytest.fixture
def rivals(make_user):
    return make_user(first_name="Алишер"), make_user(first_name="Бобур"), make_user(first_name="Севара")


# --- Bid step ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "step"),
    [("800000000", "2000000"), ("1000000000", "5000000"), ("150000000", "500000"), ("100", "1"), ("1", "1")],
)
def test_default_bid_step_is_a_round_half_percent(start, step):
    assert bid_step_default(Decimal(start)) == Decimal(step)


def test_create_without_a_step_uses_the_default(listing):
    now = timezone.now()
    auction = auction_create(
        seller=listing.seller, listing=listing, starts_at=now, ends_at=now + timedelta(days=1), starting_price=START
    )
    assert auction.bid_step == Decimal("2000000")
    assert auction.original_ends_at == auction.ends_at


@pytest.mark.parametrize("step", ["79999", "200000001"])
def test_create_refuses_a_step_outside_the_limits(listing, step):
    low, high = bid_step_limits(START)
    assert (low, high) == (Decimal(80000), Decimal(200000000))
    now = timezone.now()
    refused(
        "bad_step",
        auction_create,
        seller=listing.seller,
        listing=listing,
        starts_at=now,
        ends_at=now + timedelta(days=1),
        starting_price=START,
        bid_step=Decimal(step),
    )
    assert not Auction.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("reserve_price", START, "bad_reserve"),
        ("buy_now_price", START, "bad_buy_now"),
        ("buy_now_price", "x", "invalid_amount"),
    ],
)
def test_create_refuses_bad_reserve_and_buy_now(listing, field, value, code):
    now = timezone.now()
    kwargs = {
        "seller": listing.seller,
        "listing": listing,
        "starts_at": now,
        "ends_at": now + timedelta(days=1),
        "starting_price": START,
        field: value,
    }
    refused(code, auction_create, **kwargs)


def test_create_refuses_a_hard_end_before_the_end(listing):
    now = timezone.now()
    refused(
        "bad_hard_end",
        auction_create,
        seller=listing.seller,
        listing=listing,
        starts_at=now,
        ends_at=now + timedelta(days=1),
        hard_ends_at=now + timedelta(hours=1),
        starting_price=START,
    )


# --- Proxy bids ----------------------------------------------------------------------


def test_proxy_bid_answers_a_challenger_just_above_their_bid(paid_auction, rivals):
    a, b, _c = rivals
    bid_place(auction_id=paid_auction.pk, bidder=a, amount=START, max_amount=START + 10 * STEP)
    row = fresh(paid_auction)
    assert (row.current_price, row.leader_id, row.leader_max) == (START, a.pk, START + 10 * STEP)

    own = bid_place(auction_id=paid_auction.pk, bidder=b, amount=START + 3 * STEP)

    assert own.bidder == b and own.amount == START + 3 * STEP
    row = fresh(paid_auction)
    assert row.current_price == START + 4 * STEP and row.leader_id == a.pk
    assert live_bids(paid_auction) == [
        (a.pk, START, BidKind.MANUAL),
        (b.pk, START + 3 * STEP, BidKind.MANUAL),
        (a.pk, START + 4 * STEP, BidKind.AUTO),
    ]
    assert row.bid_count == 3


def test_proxy_never_goes_past_its_maximum(paid_auction, rivals):
    a, b, _c = rivals
    bid_place(auction_id=paid_auction.pk, bidder=a, amount=START, max_amount=START + 10 * STEP + 500)
    bid_place(auction_id=paid_auction.pk, bidder=b, amount=START + 10 * STEP)
    row = fresh(paid_auction)
    assert row.current_price == START + 10 * STEP + 500 and row.leader_id == a.pk


def test_higher_maximum_wins_at_one_step_above_the_other(paid_auction, rivals):
    a, b, _c = rivals
    bid_place(auction_id=paid_auction.pk, bidder=a, amount=START, max_amount=START + 5 * STEP)
    bid_place(auction_id=paid_auction.pk, bidder=b, amount=START + STEP, max_amount=START + 20 * STEP)
    row = fresh(paid_auction)
    assert row.leader_id == b.pk and row.current_price == START + 6 * STEP
    assert live_bids(paid_auction)[-2:] == [
        (a.pk, START + 5 * STEP, BidKind.AUTO),
        (b.pk, START + 6 * STEP, BidKind.MANUAL),
    ]


def test_equal_maximums_go_to_the_earlier_bidder(paid_auction, rivals):
    a, b, _c = rivals
    bid_place(auction_id=paid_auction.pk, bidder=a, amount=START, max_amount=START + 5 * STEP)
    bid_place(auction_id=paid_auction.pk, bidder=b, amount=START + STEP, max_amount=START + 5 * STEP)
    row = fresh(paid_auction)
    assert row.leader_id == a.pk and row.current_price == START + 5 * STEP


def test_leader_raises_the_maximum_without_raising_the_price(paid_auction, rivals):
    a, b, _c = rivals
    bid_place(auction_id=paid_auction.pk, bidder=a, amount=START, max_amount=START + 2 * STEP)
    events = AuctionEvent.objects.filter(auction=paid_auction).count()
    bid_place(auction_id=paid_auction.pk, bidder=a, amount=None, max_amount=START + 9 * STEP)
    row = fresh(paid_auction)
    assert (row.current_price, row.leader_id, row.leader_max, row.bid_count) == (START, a.pk, START + 9 * STEP, 1)
    assert AuctionEvent.objects.filter(auction=paid_auction).count() == events + 1
    refused("max_too_low", bid_place, auction_id=paid_auction.pk, bidder=a, amount=None, max_amount=START + 9 * STEP)
    refused("no_amount", bid_place, auction_id=paid_auction.pk, bidder=b, amount=None, max_amount=START + 20 * STEP)
    bid_place(auction_id=paid_auction.pk, bidder=b, amount=START + 5 * STEP)
    assert fresh(paid_auction).leader_id == a.pk


def test_a_leader_cannot_lower_the_maximum(paid_auction, rivals):
    a = rivals[0]
    bid_place(auction_id=paid_auction.pk, bidder=a, amount=START, max_amount=START + 9 * STEP)
    before = fresh(paid_auction)
    error = refused(
        "max_below_current",
        bid_place,
        auction_id=paid_auction.pk,
        bidder=a,
        amount=START + STEP,
        max_amount=START + 3 * STEP,
    )
    assert "Новый максимум не может быть меньше" in error.message
    row = fresh(paid_auction)
    assert (row.current_price, row.leader_max, row.bid_count) == (before.current_price, START + 9 * STEP, 1)
    assert Bid.objects.filter(auction=paid_auction).count() == 1


def test_maximum_below_the_bid_is_refused(paid_auction, rivals):
    refused(
        "max_below_amount", bid_place, auction_id=paid_auction.pk, bidder=rivals[0], amount=START, max_amount=START - 1
    )
    assert not Bid.objects.exists()


# --- Soft close ---------------------------------------------------------------------


def test_bid_in_the_last_minutes_moves_the_end(listing, make_paid_auction, rivals, settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 5
    auction = make_paid_auction(listing, starts_in=-timedelta(hours=1), duration=timedelta(hours=1, minutes=3))
    ends_at = auction.ends_at
    now = ends_at - timedelta(minutes=2)
    bid_place(auction_id=auction.pk, bidder=rivals[0], amount=START, now=now)
    row = fresh(auction)
    assert row.ends_at == now + timedelta(minutes=5) and row.extension_count == 1
    assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.EXTENDED).count() == 1


def test_bid_exactly_the_window_before_the_end_does_not_extend(listing, make_paid_auction, rivals):
    auction = make_paid_auction(listing, starts_in=-timedelta(hours=1), duration=timedelta(hours=2))
    bid_place(auction_id=auction.pk, bidder=rivals[0], amount=START, now=auction.ends_at - timedelta(minutes=5))
    assert fresh(auction).ends_at == auction.ends_at


def test_rejected_bids_and_maximum_raises_never_extend(listing, make_paid_auction, rivals):
    auction = make_paid_auction(listing, starts_in=-timedelta(hours=1), duration=timedelta(hours=2))
    bid_place(auction_id=auction.pk, bidder=rivals[0], amount=START, max_amount=START + 3 * STEP)
    end = fresh(auction).ends_at
    late = end - timedelta(seconds=30)
    refused("too_low", bid_place, auction_id=auction.pk, bidder=rivals[1], amount=START, now=late)
    bid_place(auction_id=auction.pk, bidder=rivals[0], amount=None, max_amount=START + 9 * STEP, now=late)
    assert fresh(auction).ends_at == end


def test_extension_stops_at_the_hard_end(listing, rivals):
    from fees.demo import fee_pay_offline
    from fees.services import fee_initiate

    now = timezone.now()
    auction = auction_create(
        seller=listing.seller,
        listing=listing,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        hard_ends_at=now + timedelta(hours=1, minutes=2),
        starting_price=START,
        bid_step=STEP,
    )
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=listing.seller))
    late = auction.ends_at - timedelta(minutes=1)
    bid_place(auction_id=auction.pk, bidder=rivals[0], amount=START, now=late)
    assert fresh(auction).ends_at == auction.hard_ends_at
    refused("ended", bid_place, auction_id=auction.pk, bidder=rivals[1], amount=START + STEP, now=auction.hard_ends_at)


# --- Reserve ---------------------------------------------------------------------------


def _reserved(listing, reserve: Decimal, **extra) -> Auction:
    from fees.demo import fee_pay_offline
    from fees.services import fee_initiate

    now = timezone.now()
    auction = auction_create(
        seller=listing.seller,
        listing=listing,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        starting_price=START,
        bid_step=STEP,
        reserve_price=reserve,
        **extra,
    )
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=listing.seller))
    return fresh(auction)


def test_auction_below_the_reserve_ends_unsold(listing, rivals):
    auction = _reserved(listing, START + 10 * STEP)
    bid_place(auction_id=auction.pk, bidder=rivals[0], amount=START + 9 * STEP)
    closed = auction_close(auction_id=auction.pk, now=auction.ends_at)
    assert closed.status == AuctionStatus.ENDED and closed.winner_id is None
    ended = AuctionEvent.objects.get(auction=auction, kind=AuctionEvent.Kind.ENDED)
    assert ended.data["outcome"] == "unsold" and ended.data["reserve_met"] is False


def test_proxy_maximum_above_the_reserve_lifts_the_price_to_it(listing, rivals):
    auction = _reserved(listing, START + 10 * STEP)
    bid_place(auction_id=auction.pk, bidder=rivals[0], amount=START, max_amount=START + 50 * STEP)
    row = fresh(auction)
    assert row.current_price == START + 10 * STEP
    closed = auction_close(auction_id=auction.pk, now=auction.ends_at)
    assert closed.winner_id == rivals[0].pk


# --- Buy now ------------------------------------------------------------------------------


def test_buy_now_ends_the_auction_sold(listing, rivals):
    auction = _reserved(listing, START + 10 * STEP, buy_now_price=START * 2)
    bid = auction_buy_now(auction_id=auction.pk, buyer=rivals[0])
    row = fresh(auction)
    assert bid.kind == BidKind.BUY_NOW and bid.amount == START * 2
    assert row.status == AuctionStatus.ENDED and row.winner_id == rivals[0].pk and row.current_price == START * 2
    refused("ended", auction_buy_now, auction_id=auction.pk, buyer=rivals[1])
    refused("ended", bid_place, auction_id=auction.pk, bidder=rivals[1], amount=START * 3)


def test_buy_now_at_the_very_instant_of_the_start_is_a_clean_sale(listing, rivals, monkeypatch):
    auction = _reserved(listing, START + 10 * STEP, buy_now_price=START * 2)
    start = fresh(auction).starts_at
    monkeypatch.setattr(timezone, "now", lambda: start)  # the buyer presses at the exact start

    bid = auction_buy_now(auction_id=auction.pk, buyer=rivals[0])

    row = fresh(auction)
    assert bid.kind == BidKind.BUY_NOW and row.status == AuctionStatus.ENDED and row.winner_id == rivals[0].pk
    assert row.ended_at == start and start < row.ends_at <= start + timedelta(milliseconds=1)


def test_buy_now_is_gone_after_the_first_bid(listing, rivals):
    auction = _reserved(listing, START + 10 * STEP, buy_now_price=START * 2)
    bid_place(auction_id=auction.pk, bidder=rivals[0], amount=START)
    refused("has_bids", auction_buy_now, auction_id=auction.pk, buyer=rivals[1])


def test_buy_now_needs_a_price_and_is_not_for_the_seller(paid_auction, rivals):
    refused("no_buy_now", auction_buy_now, auction_id=paid_auction.pk, buyer=rivals[0])
    refused("own_auction", auction_buy_now, auction_id=paid_auction.pk, buyer=paid_auction.seller)


# --- Cancel and admin corrections -----------------------------------------------------


def test_admin_cancels_an_auction_with_bids_giving_a_reason(paid_auction, rivals, make_user, make_operator):
    admin = make_operator()
    bid_place(auction_id=paid_auction.pk, bidder=rivals[0], amount=START)
    refused("has_bids", auction_cancel, auction_id=paid_auction.pk, user=paid_auction.seller)
    refused("reason_required", auction_cancel, auction_id=paid_auction.pk, user=admin)
    auction_cancel(auction_id=paid_auction.pk, user=admin, reason="Объявление нарушает правила")
    assert fresh(paid_auction).status == AuctionStatus.CANCELLED
    event = AuctionEvent.objects.get(auction=paid_auction, kind=AuctionEvent.Kind.CANCELLED)
    assert event.actor == admin and event.data["reason"] == "Объявление нарушает правила"


def test_admin_removes_the_leading_bid_and_the_price_is_recomputed(paid_auction, rivals, make_user, make_operator):
    a, b, c = rivals
    admin = make_operator()
    bid_place(auction_id=paid_auction.pk, bidder=a, amount=START, max_amount=START + 5 * STEP)
    bid_place(auction_id=paid_auction.pk, bidder=b, amount=START + 2 * STEP)
    fraud = bid_place(auction_id=paid_auction.pk, bidder=c, amount=START + 20 * STEP)
    assert fresh(paid_auction).leader_id == c.pk

    bid_remove(bid_id=fraud.pk, admin=admin, reason="Фиктивная ставка")

    row = fresh(paid_auction)
    assert row.leader_id == a.pk and row.current_price == START + 3 * STEP and row.leader_max == START + 5 * STEP
    assert row.bid_count == 3
    assert live_bids(paid_auction)[-1] == (a.pk, START + 3 * STEP, BidKind.AUTO)
    removed = Bid.objects.get(pk=fraud.pk)
    assert removed.removed_at is not None and removed.removed_reason == "Фиктивная ставка"
    event = AuctionEvent.objects.get(auction=paid_auction, kind=AuctionEvent.Kind.BID_REMOVED)
    assert event.actor == admin and event.data["reason"] == "Фиктивная ставка"


def test_removing_every_bid_empties_the_auction(paid_auction, rivals, make_user, make_operator):
    admin = make_operator()
    bid = bid_place(auction_id=paid_auction.pk, bidder=rivals[0], amount=START)
    bid_remove(bid_id=bid.pk, admin=admin, reason="Ошибка")
    row = fresh(paid_auction)
    assert (row.current_price, row.leader_id, row.bid_count) == (None, None, 0)
    bid_place(auction_id=paid_auction.pk, bidder=rivals[1], amount=START)  # the same amount is open again


def test_only_admins_remove_bids_and_only_with_a_reason(paid_auction, rivals, make_user, make_operator):
    bid = bid_place(auction_id=paid_auction.pk, bidder=rivals[0], amount=START)
    refused("not_admin", bid_remove, bid_id=bid.pk, admin=paid_auction.seller, reason="x")
    refused("reason_required", bid_remove, bid_id=bid.pk, admin=make_operator(), reason="  ")
    refused("not_found", bid_remove, bid_id=987654, admin=make_operator(), reason="x")
    assert Bid.objects.get(pk=bid.pk).removed_at is None


def test_event_log_records_who_what_and_server_time(paid_auction, rivals):
    bid_place(auction_id=paid_auction.pk, bidder=rivals[0], amount=START, max_amount=START + 2 * STEP)
    bid_place(auction_id=paid_auction.pk, bidder=rivals[1], amount=START + STEP)
    events = list(AuctionEvent.objects.filter(auction=paid_auction, kind=AuctionEvent.Kind.BID_PLACED).order_by("id"))
    assert [(e.actor_id, e.data["bid_kind"]) for e in events] == [
        (rivals[0].pk, "manual"),
        (rivals[1].pk, "manual"),
        (None, "auto"),
    ]
    assert all(e.created_at is not None for e in events)


@pytest.mark.parametrize("status", ["draft", "review", "rejected"])
def test_an_auction_needs_a_published_listing(seller, make_listing, status):
    listing = make_listing(seller, status=status)
    now = timezone.now()
    with pytest.raises(AuctionRuleError) as error:
        auction_create(
            seller=seller,
            listing=listing,
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(days=1),
            starting_price=Decimal("800000000"),
        )
    assert error.value.code == "listing_not_published"
    assert not Auction.objects.filter(listing=listing).exists()
