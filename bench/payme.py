#!/usr/bin/env python
"""Benchmark: Payme CreateTransaction+PerformTransaction pairs per second through a real HTTP
server (gunicorn), next to the trivial Django view of the same server in the same run.
Production settings (DEBUG=0, Redis for the cache and Celery's broker), PostgreSQL, gunicorn
4 sync workers by default, 8 concurrent keep-alive clients sending what Payme sends (JSON-RPC,
`text/json`, Basic auth `Paycom:<key>`), every pair paying a fresh order.

    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/payme.py
        [--clients 8] [--seconds 10] [--payments 5000] [--workers 4] [--database kb_bench_payme]

Creates (and drops) its own PostgreSQL database on 127.0.0.1:5432. No Celery worker runs:
tasks the payments enqueue stay in that Redis database, which is flushed at the end, so use
a Redis database of your own. Not a test: it prints figures; it exits 1 only if an invariant
is broken (a pair not answered state 1 then 2, a repeat answered differently, a payment
completed twice or not at all)."""

import argparse
import itertools
import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx  # noqa: E402

from bench.common import Server, bench_env, database_recreate, hammer, hot_auction_create, migrate, percentiles  # noqa: E402

KEY = "bench-payme-key&%#?@"  # the bench server's own throwaway key
MERCHANT_ID = "5e730e8e0b852a417aa49ceb"
PATH = "/api/auctions/payme/"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--payments", type=int, default=5000, help="unpaid fees prepared in advance (one per pair)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="kb_bench_payme")
    return parser.parse_args()


class Load:
    def __init__(self, url: str, orders: list[str], clients: int) -> None:
        from paymeuz.protocol import authorization_header

        self.url = url
        self.headers = {"Authorization": authorization_header(KEY), "Content-Type": "text/json; charset=UTF-8"}
        self.queue = iter(orders)
        self.lock = threading.Lock()
        self.clients = clients
        self.ids = itertools.count(1)
        self.good: list[tuple[str, str, bytes]] = []  # (order, Payme id, the Perform's answer)
        self.failed: Counter[str] = Counter()
        self.pair_ms: list[float] = []
        self.measured_good = 0
        self.measured_wall = 0.0
        self.exhausted = False  # ran out of fresh orders: the rate would be understated

    def _post(self, client: httpx.Client, method: str, params: dict) -> bytes:
        body = json.dumps({"method": method, "params": params, "id": next(self.ids)})
        response = client.post(PATH, content=body, headers=self.headers)
        if response.status_code != 200:
            return b"{}"
        return response.content

    def _hammer(self, seconds: float, step) -> tuple[int, float]:  # type: ignore[no-untyped-def]
        clients = [httpx.Client(base_url=self.url, timeout=60) for _ in range(self.clients)]
        try:
            ok, _refused, wall = hammer(clients, seconds, step)
        finally:
            for c in clients:
                c.close()
        return ok, wall

    def ping(self, seconds: float) -> float:
        ok, wall = self._hammer(seconds, lambda c, i: c.get("/bench/ping/").status_code == 200)
        return ok / wall

    def pairs(self, seconds: float, *, measured: bool) -> None:
        def pair(c: httpx.Client, i: int) -> bool:
            with self.lock:
                order = next(self.queue, None)
            if order is None:
                self.exhausted = True
                time.sleep(0.01)
                return False
            tid = os.urandom(12).hex()
            t0 = time.perf_counter()
            params = {"id": tid, "time": int(time.time() * 1000), "amount": 5_000_000, "account": {"order_id": order}}
            created = json.loads(self._post(c, "CreateTransaction", params))
            performed_raw = b""
            if created.get("result", {}).get("state") == 1:
                performed_raw = self._post(c, "PerformTransaction", {"id": tid})
            elapsed_ms = (time.perf_counter() - t0) * 1000
            performed = json.loads(performed_raw) if performed_raw else {}
            with self.lock:
                if performed.get("result", {}).get("state") == 2:
                    self.good.append((order, tid, json.dumps(performed["result"]).encode()))
                    if measured:
                        self.pair_ms.append(elapsed_ms)
                    return True
                self.failed[json.dumps(created.get("error") or performed.get("error"))[:80]] += 1
            return False

        ok, wall = self._hammer(seconds, pair)
        if measured:
            self.measured_good += ok
            self.measured_wall += wall

    def perform_again(self, count: int = 50) -> bool:
        """Payme repeats a Perform whose answer it lost: the same result, byte for byte."""
        with httpx.Client(base_url=self.url, timeout=60) as client:
            for _order, tid, first in self.good[:count]:
                again = json.loads(self._post(client, "PerformTransaction", {"id": tid}))
                if json.dumps(again.get("result")).encode() != first:
                    return False
        return True


