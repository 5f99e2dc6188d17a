#!/usr/bin/env python
"""Benchmark: the garbage collector's pauses while serving searches, with and without the warm
worker's heap frozen (config.warmup.worker_heap_freeze, which deploy/gunicorn.conf.py calls).

Python's full collection walks every tracked object; a warm worker holds ~190 000 of them
(modules, classes, Django's tables, templates), so each full pass stops the request it lands in
for tens of milliseconds. The pauses are few (one in a few hundred requests), so they show in a
request's p99, not in its p50: this script counts them directly instead of through latencies. It
sends bench/search.py's searches straight through Django's WSGI handler in this process
(production settings: DEBUG=0, PostgreSQL, Redis), on bench/search.py's database (run that first),
alternating rounds without and with the freeze, and prints for each: the collections by
generation, their total and longest pause, and the CPU per request.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kb_bench_search \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/gc_pauses.py [--requests 520] [--rounds 2]
"""

import argparse
import gc
import io
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/

from bench.common import production_env  # noqa: E402
from bench.search import BENCH_URL, SEARCHES  # noqa: E402


class Pauses:
    """gc.callbacks: every collection's generation and wall time, while `on`."""

    def __init__(self) -> None:
        self.on = False
        self.started = 0.0
        self.seen: list[tuple[int, float]] = []
        gc.callbacks.append(self.callback)

    def callback(self, phase: str, info: dict[str, Any]) -> None:
        if not self.on:
            return
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.seen.append((info["generation"], time.perf_counter() - self.started))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=520, help="searches per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each (alternating)")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        print("REDIS_URL is not set: production settings use Redis; set it.")
        return 2
    os.environ.update(production_env(BENCH_URL, redis_url, CONN_MAX_AGE="600", PAYME_SANDBOX="0"))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from config.warmup import worker_heap_freeze, worker_warm
    from listings.models import District, Listing

    if not Listing.objects.exists():
        print(f"No listings in {BENCH_URL}: run bench/search.py first.")
        return 2
    district = District.objects.get(slug="chilanzar").pk
    queries = [quote(query.format(district=district), safe="=&+") for query in SEARCHES.values()]
    app = WSGIHandler()

    def search(query: str) -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/listings/",
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "443",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(b""),
            "REMOTE_ADDR": "127.0.0.1",
        }
        status: list[str] = []
        b"".join(app(environ, lambda s, h, *exc: status.append(s)))  # type: ignore[arg-type]
        if not status[0].startswith("200"):
            raise RuntimeError(f"/listings/?{query}: {status[0]}")

    worker_warm()
    for query in queries:  # the templates, cards and filter forms built and cached
        search(query)
    pauses = Pauses()
    print(
        f"bench/gc_pauses.py — {Listing.objects.count():,} listings, production settings, in-process through"
        f" WSGIHandler; {args.requests} searches per round (bench/search.py's {len(queries)} kinds in turn)\n"
    )
    columns = ("tracked", "gen0", "gen1", "gen2", "GC ms/req", "longest ms", "CPU ms/req")
    print(
        f"{'':<16} "
        + " ".join(f"{name:>{width}}" for name, width in zip(columns, (8, 6, 6, 6, 10, 11, 11), strict=True))
    )
    for _round in range(args.rounds):
        for frozen in (False, True):
            if frozen:
                worker_heap_freeze()
            else:
                gc.unfreeze()
                gc.collect()
            pauses.seen.clear()
            pauses.on = True
            started = time.process_time()
            for i in range(args.requests):
                search(queries[i % len(queries)])
            cpu = (time.process_time() - started) / args.requests * 1000
            pauses.on = False
            count = [sum(1 for g, _ in pauses.seen if g == generation) for generation in range(3)]
            total = sum(seconds for _, seconds in pauses.seen) * 1000
            longest = max((seconds for _, seconds in pauses.seen), default=0.0) * 1000
            label = "heap frozen" if frozen else "not frozen"
            print(
                f"{label:<16} {len(gc.get_objects()):>8,} {count[0]:>6} {count[1]:>6} {count[2]:>6}"
                f" {total / args.requests:>10.2f} {longest:>11.1f} {cpu:>11.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
