"""The Redis channel layer with a bounded, waiting connection pool.

channels_redis gives each event loop a plain redis-py pool, whose default limit is 100
connections and which *raises* `MaxConnectionsError("Too many connections")` when they are all
busy. A worker's WebSockets share that pool: when 1 000 watchers close at once, 1 000
`group_discard` calls (and on a page-load storm as many `group_add` calls) run together, most of
them failed, and the channels of the pages that had gone stayed in the auction's group: every
later bid was still sent to them (until the group expiry, a day). With a blocking pool a call
waits its turn for a connection (each Redis call takes well under a millisecond) instead of failing,
and the worker never opens more than `max_connections` connections to Redis.

Settings (CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][i], beside "address"):
`max_connections` (per worker and event loop) and `timeout` (seconds a call waits for a free
connection before it fails).
"""

from typing import Any

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer
from redis.asyncio import BlockingConnectionPool


class RedisChannelLayer(_RedisChannelLayer):
    """channels_redis.core.RedisChannelLayer whose pools wait for a free connection."""

    def create_pool(self, index: int) -> Any:
        host = dict(self.hosts[index])
        if "address" not in host:  # sentinels, or host/port: channels_redis's own pool
            return super().create_pool(index)
        address = host.pop("address")
        return BlockingConnectionPool.from_url(address, **host)