def main() -> int:
    args = parse()
    redis_url = os.environ["REDIS_URL"]
    database_recreate(args.server, args.database)
    env = bench_env(
        f"{args.server}/{args.database}",
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 50,
        SITE_URL="https://bench.invalid",
        SMS_BACKEND="notifications.sms.EskizSmsBackend",
        ESKIZ_EMAIL="bench@bench.invalid",
        ESKIZ_PASSWORD="bench",  # noqa: S106 (never used: no Celery worker runs)
        CELERY_BROKER_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        CLICK_SANDBOX="0",
        PAYME_SANDBOX="0",
        PAYME_MERCHANT_ID=MERCHANT_ID,
        PAYME_KEY=KEY,
    )
    os.environ.update(env)
    migrate(env)

    import django

    django.setup()
    from django.db import connections

    from auctions.models import AuctionEvent
    from fees.models import AuctionPayment, PaymentStatus
    from fees.services import fee_initiate
    from fees_payme.models import PaymeTransaction

    started = time.monotonic()
    orders = []
    for i in range(args.payments):
        auction = hot_auction_create(title=f"Payme {i}", paid=False)
        orders.append(fee_initiate(auction_id=auction.pk, user=auction.seller).merchant_trans_id)
    print(f"  ({len(orders)} unpaid fees created in {time.monotonic() - started:.0f} s)")
    connections.close_all()

    server = Server.gunicorn(env, workers=args.workers, threads=args.threads)
    try:
        load = Load(server.url, orders, args.clients)
        load.pairs(args.warmup, measured=False)
        ping = load.ping(args.seconds)
        load.pairs(args.seconds, measured=True)
        repeats_same = load.perform_again()
    finally:
        server.stop()

    paid_orders = [order for order, _tid, _ in load.good]
    completed = set(
        AuctionPayment.objects.filter(status=PaymentStatus.COMPLETED).values_list("merchant_trans_id", flat=True)
    )
    paid_events = Counter(
        AuctionEvent.objects.filter(kind=AuctionEvent.Kind.PAID).values_list("data__merchant_trans_id", flat=True)
    )
    checks = {
        "every pair answered state 1 then 2": not load.failed,
        "completed payments = successful pairs": completed == set(paid_orders),
        "one PAID event per paid fee": all(paid_events[o] == 1 for o in paid_orders),
        "Payme transactions performed = successful pairs": PaymeTransaction.objects.filter(state=2).count()
        == len(paid_orders),
        "a repeated Perform gets the same result": repeats_same,
        "fresh orders for the whole run (else raise --payments)": not load.exhausted,
    }
    rate = load.measured_good / load.measured_wall if load.measured_wall else 0.0
    pct = percentiles(load.pair_ms) if load.pair_ms else {}
    print(
        f"gunicorn {args.workers} workers × {args.threads} thread(s), {args.clients} clients,"
        " PostgreSQL, DEBUG=0, Redis"
    )
    print(f"  trivial view:                {ping:8.1f} req/s")
    print(f"  Payme Create+Perform pairs:  {rate:8.1f} pairs/s ({2 * rate:.1f} calls/s)", end="")
    if pct:
        print(f", pair latency p50 {pct['p50']:.1f} ms, p95 {pct['p95']:.1f} ms")
    else:
        print()
    if ping and rate:
        print(f"  one Payme call costs {ping / (2 * rate):.1f} trivial views")
    print(f"  pairs measured: {load.measured_good} in {load.measured_wall:.1f} s; failures: {dict(load.failed)}")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'BROKEN'}] {name}")
    connections.close_all()
    database_recreate(args.server, args.database, drop_only=True)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
