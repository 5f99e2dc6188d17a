"""A bid already below the minimum is refused without queueing for the auction row lock.

On a hot auction most bids lose the race; refusing them from an unlocked read
keeps the lock for the bids that can win. The locked check stays the authority.
"""

import threading
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from auctions.bidding import bid_place
from auctions.errors import AuctionRuleError
from auctions.models import Auction
from tests.procs import dsn_of_test_database

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START = Decimal("800000000")
STEP = Decimal("1000000")


def _bid_in_thread(**kwargs: object) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(bid_place(**kwargs))  # type: ignore[arg-type]
        except AuctionRuleError as exc:
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_too_low_bid_is_refused_while_another_request_holds_the_lock(paid_auction, make_user):
    first, late, winner = make_user(), make_user(), make_user()
    bid_place(auction_id=paid_auction.pk, bidder=first, amount=START)
    holder = psycopg.connect(dsn_of_test_database())
    try:
        holder.execute("SELECT id FROM auctions_auction WHERE id = %s FOR UPDATE", [paid_auction.pk])
        low, low_outcome = _bid_in_thread(auction_id=paid_auction.pk, bidder=late, amount=START)
        low.join(timeout=20)
        assert not low.is_alive(), "a hopeless bid waited for the lock"
        (refusal,) = low_outcome
        assert isinstance(refusal, AuctionRuleError) and refusal.code == "too_low"
        assert "801" in refusal.message

        # A bid that can win still waits for the lock, and is decided under it.
        high, high_outcome = _bid_in_thread(auction_id=paid_auction.pk, bidder=winner, amount=START + STEP)
        high.join(timeout=1)
        assert high.is_alive()
    finally:
        holder.rollback()
        holder.close()
    high.join(timeout=20)
    assert not isinstance(high_outcome[0], AuctionRuleError)
    auction = Auction.objects.get(pk=paid_auction.pk)
    assert (auction.current_price, auction.leader_id, auction.bid_count) == (START + STEP, winner.pk, 2)


def test_the_fast_refusal_keeps_the_rules_order(paid_auction, make_user):
    # The seller's own low bid is refused as "own auction", not "too low", as before.
    with pytest.raises(AuctionRuleError) as info:
        bid_place(auction_id=paid_auction.pk, bidder=paid_auction.seller, amount=START - STEP)
    assert info.value.code == "own_auction"
