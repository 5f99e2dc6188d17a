#!/usr/bin/env python
"""Benchmark: accepted bids per second on ONE hot auction, 16 concurrent clients,
PostgreSQL, through a real HTTP server (gunicorn), next to a trivial Django view
served by the same server in the same run. Checks the auction's invariants afterwards.

    .venv/bin/python bench/bids.py [--clients 16] [--seconds 10] [--workers 4]

Creates (and drops) its own database (default kb_bench_bids on 127.0.0.1:5432).
Not a test: it prints figures; it exits 1 only if an invariant is broken.
"""

import argparse
import os
import random
import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/click.py ≠ click)

import httpx  # noqa: E402

from bench.common import (  # noqa: E402
    START,
    STEP,
    Server,
    bench_env,
    buyers_create,
    database_recreate,
    hammer,
    hot_auction_create,
    migrate,
)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--asgi", action="store_true", help="serve with one daphne process (ASGI) instead of gunicorn")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="kb_bench_bids")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def invariants(Auction, Bid, BidKind, AuctionEvent, auction_id: int, accepted_ids: list[int], label: str):  # type: ignore[no-untyped-def]
    row = Auction.objects.get(pk=auction_id)
    live = list(Bid.objects.filter(auction=row, removed_at__isnull=True).order_by("id"))
    manual = [b for b in live if b.kind != BidKind.AUTO]
    top = max(live, key=lambda b: (b.amount, b.id)) if live else None
    events = sorted(
        AuctionEvent.objects.filter(auction=row, kind=AuctionEvent.Kind.BID_PLACED).values_list(
            "data__bid_id", flat=True
        )
    )
    return {
        f"{label}: price never goes down (rows in commit order)": [b.amount for b in live]
        == sorted(b.amount for b in live),
        f"{label}: no two bidder-sent bids share an amount": len({b.amount for b in manual}) == len(manual),
        f"{label}: every accepted call has its row, none lost or duplicated": (
            sorted(accepted_ids) == sorted(b.pk for b in manual)
        ),
        f"{label}: bid_count equals the rows": row.bid_count == len(live),
        f"{label}: price and leader are the top row's": (
            top is not None and (row.current_price, row.leader_id) == (top.amount, top.bidder_id)
        ),
        f"{label}: one event per row": events == sorted(b.pk for b in live),
        f"{label}: end unchanged (no bid in the soft-close window)": row.ends_at == row.original_ends_at,
    }


