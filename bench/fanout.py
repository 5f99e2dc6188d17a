#!/usr/bin/env python
"""Benchmark: WebSocket fan-out latency of a bid to 1 000 clients connected to one auction's
socket, on the production servers and settings as deployed: the WebSocket service (gunicorn with
deploy/gunicorn.conf.py serving config.asgi with its uvicorn workers) holds the sockets, the web
service (the same config serving config.wsgi with gthread workers) takes the bids, as nginx
routes /ws/ and /api/; DEBUG=0, the Redis channel layer. The trivial Django view of the
WebSocket service is measured in the same run. Checks afterwards that every client received
every bid and that every closed socket left the auction's group.

    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/fanout.py [--clients 1000] [--bids 5]

Latency of a bid = from just before its POST to the web service's API
(/api/v1/auctions/<id>/bids/, a bidder with a token) until each client has received the state
carrying the new price. The sockets are spread over the server's workers as the kernel hands
out connections. Clients run in this process
(one asyncio loop), so the figures include the client's own time to read 1 000 messages.
Creates (and drops) its own database (default kb_bench_fanout on 127.0.0.1:5432).
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, not bench/ (bench/click.py ≠ click)

import httpx  # noqa: E402
import websockets  # noqa: E402

from bench.common import (  # noqa: E402
    START,
    STEP,
    Server,
    buyers_create,
    database_recreate,
    hot_auction_create,
    migrate,
    percentiles,
    ping_rate,
    production_env,
)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--bids", type=int, default=5, help="bids placed one after another, each measured")
    parser.add_argument("--seconds", type=float, default=5.0, help="trivial-view phase")
    parser.add_argument("--workers", type=int, default=0, help="server workers (default: deploy/gunicorn.conf.py's)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="kb_bench_fanout")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def nofile_raise(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, needed)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def ping_latency(base: str, count: int = 200) -> dict[str, float]:
    times = []
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(count):
            t0 = time.perf_counter()
            r = await client.get("/bench/ping/")
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
    return percentiles(times)


async def _wait_for_price(ws, amount: int, received: list[float]) -> None:  # type: ignore[no-untyped-def]
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if message.get("type") == "state" and int(message.get("current_price") or 0) >= amount:
            received.append(time.perf_counter())
            return


async def run(args: argparse.Namespace, port: int, auction_id: int, place_bid) -> dict:  # type: ignore[no-untyped-def]
    url = f"ws://127.0.0.1:{port}/ws/auctions/{auction_id}/"
    origin = f"http://127.0.0.1:{port}"
    sockets: list = []
    t0 = time.perf_counter()
    for start in range(0, args.clients, 100):  # connect in waves, as a page load storm would
        batch = await asyncio.gather(
            *(
                websockets.connect(url, origin=origin, open_timeout=60, max_queue=None)  # type: ignore[arg-type]
                for _ in range(start, min(start + 100, args.clients))
            )
        )
        sockets.extend(batch)
    for ws in sockets:  # the state sent on connect
        first = json.loads(await asyncio.wait_for(ws.recv(), 60))
        assert first["type"] == "state"
    connect_s = time.perf_counter() - t0

    rounds = []
    for n in range(args.bids):
        amount = START + STEP * n
        received: list[float] = []

        waiters = [asyncio.create_task(_wait_for_price(ws, amount, received)) for ws in sockets]
        await asyncio.sleep(0.2)
        sent = time.perf_counter()
        await asyncio.to_thread(place_bid, amount, n)
        await asyncio.gather(*waiters)
        rounds.append([(t - sent) * 1000 for t in received])
        await asyncio.sleep(0.3)
    await asyncio.gather(*(ws.close() for ws in sockets))  # all pages closed at once
    return {"connect_s": connect_s, "rounds": rounds}


def main() -> int:
    args = parse()
    limit = nofile_raise(args.clients * 2 + 200)
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        print("REDIS_URL is not set: the fan-out goes through the Redis channel layer; set it.")
        return 2
    env = production_env(
        f"{args.server}/{args.database}", redis_url, API_THROTTLE_BIDS="1000000/m", API_THROTTLE_USER="1000000/m"
    )
    os.environ.update(env)
    database_recreate(args.server, args.database)
    migrate(env)

    import django

    django.setup()
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.conf import settings
    from django.db import connections
    from rest_framework.authtoken.models import Token

    from auctions.live import auction_group

    auction = hot_auction_create()
    buyers, _cookies = buyers_create(2)
    tokens = [Token.objects.create(user=buyer).key for buyer in buyers]
    connections.close_all()

    server = Server.production(env, app="asgi", workers=args.workers)  # the WebSocket service
    port = server.port
    try:
        web = Server.production(env, app="wsgi")  # the web service: the bids, as nginx sends /api/ there
    except BaseException:
        server.stop()
        raise
    bidders = [
        httpx.Client(base_url=web.url, timeout=30, headers={"Authorization": f"Token {token}"}) for token in tokens
    ]

    def place_bid(amount: int, n: int) -> None:
        r = bidders[n % 2].post(f"/api/v1/auctions/{auction.pk}/bids/", json={"amount": str(amount)})
        assert r.status_code == 201, r.text

    try:
        ping = ping_rate(server.url, 16, args.seconds)
        ping_ms = asyncio.run(ping_latency(server.url))
        result = asyncio.run(run(args, port, auction.pk, place_bid))
        closed_at = time.perf_counter()
        layer = get_channel_layer()

        async def members() -> int:
            group = auction_group(auction.pk)
            return int(await layer.connection(layer.consistent_hash(group)).zcard(layer._group_key(group)))

        # The server leaves the group as it handles the closes: wait for it (up to 60 s).
        left_behind = async_to_sync(members)()
        while left_behind and time.perf_counter() - closed_at < 60:
            time.sleep(0.25)
            left_behind = async_to_sync(members)()
        emptied_s = time.perf_counter() - closed_at
    finally:
        for c in bidders:
            c.close()
        web.stop()
        server.stop()

    workers = args.workers or "deploy/gunicorn.conf.py's"
    print(
        f"bench/fanout.py — gunicorn -c deploy/gunicorn.conf.py config.asgi ({workers} workers) for the sockets,"
        " config.wsgi for the bids, DEBUG=0, channel layer:"
        f" {settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]}, {args.clients} WebSocket clients"
        f" on one auction, {args.bids} bids through the API, RLIMIT_NOFILE {limit}"
    )
    print(
        f"  trivial view      : {ping:8.1f} req/s (16 clients); one client: p50 {ping_ms['p50']:.1f} ms,"
        f" p95 {ping_ms['p95']:.1f} ms"
    )
    print(f"  connect           : {args.clients} sockets open and synced in {result['connect_s']:.1f} s")
    every = [ms for r in result["rounds"] for ms in r]
    for n, r in enumerate(result["rounds"], 1):
        f = percentiles(r)
        figures = f"first {f['min']:.0f} ms, p50 {f['p50']:.0f} ms, p95 {f['p95']:.0f} ms, max {f['max']:.0f} ms"
        print(f"  bid {n}             : {len(r)} delivered; {figures}")
    f = percentiles(every)
    print(f"  all bids          : p50 {f['p50']:.0f} ms, p95 {f['p95']:.0f} ms, max {f['max']:.0f} ms")
    checks = {
        "every client received every bid": all(len(r) == args.clients for r in result["rounds"]),
        f"every closed socket left the auction's group ({left_behind} left behind after {emptied_s:.1f} s)": (
            left_behind == 0
        ),
    }
    for name, passed in checks.items():
        print(f"  [{'ok' if passed else 'FAIL'}] {name}")
    connections.close_all()
    if not args.keep:
        database_recreate(args.server, args.database, drop_only=True)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
