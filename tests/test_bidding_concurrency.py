"""Many bidders at the same moment, on PostgreSQL row locks.

Whatever the interleaving, the auction row must tell the same story as the
Bid rows: every accepted bid beat the one before it by at least the step, the
price and leader are those of the highest bid, and a refused bid was refused
only for being too low.
"""

import itertools
import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from auctions.bidding import bid_place
from auctions.errors import AuctionRuleError
from auctions.models import Auction, AuctionEvent, Bid

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START = Decimal("800000000")
STEP = Decimal("1000000")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def run_together(calls: list[Callable[[], object]]) -> tuple[list[object], float]:
    """Run every call in its own thread, released at the same instant by a barrier.

    Returns each call's result (or the exception it raised), in call order,
    and the wall time from the release to the last finish.
    """
    results: list[object] = [None] * len(calls)
    barrier = threading.Barrier(len(calls) + 1)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()  # connect before the start, not in the race
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # every outcome is checked by the caller
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    started = time.monotonic()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a bidder hung"
    return results, time.monotonic() - started


def assert_consistent(auction: Auction, *, accepted: int) -> list[Bid]:
    """The auction row agrees with its Bid rows and events."""
    auction.refresh_from_db()
    bids = list(Bid.objects.filter(auction=auction).order_by("id"))
    amounts = [bid.amount for bid in bids]

    assert len(bids) == accepted == auction.bid_count
    assert len(set(amounts)) == len(amounts)
    assert amounts == sorted(amounts)
    if bids:
        assert amounts[0] >= auction.starting_price
        for previous, following in itertools.pairwise(amounts):
            assert following >= previous + auction.bid_step
        assert auction.current_price == max(amounts) == bids[-1].amount
        assert auction.leader_id == bids[-1].bidder_id
    else:
        assert auction.current_price is None and auction.leader_id is None
    placed = AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.BID_PLACED)
    assert sorted(placed.values_list("data__bid_id", flat=True)) == [bid.pk for bid in bids]
    return bids


# --- Service level -------------------------------------------------------------

SCENARIOS = {
    # Everyone bids the opening minimum: exactly one may win it.
    "all_at_minimum": [0] * 16,
    # A mix of steps, most of them shared by two or three bidders.
    "mixed": [0, 0, 0, 1, 1, 2, 2, 2, 3, 5, 5, 8, 8, 13, 13, 21, 1, 3, 0, 2],
    # Off-step amounts: some collide, some fall inside another's step.
    "off_step": [0, 0.5, 0.5, 1, 1.2, 1.7, 2, 2, 2.4, 3, 3, 4, 4.9, 5, 6, 6, 7, 7.5],
}


