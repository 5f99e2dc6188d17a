"""Django's Redis cache, keeping its redis-py client instead of building one per operation.

Django's RedisCacheClient.get_client() makes a new `redis.Redis` for every get, set or delete;
redis-py 8 fills its response-callback tables in each constructor, about 50 µs, more than a
cache hit itself costs. A client over a connection pool is safe to share between threads, so
one per pool is kept. It also counts in windows in one round trip (count_in_windows, for the
rate limits). Everything else is Django's own backend.
"""

from collections.abc import Sequence
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
        self._count_script: Any = None

    def count_in_window(self, key: str, seconds: int, amount: int = 1) -> tuple[int, int]:
        """Add `amount` to the counter `key`, which starts at the first count and lasts `seconds`;
        returns (the count now, seconds left). One round trip and atomic (count_in_windows)."""
        return self.count_in_windows([(key, seconds)], amount)[0]

    def count_in_windows(self, windows: Sequence[tuple[str, int]], amount: int = 1) -> list[tuple[int, int]]:
        """count_in_window for several counters at once (a request's rate limits), in ONE round trip:
        a Lua script run atomically by Redis (`SET NX EX` starts a window, `INCRBY` counts, `TTL`
        tells what is left). Django's incr() is two round trips and needs the key to exist; a
        pipeline per counter cost a request more CPU in redis-py than the script does for all."""
        if not windows:
            return []
        keys = [self.make_and_validate_key(key) for key, _seconds in windows]
        client = self._cache.get_client(keys[0], write=True)
        if self._count_script is None:
            self._count_script = client.register_script(_COUNT_IN_WINDOWS)
        replies = self._count_script(keys=keys, args=[amount, *(seconds for _key, seconds in windows)], client=client)
        return [(int(replies[i]), max(int(replies[i + 1]), 1)) for i in range(0, len(replies), 2)]


# KEYS: the counters; ARGV: the amount, then each counter's window in seconds. Returns count, seconds
# left, for each. A counter with no expiry (left by an INCR of older code, or a window that ended
# between two separate commands) is given its window again, so nobody is limited for good.
_COUNT_IN_WINDOWS = """
local replies = {}
for i, key in ipairs(KEYS) do
  local seconds = tonumber(ARGV[i + 1])
  redis.call('SET', key, 0, 'EX', seconds, 'NX')
  local count = redis.call('INCRBY', key, ARGV[1])
  local left = redis.call('TTL', key)
  if left < 0 then
    redis.call('EXPIRE', key, seconds)
    left = seconds
  end
  replies[#replies + 1] = count
  replies[#replies + 1] = left
end
return replies
"""
