"""The bidding rules as pure functions: no database, no clock.

`bid_resolve` is what one accepted submission does to the public state of an
auction (price, leader, the leader's hidden maximum) and which bid rows it
writes. `auctions.bidding.bid_place` calls it under the auction row lock, and
the admin's bid removal replays the remaining submissions through it.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

AUTO = "auto"
MANUAL = "manual"


@dataclass(frozen=True)
class PriceState:
    price: Decimal | None = None
    leader: int | None = None
    leader_max: Decimal | None = None


@dataclass(frozen=True)
class BidRow:
    bidder: int
    amount: Decimal
    kind: str  # MANUAL for the submitter's own row, AUTO for a proxy raise


@dataclass(frozen=True)
class Resolution:
    state: PriceState
    rows: list[BidRow] = field(default_factory=list)

    def changed(self, before: PriceState) -> bool:
        """Did the public price or the leader change?"""
        return (self.state.price, self.state.leader) != (before.price, before.leader)


def bid_resolve(
    state: PriceState,
    *,
    bidder: int,
    amount: Decimal | None,
    max_amount: Decimal | None,
    step: Decimal,
    reserve: Decimal | None,
) -> Resolution:
    """Apply one valid submission (the caller checked the minimum and max >= amount).

    - the leader may raise their public bid (`amount`) or only their maximum (`amount=None`);
    - a challenger whose maximum beats the leader's leads at the lowest price that beats it
      (never below what they typed); otherwise the leader's proxy answers, up to its maximum,
      and equal maximums go to the earlier one, the leader;
    - once the leader's maximum reaches a hidden reserve, the price rises to the reserve.
    """
    rows: list[BidRow] = []
    ceiling = max_amount if max_amount is not None else amount
    if ceiling is None:
        raise ValueError("a bid needs an amount or a maximum")
    if state.leader is None or state.price is None or state.leader_max is None:
        if amount is None:
            raise ValueError("the first bid needs an amount")
        new = PriceState(price=amount, leader=bidder, leader_max=max(ceiling, amount))
        rows.append(BidRow(bidder, amount, MANUAL))
    elif state.leader == bidder:
        if amount is None:  # only the hidden maximum rises
            new = replace(state, leader_max=max(state.leader_max, ceiling))
        else:
            new = PriceState(price=amount, leader=bidder, leader_max=max(state.leader_max, ceiling, amount))
            rows.append(BidRow(bidder, amount, MANUAL))
    else:
        if amount is None:
            raise ValueError("only the leader may send a maximum alone")
        if ceiling > state.leader_max:
            if state.leader_max > state.price:  # the old leader's proxy went all the way
                rows.append(BidRow(state.leader, state.leader_max, AUTO))
            price = max(amount, min(ceiling, state.leader_max + step))
            rows.append(BidRow(bidder, price, MANUAL))
            new = PriceState(price=price, leader=bidder, leader_max=ceiling)
        else:
            # The challenger's maximum is spent; the leader answers just above it (or ties it).
            rows.append(BidRow(bidder, ceiling, MANUAL))
            price = min(state.leader_max, ceiling + step)
            rows.append(BidRow(state.leader, price, AUTO))
            new = replace(state, price=price)
    if (
        reserve is not None
        and new.price is not None
        and new.leader_max is not None
        and new.leader is not None
        and new.price < reserve <= new.leader_max
    ):
        rows.append(BidRow(new.leader, reserve, AUTO))
        new = replace(new, price=reserve)
    return Resolution(state=new, rows=rows)


def soft_close_end(
    *, ends_at: datetime, now: datetime, window: timedelta, hard_ends_at: datetime | None
) -> datetime | None:
    """The new end after a price/leader change at `now`, or None when the end stays."""
    if window <= timedelta(0) or ends_at - now >= window:
        return None
    new_end = now + window
    if hard_ends_at is not None:
        new_end = min(new_end, hard_ends_at)
    return new_end if new_end > ends_at else None


def bid_step_default(starting_price: Decimal) -> Decimal:
    """About half a percent of the starting price, rounded down to 1, 2 or 5 × 10^k soums."""
    target = max(Decimal(1), starting_price / 200)
    exponent = len(str(int(target))) - 1
    base = Decimal(10) ** exponent
    for mantissa in (5, 2, 1):
        if base * mantissa <= target:
            return (base * mantissa).quantize(Decimal(1), rounding=ROUND_FLOOR)
    return base


def bid_step_limits(starting_price: Decimal) -> tuple[Decimal, Decimal]:
    """A step between 0.01 % (at least 1 soum) and 25 % of the starting price."""
    low = max(Decimal(1), (starting_price / 10000).to_integral_value(rounding=ROUND_FLOOR))
    high = max(low, (starting_price / 4).to_integral_value(rounding=ROUND_FLOOR))
    return low, high
