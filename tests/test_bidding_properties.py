"""Property-based tests: random bid sequences through bid_place, compared with a
small reference model of the rules (proxy resolution, ties, soft close, reserve).

The reference model is written differently from auctions.rules on purpose: it
keeps every bidder's maximum and prices each accepted bid as
max(previous price, the amount sent, min(top maximum, second maximum + step)),
with ties to the earlier maximum.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auctions.bidding import bid_place, bid_remove
from auctions.errors import AuctionRuleError
from auctions.lifecycle import auction_close, auction_create
from auctions.models import Auction, AuctionStatus, Bid
from fees.demo import fee_pay_offline
from fees.services import fee_initiate

pytestmark = pytest.mark.django_db

START = Decimal(1000)
STEP = Decimal(100)
WINDOW = timedelta(minutes=5)
DURATION = timedelta(minutes=20)


@dataclass
class Model:
    start: Decimal
    step: Decimal
    end: datetime
    hard_end: datetime | None
    reserve: Decimal | None
    price: Decimal | None = None
    leader: int | None = None
    maxes: dict[int, tuple[Decimal, int]] = field(default_factory=dict)  # bidder -> (maximum, when it was set)
    seq: int = 0

    def _ranked(self) -> list[tuple[int, Decimal]]:
        return [
            (bidder, maximum)
            for bidder, (maximum, _at) in sorted(self.maxes.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
        ]

    def submit(
        self, *, bidder: int, amount: Decimal | None, maximum: Decimal | None, now: datetime, replay: bool = False
    ) -> str:
        """Returns "ok" or the refusal code. `replay`: re-apply an accepted submission (after a removal)."""
        if now >= self.end and not replay:
            return "ended"
        if amount is None:
            if self.leader != bidder:
                return "no_amount"
            assert maximum is not None
            if maximum <= self.maxes[bidder][0]:
                return "max_too_low"
        elif not replay:
            if maximum is not None and maximum < amount:
                return "max_below_amount"
            minimum = self.start if self.price is None else self.price + self.step
            if amount < minimum:
                return "too_low"
            if self.leader == bidder and maximum is not None and maximum < self.maxes[bidder][0]:
                return "max_below_current"  # a leader's maximum is never lowered
        self.seq += 1
        before = (self.price, self.leader)
        ceiling = max(x for x in (amount, maximum) if x is not None)
        old = self.maxes.get(bidder)
        if old is None or ceiling > old[0]:
            self.maxes[bidder] = (ceiling, self.seq)
        ranked = self._ranked()
        top_bidder, top_max = ranked[0]
        if amount is None:
            pass  # the leader's hidden maximum rose; the price does not
        elif self.leader is None or self.leader == bidder:
            self.price = amount
        else:
            second = ranked[1][1]
            assert self.price is not None
            self.price = max(self.price, amount, min(top_max, second + self.step))
        self.leader = top_bidder
        assert self.price is not None
        if self.reserve is not None and self.price < self.reserve <= top_max:
            self.price = self.reserve
        if (self.price, self.leader) != before and self.end - now < WINDOW:
            new_end = now + WINDOW if self.hard_end is None else min(now + WINDOW, self.hard_end)
            self.end = max(self.end, new_end)
        return "ok"

    def winner(self) -> int | None:
        if self.leader is None or (self.reserve is not None and self.price is not None and self.price < self.reserve):
            return None
        return self.leader


op = st.tuples(
    st.integers(0, 3),  # bidder
    st.sampled_from(["plain", "proxy", "raise"]),
    st.integers(-1, 4),  # public bid: steps above the minimum (-1: one soum short)
    st.integers(0, 12),  # maximum: steps above the public bid
    st.sampled_from([0, 0, 50]),  # odd soums on the maximum
    st.integers(0, 420),  # seconds since the previous bid
)


@pytest.fixture
def people(make_user, seller):
    return seller, [make_user() for _ in range(4)]


@pytest.fixture
def admin_user_(make_user, make_operator):
    return make_operator()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(op, min_size=1, max_size=14),
    reserve_steps=st.one_of(st.none(), st.integers(1, 20)),
    hard_minutes=st.one_of(st.none(), st.integers(20, 30)),
    removal=st.one_of(st.none(), st.integers(0, 1000)),
)
def test_random_bid_sequences_match_the_reference_model(
    people, make_listing, admin_user_, ops, reserve_steps, hard_minutes, removal
):
    seller, bidders = people
    listing = make_listing(seller)
    from django.utils import timezone

    base = timezone.now().replace(microsecond=0)
    starts_at = base - timedelta(seconds=1)
    ends_at = base + DURATION
    hard_end = None if hard_minutes is None else base + timedelta(minutes=hard_minutes)
    reserve = None if reserve_steps is None else START + STEP * reserve_steps
    auction = auction_create(
        seller=seller,
        listing=listing,
        starts_at=starts_at,
        ends_at=ends_at,
        starting_price=START,
        bid_step=STEP,
        reserve_price=reserve,
        hard_ends_at=hard_end,
    )
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=seller))
    model = Model(start=START, step=STEP, end=ends_at, hard_end=hard_end, reserve=reserve)

    now = base
    accepted: list[tuple[int, Decimal | None, Decimal | None, datetime, int | None]] = []
    for who, kind, over, extra, odd, wait in ops:
        now += timedelta(seconds=wait)
        row = Auction.objects.get(pk=auction.pk)
        minimum = START if row.current_price is None else row.current_price + STEP
        amount: Decimal | None = minimum + STEP * over if over >= 0 else minimum - 1
        maximum: Decimal | None = None
        if kind == "proxy":
            assert amount is not None
            maximum = amount + STEP * extra + odd
        elif kind == "raise":
            amount = None
            maximum = (row.leader_max or START) + STEP * extra + odd
        expected = model.submit(bidder=who, amount=amount, maximum=maximum, now=now)
        try:
            bid = bid_place(auction_id=auction.pk, bidder=bidders[who], amount=amount, max_amount=maximum, now=now)
            outcome = "ok"
            accepted.append((who, amount, maximum, now, bid.pk if amount is not None else None))
        except AuctionRuleError as exc:
            outcome = exc.code
        assert outcome == expected, (who, kind, amount, maximum)

        row = Auction.objects.get(pk=auction.pk)
        assert row.current_price == model.price
        assert row.leader_id == (None if model.leader is None else bidders[model.leader].pk)
        assert row.ends_at == model.end
        if model.leader is not None:
            assert row.leader_max == model.maxes[model.leader][0]
        # The rows tell the same story: the highest live row is the leader's, at the price.
        live = list(Bid.objects.filter(auction=auction, removed_at__isnull=True).order_by("-amount", "-id"))
        assert row.bid_count == len(live)
        if live:
            assert live[0].amount == row.current_price and live[0].bidder_id == row.leader_id
        amounts_by_id = [b.amount for b in sorted(live, key=lambda b: b.id)]
        assert amounts_by_id == sorted(amounts_by_id)  # the public price never goes down

    removable = [i for i, op in enumerate(accepted) if op[4] is not None]
    if removal is not None and removable:
        # An admin removes one accepted bid: the rest is replayed through the same rules.
        gone = removable[removal % len(removable)]
        bid_remove(bid_id=accepted[gone][4], admin=admin_user_, reason="проверка")
        model = Model(start=START, step=STEP, end=ends_at, hard_end=hard_end, reserve=reserve)
        for i, (who, amount, maximum, at, _bid_id) in enumerate(accepted):
            if i != gone:
                model.submit(bidder=who, amount=amount, maximum=maximum, now=at, replay=True)
        row = Auction.objects.get(pk=auction.pk)
        assert row.current_price == model.price
        assert row.leader_id == (None if model.leader is None else bidders[model.leader].pk)
        assert row.leader_max == (None if model.leader is None else model.maxes[model.leader][0])
        assert row.ends_at == model.end
        live = list(Bid.objects.filter(auction=auction, removed_at__isnull=True).order_by("-amount", "-id"))
        assert row.bid_count == len(live)
        if live:
            assert live[0].amount == row.current_price and live[0].bidder_id == row.leader_id

    closed = auction_close(auction_id=auction.pk, now=max(now, model.end))
    assert closed.status == AuctionStatus.ENDED
    winner = model.winner()
    assert closed.winner_id == (None if winner is None else bidders[winner].pk)
