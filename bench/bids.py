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
import signal
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


BENCH_PASSWORD = "bench-password-1"  # noqa: S105 (throwaway users in a throwaway database)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="kb_bench_bids")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def database_recreate(server: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def hammer(clients: list, seconds: float, step) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    """Run step(client, index) in a loop on every client for `seconds`; returns (ok, refused, wall)."""
    ok = [0] * len(clients)
    refused = [0] * len(clients)
    barrier = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def run(index: int) -> None:
        from django.db import connection

        barrier.wait()
        try:
            while time.monotonic() < deadline[0]:
                if step(clients[index], index):
                    ok[index] += 1
                else:
                    refused[index] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    started = time.monotonic()
    barrier.wait()
    for thread in threads:
        thread.join()
    return sum(ok), sum(refused), time.monotonic() - started


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
    env = {
        **os.environ,
        "DEBUG": "1",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{args.server}/{args.database}",
        "CONN_MAX_AGE": "60",
        "FAST_PASSWORD_HASHER": "1",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "SMS_BACKEND": "notifications.sms.LocmemSmsBackend",
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "ERROR",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }
    env.pop("CELERY_BROKER_URL", None)
    os.environ.update(env)
    database_recreate(args.server, args.database)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from auctions.demo import fee_pay_offline
    from auctions.models import Auction, AuctionEvent, Bid, BidKind
    from auctions.services import auction_create, payment_initiate
    from listings.models import Listing

    User = get_user_model()
    seller = User.objects.create_user(phone="+998900000100", password=BENCH_PASSWORD, first_name="Продавец")
    listing = Listing.objects.create(
        seller=seller,
        title="Бенчмарк",
        district="Юнусабадский район",
        address="ул. Тестовая, 1",
        rooms=2,
        area=Decimal("60"),
        floor=2,
        floors_total=9,
        price=Decimal("800000000"),
    )
    now = timezone.now()
    auction = auction_create(
        seller=seller,
        listing=listing,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        starting_price=Decimal("800000000"),
        bid_step=Decimal("1000000"),
    )
    fee_pay_offline(payment_initiate(auction_id=auction.pk, user=seller))
    buyers = [
        User.objects.create_user(phone=f"+9989010{i:05d}", password=BENCH_PASSWORD, first_name=f"Б{i}")
        for i in range(args.clients)
    ]
    cookies = []
    for buyer in buyers:
        client = Client()
        client.force_login(buyer)
        cookies.append(client.cookies["sessionid"].value)

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/bench/ping/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
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
        minimum = [800000000] * len(clients)
        rng = random.Random(1)
        accepted_ids: list[int] = []
        statuses: dict[int, int] = {}

        def bid(c: httpx.Client, i: int) -> bool:
            amount = minimum[i] + 1000000 * rng.choice([0, 0, 0, 1, 2])
            data = {"amount": str(amount), "csrfmiddlewaretoken": c.cookies.get("csrftoken", "")}
            if rng.random() < 0.25:
                data["max_amount"] = str(amount + 1000000 * rng.randint(1, 5))
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
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    # 3. The same race in-process, straight into the service (no HTTP): the lock's own throughput.
    from django.db import connection

    from auctions.services import AuctionRuleError, bid_place

    listing2 = Listing.objects.create(
        seller=seller,
        title="Бенчмарк 2",
        district="Юнусабадский район",
        address="ул. Тестовая, 2",
        rooms=2,
        area=Decimal("60"),
        floor=2,
        floors_total=9,
        price=Decimal("800000000"),
    )
    auction2 = auction_create(
        seller=seller,
        listing=listing2,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        starting_price=Decimal("800000000"),
        bid_step=Decimal("1000000"),
    )
    fee_pay_offline(payment_initiate(auction_id=auction2.pk, user=seller))
    service_min = [800000000] * len(buyers)
    service_ids: list[int] = []

    def service_bid(buyer, i: int) -> bool:  # type: ignore[no-untyped-def]
        try:
            placed = bid_place(
                auction_id=auction2.pk, bidder=buyer, amount=service_min[i] + 1000000 * rng.choice([0, 0, 1])
            )
        except AuctionRuleError:
            price = Auction.objects.filter(pk=auction2.pk).values_list("current_price", flat=True).get()
            service_min[i] = int(price or 799000000) + 1000000
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
        f"bench/bids.py — PostgreSQL, gunicorn {args.workers}×{args.threads} threads, {args.clients} clients, "
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
