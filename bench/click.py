#!/usr/bin/env python
"""Benchmark: Click Prepare+Complete pairs per second through a real HTTP server (gunicorn),
signed like Click signs them, next to the trivial Django view served by the same server in
the same run. Every pair pays a different auction's fee; invariants are checked afterwards.

    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/click.py [--clients 16] [--seconds 10] [--payments 1500]

Creates (and drops) its own database (default kb_bench_click on 127.0.0.1:5432).
Not a test: it prints figures; it exits 1 only if an invariant is broken.
"""

import argparse
import itertools
import os
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/click.py ≠ click)

import httpx  # noqa: E402 (after the sys.path fix: httpx imports click)

from bench.common import (  # noqa: E402
    Server,
    bench_env,
    database_recreate,
    hammer,
    hot_auction_create,
    migrate,
    percentiles,
)

SERVICE_ID = "12345"
SECRET = "bench-click-secret"  # noqa: S105 (the bench server's own throwaway secret)
PREPARE = "/api/auctions/click/prepare/"
COMPLETE = "/api/auctions/click/complete/"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--payments", type=int, default=1500, help="payments prepared in advance (one per pair)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="kb_bench_click")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def signed(fields: dict[str, str]) -> dict[str, str]:
    from clickuz.signing import sign_string

    fields = {
        "service_id": SERVICE_ID,
        "click_paydoc_id": "9990001",
        "error": "0",
        "error_note": "Success",
        "sign_time": datetime.now(ZoneInfo("Asia/Tashkent")).strftime("%Y-%m-%d %H:%M:%S"),
        **fields,
    }
    fields["sign_string"] = sign_string(
        click_trans_id=fields["click_trans_id"],
        service_id=SERVICE_ID,
        secret_key=SECRET,
        merchant_trans_id=fields["merchant_trans_id"],
        merchant_prepare_id=fields.get("merchant_prepare_id"),
        amount=fields["amount"],
        action=fields["action"],
        sign_time=fields["sign_time"],
    )
    return fields


def main() -> int:
    args = parse()
    env = bench_env(f"{args.server}/{args.database}", CLICK_SECRET_KEY=SECRET, CLICK_SERVICE_ID=SERVICE_ID)
    os.environ.update(env)
    database_recreate(args.server, args.database)
    migrate(env)

    import django

    django.setup()
    from django.conf import settings

    from auctions.models import Auction, AuctionEvent
    from clickuz.models import ClickCallback
    from fees.models import AuctionPayment, PaymentAttempt, PaymentStatus
    from fees.services import fee_initiate

    started = time.monotonic()
    payments = []
    for i in range(args.payments):
        auction = hot_auction_create(title=f"Click {i}", paid=False)
        payments.append(fee_initiate(auction_id=auction.pk, user=auction.seller))
    print(f"  ({len(payments)} unpaid auctions with a payment each, created in {time.monotonic() - started:.0f} s)")

    server = Server.gunicorn(env, workers=args.workers, threads=args.threads)
    click_ids = itertools.count(7_000_000_001)
    queue = iter(payments)
    lock = threading.Lock()
    answers: dict[str, list[dict]] = {}
    pair_ms: list[float] = []
    try:
        clients = [httpx.Client(base_url=server.url, timeout=30) for _ in range(args.clients)]
        ping_ok, _x, ping_wall = hammer(clients, args.seconds, lambda c, i: c.get("/bench/ping/").status_code == 200)

        def pair(c: httpx.Client, i: int) -> bool:
            with lock:
                payment = next(queue, None)
                click_trans_id = str(next(click_ids))
            if payment is None:
                time.sleep(0.01)
                return False
            base = {"click_trans_id": click_trans_id, "merchant_trans_id": payment.merchant_trans_id}
            base["amount"] = f"{payment.amount:.2f}"
            t0 = time.perf_counter()
            prepared = c.post(PREPARE, data=signed({**base, "action": "0"})).json()
            completed = c.post(
                COMPLETE,
                data=signed({**base, "action": "1", "merchant_prepare_id": str(prepared.get("merchant_prepare_id"))}),
            ).json()
            pair_ms.append((time.perf_counter() - t0) * 1000)
            answers[payment.merchant_trans_id] = [prepared, completed, base]
            return prepared["error"] == 0 and completed["error"] == 0

        _ok, _idle, pairs_wall = hammer(clients, args.seconds, pair)

        # Click retries some Completes (its answer was lost): the same answer, nothing changes.
        retried = list(answers.items())[:50]
        retry_same = True
        for _mtid, (prepared, completed, base) in retried:
            again = (
                clients[0]
                .post(
                    COMPLETE,
                    data=signed(
                        {**base, "action": "1", "merchant_prepare_id": str(prepared.get("merchant_prepare_id"))}
                    ),
                )
                .json()
            )
            retry_same &= (again["error"], again.get("merchant_confirm_id")) == (0, completed["merchant_confirm_id"])
        for c in clients:
            c.close()
    finally:
        server.stop()

    used = [mtid for mtid, (p, c, _b) in answers.items() if p["error"] == 0 and c["error"] == 0]
    paid_payments = AuctionPayment.objects.filter(status=PaymentStatus.COMPLETED)
    paid_events = AuctionEvent.objects.filter(kind=AuctionEvent.Kind.PAID)
    checks = {
        "every pair answered 0 (no Click error)": len(used) == len(answers),
        "completed payments = successful pairs": sorted(paid_payments.values_list("merchant_trans_id", flat=True))
        == sorted(used),
        "paid auctions = successful pairs": Auction.objects.filter(is_paid=True).count() == len(used),
        "one `paid` event per paid auction": paid_events.count() == len(used)
        and paid_events.values("auction").distinct().count() == len(used),
        "one completed Click transaction per pair": PaymentAttempt.objects.filter(status="completed").count()
        == len(used),
        "retried Completes: same answer, nothing changed": retry_same
        and AuctionPayment.objects.filter(status=PaymentStatus.COMPLETED).count() == len(used),
        "every callback logged with our answer": ClickCallback.objects.filter(error__isnull=True).count() == 0
        and ClickCallback.objects.count() == 2 * len(answers) + len(retried),
    }
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    figures = percentiles(pair_ms)
    print(
        f"bench/click.py — PostgreSQL, gunicorn {args.workers}×{args.threads} threads, {args.clients} clients, "
        f"{args.seconds:.0f} s per phase, channel layer: {layer}"
    )
    print(f"  trivial view        : {ping_ok / ping_wall:8.1f} req/s   ({ping_ok} requests)")
    print(
        f"  Prepare+Complete    : {len(used) / pairs_wall:8.1f} pairs/s ({len(used)} paid auctions,"
        f" {2 * len(used) / pairs_wall:.1f} callbacks/s)"
    )
    print(
        f"  pair latency        : p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, max {figures['max']:.1f} ms"
    )
    if len(answers) >= len(payments):
        print(f"  (all {len(payments)} payments were used before the time ran out: raise --payments)")
    for name, passed in checks.items():
        print(f"  [{'ok' if passed else 'FAIL'}] {name}")
    from django.db import connections

    connections.close_all()
    if not args.keep:
        database_recreate(args.server, args.database, drop_only=True)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
