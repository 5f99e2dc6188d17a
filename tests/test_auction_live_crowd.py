"""Many watchers of one auction on one worker, against the real Redis channel layer.

The bug (issue 12): channels_redis's pool is redis-py's default (100 connections, raising
"Too many connections" beyond them). When 1 000 watchers closed at once, most of their
group_discard calls failed; their channels stayed in the auction's group, and every later bid was
still queued for pages that had gone."""

import asyncio
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from auctions.bidding import bid_place
from auctions.live import auction_group
from config.routing import websocket_urlpatterns

pytestmark = [pytest.mark.django_db(transaction=True)]

# Well over the 100 connections of redis-py's default pool, few enough for a quick test.
WATCHERS = 400


def _redis_layer():  # type: ignore[no-untyped-def]
    layer = get_channel_layer()
    if not hasattr(layer, "_group_key"):
        pytest.skip("no REDIS_URL: the in-memory layer has no connection pool")
    return layer


async def _members(layer, group: str) -> int:  # type: ignore[no-untyped-def]
    return int(await layer.connection(layer.consistent_hash(group)).zcard(layer._group_key(group)))


def test_watchers_closing_at_once_all_leave_the_group(paid_auction, buyer):
    layer = _redis_layer()
    group = auction_group(paid_auction.pk)
    app = URLRouter(websocket_urlpatterns)

    async def scenario() -> tuple[int, int, int, list[object]]:
        watchers = [WebsocketCommunicator(app, f"/ws/auctions/{paid_auction.pk}/") for _ in range(WATCHERS)]
        # All join at once too (a page-load storm): that used to fail the same way.
        joined = await asyncio.gather(*(w.connect(timeout=60) for w in watchers))
        assert all(ok for ok, _code in joined)
        for w in watchers:
            assert (await w.receive_json_from(timeout=10))["type"] == "state"
        before = await _members(layer, group)
        closed = await asyncio.gather(*(w.disconnect(timeout=60) for w in watchers), return_exceptions=True)
        after = await _members(layer, group)
        # A bid after they have gone: queued for nobody.
        stay = WebsocketCommunicator(app, f"/ws/auctions/{paid_auction.pk}/")
        await stay.connect()
        await stay.receive_json_from(timeout=10)
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=Decimal("800000000"))
        )
        pushed = await stay.receive_json_from(timeout=10)
        during = await _members(layer, group)
        await stay.disconnect()
        errors = [result for result in closed if isinstance(result, BaseException)]
        return before, after, during, [pushed["current_price"], *errors]

    before, after, during, (price, *errors) = async_to_sync(scenario)()

    assert before == WATCHERS
    assert errors == []
    assert after == 0, f"{after} closed pages still in the auction's group"
    assert during == 1
    assert price == "800000000"


def test_the_layer_pool_waits_instead_of_refusing(settings):
    """The pool is bounded (it never opens more than its limit per worker) and waits for a free
    connection: twice as many calls at once as it has connections all succeed."""
    layer = _redis_layer()
    (host,) = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    limit = host["max_connections"]

    async def scenario() -> tuple[list[object], int, int]:
        pool = layer.connection(0).connection_pool
        channels = [f"crowd.{i}" for i in range(limit * 2)]
        added = await asyncio.gather(*(layer.group_add("crowd", c) for c in channels), return_exceptions=True)
        members = await _members(layer, "crowd")
        discarded = await asyncio.gather(*(layer.group_discard("crowd", c) for c in channels), return_exceptions=True)
        errors = [r for r in [*added, *discarded] if isinstance(r, BaseException)]
        return (
            errors,
            members - await _members(layer, "crowd"),
            len(pool._in_use_connections) + len(pool._available_connections),
        )

    errors, left_the_group, opened = async_to_sync(scenario)()

    assert errors == []
    assert left_the_group == limit * 2
    assert opened <= limit


def test_a_failed_leave_is_retried(paid_auction, monkeypatch):
    """Redis refusing a group_discard for a moment (a dropped connection, a full pool) does not
    leave the closed page in the group: the consumer tries again."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from auctions import consumers

    layer = _redis_layer()
    group = auction_group(paid_auction.pk)
    monkeypatch.setattr(consumers, "DISCARD_RETRY_DELAY", 0.01)
    real_discard = layer.group_discard
    failures = []

    async def flaky_discard(group_name: str, channel: str) -> None:
        if len(failures) < consumers.DISCARD_ATTEMPTS - 1:
            failures.append(channel)
            raise RedisConnectionError("Too many connections")
        await real_discard(group_name, channel)

    monkeypatch.setattr(layer, "group_discard", flaky_discard)

    async def scenario() -> tuple[int, int]:
        watcher = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/auctions/{paid_auction.pk}/")
        await watcher.connect()
        await watcher.receive_json_from(timeout=10)
        joined = await _members(layer, group)
        await watcher.disconnect(timeout=10)
        return joined, await _members(layer, group)

    joined, left = async_to_sync(scenario)()

    assert joined == 1
    assert len(failures) == consumers.DISCARD_ATTEMPTS - 1
    assert left == 0


def test_broadcasts_from_synchronous_code_reuse_one_loop_and_its_pool(settings):
    """A bid's broadcast runs in a request thread. async_to_sync gave each send a new event loop,
    hence a new channels_redis pool and a new Redis connection; group_send_blocking sends on one
    kept loop per process: many sends from several threads, one pool, every message delivered."""
    import threading

    import redis

    from core.channel_layer import group_send_blocking

    layer = _redis_layer()
    group = "test-sender-loop"

    async def join() -> str:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        return channel

    channel = async_to_sync(join)()
    sends_per_thread, threads = 20, 4
    server = redis.Redis.from_url(settings.REDIS_URL)
    connections_before = server.info("stats")["total_connections_received"]

    def send(n: int) -> None:
        for i in range(sends_per_thread):
            group_send_blocking(layer, group, {"type": "auction.state", "text": f"{n}-{i}"})

    workers = [threading.Thread(target=send, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    async def drain() -> list[str]:
        got = [(await layer.receive(channel))["text"] for _ in range(sends_per_thread * threads)]
        await layer.group_discard(group, channel)
        return got

    opened = server.info("stats")["total_connections_received"] - connections_before
    received = async_to_sync(drain)()
    assert sorted(received) == sorted(f"{n}-{i}" for n in range(threads) for i in range(sends_per_thread))
    # 80 sends opened a handful of connections (the kept loop's pool), not one or more per send.
    assert opened <= threads + 2, opened
