#!/usr/bin/env python
"""Benchmark: bids on ONE hot auction through the API, on the production server and settings
(gunicorn with deploy/gunicorn.conf.py serving config.asgi, DEBUG=0, PostgreSQL, Redis for the
cache, the channel layer and Celery's broker), next to the trivial Django view served by the same
server in the same run. Checks the auction's invariants afterwards.

    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/bids.py [--clients 16] [--seconds 10] [--workers N]

Each client is a bidder with an API token: it reads the auction (GET /api/v1/auctions/<id>/) and
bids its minimum (POST .../bids/), sometimes a step or two more, sometimes with a hidden maximum;
answers are timed (p50/p95 of the bid answers) and counted (answers/s, accepted bids/s).
Then the same race on the floor views of bench/urls.py (the least a correct read and bid do),
and in-process straight into the service (no HTTP).
Creates (and drops) its own database (default kb_bench_bids on 127.0.0.1:5432).
Not a test: it prints figures; it exits 1 only if an invariant is broken.
"""

import argparse
import random
import sys
import threading
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/click.py ≠ click)

import httpx  # noqa: E402

from bench.common import (  # noqa: E402
    START,
    STEP,
    CpuMeter,
    Server,
    bids_setup,
    buyers_create,
    database_recreate,
    hammer,
    hot_auction_create,
    in_process_group,
    percentiles,
    serving_database,
    this_process,
)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=0, help="server workers (default: deploy/gunicorn.conf.py's)")
    parser.add_argument(
        "--asgi", action="store_true", help="the WebSocket service's uvicorn workers (config.asgi) instead, to compare"
    )
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="kb_bench_bids")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-service", action="store_true", help="skip the in-process phase (no HTTP)")
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
    env = bids_setup(args.server, args.database)
    if env is None:
        return 2
    from django.conf import settings
    from rest_framework.authtoken.models import Token

    from auctions.models import Auction, AuctionEvent, Bid, BidKind

    auction = hot_auction_create()
    floor_auction = hot_auction_create(title="Бенчмарк: пол")
    redis_floor_auction = hot_auction_create(title="Бенчмарк: пол в Redis")
    buyers, _cookies = buyers_create(args.clients)
    tokens = [Token.objects.create(user=buyer).key for buyer in buyers]
    from django.db import connections

    connections.close_all()

    app = "asgi" if args.asgi else "wsgi"
    server = Server.production(env, app=app, workers=args.workers)
    workers = args.workers or "deploy/gunicorn.conf.py's"
    served_by = f"gunicorn -c deploy/gunicorn.conf.py config.{app}, {workers} workers"
    base = server.url
    try:
        clients = [
            httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Token {token}"}) for token in tokens
        ]
        for c in clients:  # connections open, workers warm
            c.get(f"/api/v1/auctions/{auction.pk}/")

        def measured(step):  # type: ignore[no-untyped-def]
            """hammer(), and the CPU the web server, its PostgreSQL backends and this client spent in it."""
            meter = CpuMeter(
                {
                    "web": in_process_group(server.process.pid),
                    "database": serving_database(args.database),
                    "client": this_process(),
                }
            )
            ok, refused, wall = hammer(clients, args.seconds, step)
            used = meter.used()
            return ok, refused, wall, [used["web"], used["database"], used["client"]]

        # 1. The trivial view.
        ping_ok, _x, ping_wall, ping_cpu = measured(lambda c, i: c.get("/bench/ping/").status_code == 200)

        # 2. Bids on one hot auction: each client reads the auction and bids its minimum (sometimes
        #    more, sometimes with a hidden maximum).
        rng = random.Random(1)
        accepted_ids: list[int] = []
        statuses: dict[int, int] = {}
        bid_ms: list[float] = []
        read_ms: list[float] = []
        lock = threading.Lock()

        def bidder(url: str, accepted: list[int], times: list[float], reads: list[float], seen: dict[int, int]):  # type: ignore[no-untyped-def]
            def bid(c: httpx.Client, i: int) -> bool:
                t0 = time.perf_counter()
                read = c.get(url)
                t1 = time.perf_counter()
                minimum = int(float(read.json()["min_next_bid"]))
                amount = minimum + STEP * rng.choice([0, 0, 0, 1, 2])
                data = {"amount": str(amount)}
                if rng.random() < 0.25:
                    data["max_amount"] = str(amount + STEP * rng.randint(1, 5))
                r = c.post(f"{url}bids/", json=data)
                t2 = time.perf_counter()
                body = r.json()
                with lock:
                    seen[r.status_code] = seen.get(r.status_code, 0) + 1
                    reads.append((t1 - t0) * 1000)
                    times.append((t2 - t1) * 1000)
                    if r.status_code == 201:
                        accepted.append(body["bid_id"])
                return r.status_code == 201

            return bid

        url = f"/api/v1/auctions/{auction.pk}/"
        bid_ok, bid_refused, bid_wall, bid_cpu = measured(bidder(url, accepted_ids, bid_ms, read_ms, statuses))

        # 3. The floor: the same race on bench/urls.py's floor views, the least a correct read and
        #    bid do (token, row, lock, insert, update; nothing else), on an auction of its own.
        floor_statuses: dict[int, int] = {}
        floor_ms: list[float] = []
        floor_url = f"/bench/floor/auctions/{floor_auction.pk}/"
        floor_ok, floor_refused, floor_wall, floor_cpu = measured(bidder(floor_url, [], floor_ms, [], floor_statuses))

        # 3b. The same floor with PostgreSQL out of reads and refusals: the token's user and the
        #     auction's state from Redis (one round trip), written there after each accepted bid.
        redis_floor_statuses: dict[int, int] = {}
        redis_floor_ms: list[float] = []
        redis_floor_url = f"/bench/floor-redis/auctions/{redis_floor_auction.pk}/"
        redis_floor_ok, redis_floor_refused, redis_floor_wall, redis_floor_cpu = measured(
            bidder(redis_floor_url, [], redis_floor_ms, [], redis_floor_statuses)
        )
        for c in clients:
            c.close()
    finally:
        server.stop()

    # 4. The same race in-process, straight into the service (no HTTP): the lock's own throughput.
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

    svc_ok, svc_refused, svc_wall = (0, 0, 1.0) if args.no_service else hammer(buyers, args.seconds, service_bid)
    connection.close()

    # 5. Invariants.
    checks = invariants(Auction, Bid, BidKind, AuctionEvent, auction.pk, accepted_ids, "HTTP")
    if not args.no_service:
        checks |= invariants(Auction, Bid, BidKind, AuctionEvent, auction2.pk, service_ids, "service")
    row = Auction.objects.get(pk=auction.pk)
    live = list(Bid.objects.filter(auction=row, removed_at__isnull=True))
    manual = [b for b in live if b.kind != BidKind.AUTO]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    total = bid_ok + bid_refused
    ping_rate, answer_rate = ping_ok / ping_wall, total / bid_wall
    answers, reads = percentiles(bid_ms), percentiles(read_ms)
    print(
        f"bench/bids.py — PostgreSQL, {served_by}, DEBUG=0, {args.clients} clients, "
        f"{args.seconds:.0f} s per phase, channel layer: {layer}"
    )
    print(f"  trivial view      : {ping_rate:8.1f} req/s   ({ping_ok} requests)")
    print(
        f"  bid answers       : {answer_rate:8.1f} req/s   ({total} answers, statuses {statuses});"
        f" {answer_rate / ping_rate:.0%} of the trivial view"
    )
    print(
        f"  bid answer time   : p50 {answers['p50']:.0f} ms, p95 {answers['p95']:.0f} ms, max {answers['max']:.0f} ms"
        f"  (the read before it: p50 {reads['p50']:.0f} ms, p95 {reads['p95']:.0f} ms)"
    )
    floor_rate, floor_times = (floor_ok + floor_refused) / floor_wall, percentiles(floor_ms)
    print(
        f"  floor (bench/urls): {floor_rate:8.1f} req/s   ({floor_ok + floor_refused} answers,"
        f" statuses {floor_statuses});"
        f" {floor_rate / ping_rate:.0%} of the trivial view; bid answer p50 {floor_times['p50']:.0f} ms,"
        f" p95 {floor_times['p95']:.0f} ms"
    )

    # CPU per answer moves far less with the box's noise than answers per second do, and on a
    # busy box the ratio of the CPU per trivial request to the CPU per bid answer is what the
    # answers/s ratio would be if nothing else ran.
    def cpu_line(label: str, used: list[float], count: int) -> float:
        web, database, client = (1000 * seconds / max(count, 1) for seconds in used)
        print(
            f"  {label}: {web + database + client:5.2f} ms = web {web:.2f} + PostgreSQL {database:.2f}"
            f" + client {client:.2f}"
        )
        return web + database + client

    redis_floor_count = redis_floor_ok + redis_floor_refused
    redis_floor_rate, redis_floor_times = redis_floor_count / redis_floor_wall, percentiles(redis_floor_ms)
    print(
        f"  floor, Redis      : {redis_floor_rate:8.1f} req/s   ({redis_floor_count} answers,"
        f" statuses {redis_floor_statuses}); {redis_floor_rate / ping_rate:.0%} of the trivial view;"
        f" bid answer p50 {redis_floor_times['p50']:.0f} ms, p95 {redis_floor_times['p95']:.0f} ms"
    )
    print("  CPU per request (trivial) or bid answer with its read (bids, floors):")
    ping_each = cpu_line("    trivial view    ", ping_cpu, ping_ok)
    bid_each = cpu_line("    bids            ", bid_cpu, total)
    floor_each = cpu_line("    floor           ", floor_cpu, floor_ok + floor_refused)
    redis_floor_each = cpu_line("    floor, Redis    ", redis_floor_cpu, redis_floor_count)
    print(
        f"    trivial CPU / bid answer CPU: bids {ping_each / bid_each:.0%}, floor {ping_each / floor_each:.0%},"
        f" floor in Redis {ping_each / redis_floor_each:.0%}"
        " (the answers/s ratio on a box with nothing else running)"
    )
    print(f"  bids ACCEPTED     : {bid_ok / bid_wall:8.1f} bids/s  ({bid_ok} accepted, {bid_refused} refused)")
    if not args.no_service:
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
    connections.close_all()
    if not args.keep:
        database_recreate(args.server, args.database, drop_only=True)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
