#!/usr/bin/env python
"""Benchmark: the CPU of each request of bench/bids.py's race, in-process (no server, no client).

bench/bids.py measures the race over HTTP, where the box's noise moves every figure by a third
from one minute to the next. This one sends the same requests straight through Django's WSGI
handler in this process, one after another, on the production settings (DEBUG=0, PostgreSQL,
Redis), and prints the CPU time per request (time.process_time: what this process spent, not
what it waited for PostgreSQL or Redis), beside the trivial view and the floor views of
bench/urls.py:

    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/bid_cpu.py [--requests 1000] [--profile read]

* `ping`: the trivial view; `read`: GET /api/v1/auctions/<id>/ (50 bids of history);
* `refused`: a bid below the minimum; `accepted`: a read, then a bid of its minimum (alternating
  bidders, so every bid is accepted and leads);
* `floor-read`, `floor-refused`: bench/urls.py's floor views for the same requests.

--profile MODE prints cProfile's cumulative table (CPU time) for one of them (with --callers REGEX,
who calls what matches: `--callers execute_command` names every Redis command's caller). Creates (and drops)
its own database (default kb_bench_bid_cpu); --queries prints the SQL of one request of each
mode; checks that each request answered what it should.
"""

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/

from bench.common import bids_setup, buyers_create, database_recreate, hot_auction_create  # noqa: E402

MODES = ("ping", "read", "refused", "accepted", "floor-read", "floor-refused")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per mode (after 50 warm-up ones)")
    parser.add_argument("--history", type=int, default=50, help="bids placed before timing")
    parser.add_argument("--profile", choices=MODES, help="print cProfile's table for this mode")
    parser.add_argument("--callers", metavar="REGEX", help="with --profile: also who calls the functions matching it")
    parser.add_argument("--queries", action="store_true", help="also print the SQL statements of one request per mode")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="kb_bench_bid_cpu")
    return parser.parse_args()


def main() -> int:
    args = parse()
    env = bids_setup(args.server, args.database, CONN_MAX_AGE="600")  # as a gthread worker keeps its connection
    if env is None:
        return 2
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection, connections
    from rest_framework.authtoken.models import Token

    cache.clear()
    auction = hot_auction_create()
    buyers, _cookies = buyers_create(2)
    tokens = [Token.objects.create(user=buyer).key for buyer in buyers]
    app = WSGIHandler()

    def call(method: str, path: str, token: str, body: bytes = b"") -> tuple[int, bytes]:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "443",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Token {token}",
        }
        status: list[str] = []
        out = b"".join(app(environ, lambda s, h, *exc: status.append(s)))  # type: ignore[arg-type]
        return int(status[0].split()[0]), out

    url = f"/api/v1/auctions/{auction.pk}/"
    floor = f"/bench/floor/auctions/{auction.pk}/"

    def minimum() -> int:
        return int(float(json.loads(call("GET", url, tokens[0])[1])["min_next_bid"]))

    for i in range(args.history):
        status, body = call("POST", f"{url}bids/", tokens[i % 2], json.dumps({"amount": str(minimum())}).encode())
        assert status == 201, (status, body)

    turn = [0]

    def accepted() -> tuple[int, bytes]:
        turn[0] += 1
        return call("POST", f"{url}bids/", tokens[turn[0] % 2], json.dumps({"amount": str(minimum())}).encode())

    requests: dict[str, tuple[Callable[[], tuple[int, bytes]], int]] = {
        "ping": (lambda: call("GET", "/bench/ping/", tokens[0]), 200),
        "read": (lambda: call("GET", url, tokens[0]), 200),
        "refused": (lambda: call("POST", f"{url}bids/", tokens[0], b'{"amount": "1000"}'), 409),
        "accepted": (accepted, 201),
        "floor-read": (lambda: call("GET", floor, tokens[0]), 200),
        "floor-refused": (lambda: call("POST", f"{floor}bids/", tokens[0], b'{"amount": "1000"}'), 409),
    }
    print(
        f"bench/bid_cpu.py — production settings (DEBUG=0, PostgreSQL, Redis), in-process through WSGIHandler,"
        f" {args.history}+ bids of history, {args.requests} requests per mode after 50 warm-up ones"
    )
    failed = False
    for mode in MODES:
        send, expected = requests[mode]
        statuses = {send()[0] for _ in range(50)}
        profiler = cProfile.Profile(time.process_time) if mode == args.profile else None
        started_cpu, started = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(args.requests):
            statuses.add(send()[0])
        if profiler:
            profiler.disable()
        cpu = (time.process_time() - started_cpu) / args.requests * 1000
        wall = (time.perf_counter() - started) / args.requests * 1000
        ok = statuses == {expected}
        failed |= not ok
        note = "" if ok else f"  [FAIL] statuses {sorted(statuses)}, expected {expected}"
        extra = " (with its read)" if mode == "accepted" else ""
        print(f"  {mode:14} {cpu:6.2f} ms CPU, {wall:6.2f} ms wall per request{extra}{note}")
        if args.queries:
            statements: list[str] = []

            def record(execute, sql, params, many, context, statements=statements):  # type: ignore[no-untyped-def]
                statements.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(record):
                send()
            print(f"    {len(statements)} SQL statements:")
            for sql in statements:
                print(f"      {sql[:160]}")
        if profiler:
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(40)
            if args.callers:
                stats.print_callers(args.callers)
    connections.close_all()
    database_recreate(args.server, args.database, drop_only=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