@pytest.mark.parametrize("steps", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_concurrent_bids_keep_the_auction_consistent(paid_auction, make_user, steps):
    bidders = [make_user() for _ in steps]
    amounts = [START + STEP * Decimal(str(step)) for step in steps]
    calls = [
        (lambda bidder=bidder, amount=amount: bid_place(auction_id=paid_auction.pk, bidder=bidder, amount=amount))
        for bidder, amount in zip(bidders, amounts, strict=True)
    ]

    results, wall = run_together(calls)

    accepted = [r for r in results if isinstance(r, Bid)]
    refused = [r for r in results if not isinstance(r, Bid)]
    print(f"service: {len(calls)} bids, {len(accepted)} accepted, {len(refused)} refused, {wall:.3f}s")
    assert all(isinstance(r, AuctionRuleError) and r.code == "too_low" for r in refused), refused
    assert accepted, "at least the first bid to get the lock is accepted"
    bids = assert_consistent(paid_auction, accepted=len(accepted))
    assert {bid.pk for bid in bids} == {bid.pk for bid in accepted}
    for bid in bids:  # each accepted call wrote the amount its bidder sent
        assert amounts[bidders.index(bid.bidder)] == bid.amount
    assert paid_auction.current_price == max(bid.amount for bid in accepted)
    if len(set(amounts)) == 1:
        assert len(accepted) == 1


def test_rounds_of_racing_bidders_each_at_the_current_minimum(paid_auction, make_user):
    """Sixteen bidders race, again and again, each sending the minimum they see."""
    bidders = [make_user() for _ in range(16)]
    accepted_total = 0
    for _round in range(5):
        paid_auction.refresh_from_db()
        minimum = START if paid_auction.current_price is None else paid_auction.current_price + STEP
        calls = [
            (lambda bidder=bidder, amount=minimum: bid_place(auction_id=paid_auction.pk, bidder=bidder, amount=amount))
            for bidder in bidders
        ]
        results, _wall = run_together(calls)
        accepted = [r for r in results if isinstance(r, Bid)]
        assert len(accepted) == 1
        refused = [r for r in results if not isinstance(r, Bid)]
        assert all(isinstance(r, AuctionRuleError) and r.code == "too_low" for r in refused), refused
        accepted_total += 1
    bids = assert_consistent(paid_auction, accepted=accepted_total)
    assert [bid.amount for bid in bids] == [START + STEP * i for i in range(5)]


# --- Real HTTP requests ----------------------------------------------------------


def signed_in_client(base_url: str, user) -> httpx.Client:
    """An HTTP client carrying the user's own session cookie."""
    django_client = Client()
    django_client.force_login(user)
    client = httpx.Client(base_url=base_url, timeout=30, follow_redirects=False)
    client.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    return client


def csrf_token(client: httpx.Client, auction: Auction) -> tuple[str, dict[str, str]]:
    """Read the token the bid form carries, or fall back to the cookie + header."""
    page = client.get(reverse("auctions:detail", args=[auction.pk]))
    assert page.status_code == 200, page.text[:500]
    match = CSRF_INPUT.search(page.text)
    if match:
        return match.group(1), {}
    cookie = client.cookies["csrftoken"]
    return cookie, {"X-CSRFToken": cookie}


def test_concurrent_http_bids(live_server, paid_auction, make_user):
    steps = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 5]
    buyers = [make_user() for _ in steps]
    amounts = [START + STEP * step for step in steps]
    url = reverse("auctions:bid", args=[paid_auction.pk])
    clients = []
    for buyer in buyers:
        client = signed_in_client(live_server.url, buyer)
        token, headers = csrf_token(client, paid_auction)
        clients.append((client, token, headers))

    def post(client: httpx.Client, token: str, headers: dict[str, str], amount: Decimal) -> httpx.Response:
        return client.post(url, data={"amount": str(amount), "csrfmiddlewaretoken": token}, headers=headers)

    calls = [
        (lambda c=client, t=token, h=headers, a=amount: post(c, t, h, a))
        for (client, token, headers), amount in zip(clients, amounts, strict=True)
    ]
    try:
        results, wall = run_together(calls)

        errors = [r for r in results if not isinstance(r, httpx.Response)]
        assert not errors, errors
        statuses = [r.status_code for r in results]
        assert statuses == [302] * len(calls), statuses
        detail = reverse("auctions:detail", args=[paid_auction.pk])
        assert all(r.headers["location"].startswith(detail) for r in results)

        bids = assert_consistent(paid_auction, accepted=Bid.objects.filter(auction=paid_auction).count())
        winners = {bid.bidder_id for bid in bids}
        assert len(bids) == len(winners)  # each buyer sent one bid
        for bid in bids:
            assert amounts[[b.pk for b in buyers].index(bid.bidder_id)] == bid.amount

        # Each buyer's next page says what happened to their bid.
        for buyer, (client, _token, _headers), response in zip(buyers, clients, results, strict=True):
            page = client.get(response.headers["location"])
            assert page.status_code == 200
            if buyer.pk in winners:
                assert "принята" in page.text
            else:
                assert "Ставка должна быть не меньше" in page.text
        print(
            f"http: {len(calls)} requests, {len(bids)} accepted, {len(calls) - len(bids)} refused, "
            f"{wall:.3f}s wall, statuses {sorted(set(statuses))}"
        )
    finally:
        for client, _token, _headers in clients:
            client.close()


def test_http_bid_without_csrf_token_is_refused(live_server, paid_auction, buyer):
    with signed_in_client(live_server.url, buyer) as client:
        response = client.post(reverse("auctions:bid", args=[paid_auction.pk]), data={"amount": str(START)})

    assert response.status_code == 403
    assert not Bid.objects.exists()
