"""Proxy bids, buy-now and soft close under concurrency, on PostgreSQL row locks.

Whatever the interleaving: at most one buy-now, never both a buy-now and a bid,
exactly one winner, a price that never goes down, every accepted call has its
row (none lost, none twice), and a refused bid never moves the end.
"""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auctions.bidding import auction_buy_now, bid_place
from auctions.errors import AuctionRuleError
from auctions.lifecycle import auction_close, auction_create
from auctions.models import Auction, AuctionEvent, AuctionStatus, Bid, BidKind
from fees.demo import fee_pay_offline
from fees.services import fee_initiate
from tests.test_bidding_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START = Decimal("800000000")
STEP = Decimal("1000000")


def _auction(listing, *, ends_in=timedelta(days=1), **extra) -> Auction:
    now = timezone.now()
    auction = auction_create(
        seller=listing.seller,
        listing=listing,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + ends_in,
        starting_price=START,
        bid_step=STEP,
        **extra,
    )
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=listing.seller))
    return Auction.objects.get(pk=auction.pk)


def assert_engine_consistent(auction: Auction, results: list[object]) -> Auction:
    row = Auction.objects.get(pk=auction.pk)
    live = list(Bid.objects.filter(auction=auction, removed_at__isnull=True).order_by("id"))
    amounts = [b.amount for b in live]
    assert amounts == sorted(amounts), "the public price went down"
    manual = [b for b in live if b.kind != BidKind.AUTO]
    assert len({b.amount for b in manual}) == len(manual)
    accepted = [r for r in results if isinstance(r, Bid)]
    # Every accepted call has exactly its own row, and every manual row belongs to an accepted call.
    assert sorted(b.pk for b in accepted) == sorted(b.pk for b in manual)
    assert row.bid_count == len(live)
    if live:
        top = max(live, key=lambda b: (b.amount, b.id))
        assert (row.current_price, row.leader_id) == (top.amount, top.bidder_id)
    placed = AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.BID_PLACED)
    assert sorted(placed.values_list("data__bid_id", flat=True)) == sorted(
        b.pk for b in live if b.kind != BidKind.BUY_NOW
    )
    return row


def test_bidders_and_buy_now_race_one_winner(listing, make_user):
    auction = _auction(listing, buy_now_price=START * 2)
    rng = random.Random(7)
    people = [make_user() for _ in range(16)]
    calls = []
    for i, person in enumerate(people):
        if i % 4 == 0:
            calls.append(lambda p=person: auction_buy_now(auction_id=auction.pk, buyer=p))
        else:
            amount = START + STEP * rng.randint(0, 6)
            maximum = amount + STEP * rng.randint(0, 10) if rng.random() < 0.5 else None
            calls.append(
                lambda p=person, a=amount, m=maximum: bid_place(auction_id=auction.pk, bidder=p, amount=a, max_amount=m)
            )

    results, _wall = run_together(calls)

    refused = [r for r in results if not isinstance(r, Bid)]
    assert all(isinstance(r, AuctionRuleError) for r in refused), refused
    bought = [r for r in results if isinstance(r, Bid) and r.kind == BidKind.BUY_NOW]
    row = assert_engine_consistent(auction, results)
    assert len(bought) <= 1
    if bought:
        assert row.status == AuctionStatus.ENDED and row.winner_id == bought[0].bidder_id
        assert Bid.objects.filter(auction=auction).count() == 1
        assert {r.code for r in refused} <= {"ended"}
    else:
        assert {r.code for r in refused} <= {"too_low", "has_bids"}
        closed = auction_close(auction_id=auction.pk, now=row.ends_at)
        assert closed.winner_id == row.leader_id


def test_rounds_of_proxy_bidders_keep_the_story_straight(listing, make_user):
    auction = _auction(listing)
    people = [make_user() for _ in range(12)]
    rng = random.Random(11)
    all_results: list[object] = []
    for _round in range(4):
        current = Auction.objects.get(pk=auction.pk)
        minimum = START if current.current_price is None else current.current_price + STEP
        calls = []
        for person in people:
            amount = minimum + STEP * rng.randint(0, 3)
            maximum = amount + STEP * rng.randint(0, 8) + rng.choice([0, 500])
            calls.append(
                lambda p=person, a=amount, m=maximum: bid_place(auction_id=auction.pk, bidder=p, amount=a, max_amount=m)
            )
        results, _wall = run_together(calls)
        # A leader whose new maximum is below the one they already have is refused too (issue 13): who leads
        # when their call runs depends on the race.
        allowed = {"too_low", "max_below_current"}
        odd = [
            r for r in results if not (isinstance(r, Bid) or (isinstance(r, AuctionRuleError) and r.code in allowed))
        ]
        assert not odd, [(type(r).__name__, getattr(r, "code", None), str(r)) for r in odd]
        assert any(isinstance(r, Bid) for r in results)
        all_results += results
        assert_engine_consistent(auction, all_results)


def test_refused_bids_never_move_the_end(listing, make_user, settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 10
    auction = _auction(listing, ends_in=timedelta(minutes=3))
    leader = make_user()
    bid_place(auction_id=auction.pk, bidder=leader, amount=START + 10 * STEP)
    end = Auction.objects.get(pk=auction.pk).ends_at
    people = [make_user() for _ in range(12)]
    calls = [
        (lambda p=p, a=START + STEP * (i % 11): bid_place(auction_id=auction.pk, bidder=p, amount=a))
        for i, p in enumerate(people)
    ]
    results, _wall = run_together(calls)
    assert all(isinstance(r, AuctionRuleError) and r.code == "too_low" for r in results)
    row = Auction.objects.get(pk=auction.pk)
    assert row.ends_at == end and row.extension_count == 1

    # Now half of them can win: only accepted bids extend, each to its own time + window.
    calls = [
        (lambda p=p, a=START + STEP * (11 + i): bid_place(auction_id=auction.pk, bidder=p, amount=a))
        for i, p in enumerate(people)
    ]
    results, _wall = run_together(calls)
    row = assert_engine_consistent(
        auction, [r for r in results if isinstance(r, Bid)] + list(Bid.objects.filter(auction=auction, bidder=leader))
    )
    extended = list(AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.EXTENDED).order_by("id"))
    assert row.extension_count == len(extended)
    assert len(extended) <= 1 + sum(isinstance(r, Bid) for r in results)
    assert row.ends_at.isoformat() == extended[-1].data["new"]