def main() -> int:
    args = parse()
    # Under ASGI Django's persistent connections must be off (its docs; with CONN_MAX_AGE > 0 every
    # request thread keeps its own connection and PostgreSQL runs out of them: seen here).
    env = bench_env(f"{args.server}/{args.database}", **({"CONN_MAX_AGE": "0"} if args.asgi else {}))
    os.environ.update(env)
    database_recreate(args.server, args.database)
    migrate(env)

    import django

    django.setup()
    from django.conf import settings

    from auctions.models import Auction, AuctionEvent, Bid, BidKind

    auction = hot_auction_create()
    buyers, cookies = buyers_create(args.clients)

    server = Server.daphne(env) if args.asgi else Server.gunicorn(env, workers=args.workers, threads=args.threads)
    served_by = "daphne (ASGI), 1 process" if args.asgi else f"gunicorn {args.workers}×{args.threads} threads"
    base = server.url
    try:
        clients = []
        for cookie in cookies:
            c = httpx.Client(base_url=base, timeout=30, headers={"Accept": "application/json"})
            c.cookies.set("sessionid", cookie)
            c.get(f"/auctions/{auction.pk}/")  # sets the csrftoken cookie
            clients.append(c)

        # 1. The trivial view.
        ping_ok, _x, ping_wall = hammer(clients, args.seconds, lambda c, i: c.get("/bench/ping/").status_code == 200)

        # 2. Bids on one hot auction: each client bids its last known minimum (sometimes more,
        #    sometimes with a hidden maximum); a refusal carries the fresh minimum.
        minimum = [START] * len(clients)
        rng = random.Random(1)
        accepted_ids: list[int] = []
        statuses: dict[int, int] = {}

        def bid(c: httpx.Client, i: int) -> bool:
            amount = minimum[i] + STEP * rng.choice([0, 0, 0, 1, 2])
            data = {"amount": str(amount), "csrfmiddlewaretoken": c.cookies.get("csrftoken", "")}
            if rng.random() < 0.25:
                data["max_amount"] = str(amount + STEP * rng.randint(1, 5))
            r = c.post(
                f"/auctions/{auction.pk}/bid/", data=data, headers={"X-CSRFToken": c.cookies.get("csrftoken", "")}
            )
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            body = r.json()
            if "state" in body:
                minimum[i] = int(body["state"]["min_next_bid"])
            if body.get("ok"):
                accepted_ids.append(body["bid_id"])
                return True
            return False

        bid_ok, bid_refused, bid_wall = hammer(clients, args.seconds, bid)
        for c in clients:
            c.close()
    finally:
        server.stop()

    # 3. The same race in-process, straight into the service (no HTTP): the lock's own throughput.
    from django.db import connection

    from auctions.bidding import bid_place
    from auctions.errors import AuctionRuleError

    auction2 = hot_auction_create(title="Бенчмарк 2")
    service_min = [START] * len(buyers)
    service_ids: list[int] = []

    def service_bid(buyer, i: int) -> bool:  # type: ignore[no-untyped-def]
        try:
            placed = bid_place(
                auction_id=auction2.pk, bidder=buyer, amount=service_min[i] + STEP * rng.choice([0, 0, 1])
            )
        except AuctionRuleError:
            price = Auction.objects.filter(pk=auction2.pk).values_list("current_price", flat=True).get()
            service_min[i] = int(price or START - STEP) + STEP
            return False
        service_ids.append(placed.pk)
        return True

    svc_ok, svc_refused, svc_wall = hammer(buyers, args.seconds, service_bid)
    connection.close()

    # 4. Invariants.
    checks = {
        **invariants(Auction, Bid, BidKind, AuctionEvent, auction.pk, accepted_ids, "HTTP"),
        **invariants(Auction, Bid, BidKind, AuctionEvent, auction2.pk, service_ids, "service"),
    }
    row = Auction.objects.get(pk=auction.pk)
    live = list(Bid.objects.filter(auction=row, removed_at__isnull=True))
    manual = [b for b in live if b.kind != BidKind.AUTO]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    total = bid_ok + bid_refused
    print(
        f"bench/bids.py — PostgreSQL, {served_by}, {args.clients} clients, "
        f"{args.seconds:.0f} s per phase, channel layer: {layer}"
    )
    print(f"  trivial view      : {ping_ok / ping_wall:8.1f} req/s   ({ping_ok} requests)")
    print(f"  bids, all answers : {total / bid_wall:8.1f} req/s   ({total} requests, statuses {statuses})")
    print(
        f"  bids ACCEPTED     : {bid_ok / bid_wall:8.1f} bids/s  ({bid_ok} accepted, {bid_refused} refused as too low)"
    )
    print(
        f"  service, no HTTP  : {svc_ok / svc_wall:8.1f} accepted bids/s,"
        f" {(svc_ok + svc_refused) / svc_wall:.1f} calls/s"
        f" ({svc_ok} accepted, {svc_refused} refused; {args.clients} threads in this process)"
    )
    print(
        f"  rows written      : {len(live)} ({len(manual)} sent by bidders, {len(live) - len(manual)} proxy raises);"
        f" final price {row.current_price:.0f}"
    )
    for name, passed in checks.items():
        print(f"  [{'ok' if passed else 'FAIL'}] {name}")
    from django.db import connections

    connections.close_all()
    if not args.keep:
        database_recreate(args.server, args.database, drop_only=True)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
