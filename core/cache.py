"""Django's Redis cache, keeping its redis-py client instead of building one per operation.

Django's RedisCacheClient.get_client() makes a new `redis.Redis` for every get, set or delete;
redis-py 8 fills its response-callback tables in each constructor, about 50 µs, more than a
cache hit itself costs. A client over a connection pool is safe to share between threads, so
one per pool is kept. It also counts in a window in one round trip (count_in_window, for the
rate limits). Everything else is Django's own backend.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ClientKeepingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ClientKeepingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ClientKeepingRedisCacheClient

    def count_in_window(self, key: str, seconds: int, amount: int = 1) -> tuple[int, int]:
        """Add `amount` to the counter `key`, which starts at the first count and lasts `seconds`;
        returns (the count now, seconds left). One round trip and atomic: `SET NX EX` creates the
        window, `INCRBY` counts (Django's incr() is two round trips and needs the key to exist)."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.set(key, 0, ex=seconds, nx=True)
        pipe.incrby(key, amount)
        pipe.ttl(key)
        _created, count, left = pipe.execute()
        if left < 0:  # the window expired between SET and INCRBY: INCRBY made a counter with no end
            client.expire(key, seconds)
            left = seconds
        return int(count), max(int(left), 1)
