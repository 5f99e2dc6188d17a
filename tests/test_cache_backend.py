"""core.cache.ClientKeepingRedisCache: Django's Redis cache, one redis-py client per pool."""

import threading

import pytest
import redis
from django.conf import settings

from core.cache import ClientKeepingRedisCache


@pytest.fixture
def cache() -> ClientKeepingRedisCache:
    if not getattr(settings, "REDIS_URL", ""):
        pytest.skip("needs REDIS_URL")
    backend = ClientKeepingRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-cache-backend"})
    yield backend
    backend.clear()


def test_production_settings_use_it():
    if not getattr(settings, "REDIS_URL", ""):
        pytest.skip("needs REDIS_URL")
    assert settings.CACHES["default"]["BACKEND"] == "core.cache.ClientKeepingRedisCache"


def test_every_operation_uses_the_same_client_and_works(cache, monkeypatch):
    built: list[object] = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    cache.set("a", {"rooms": 2}, 30)
    assert cache.get("a") == {"rooms": 2}
    assert cache.add("a", 1) is False
    assert cache.add("n", 0) is True and cache.incr("n") == 1
    cache.set_many({"b": 1, "c": 2})
    assert cache.get_many(["a", "b", "c"]) == {"a": {"rooms": 2}, "b": 1, "c": 2}
    cache.delete_many(["a", "b"])
    assert cache.get("a") is None and cache.get("c") == 2
    assert len(built) == 1  # Django's own client builds one per operation


def test_threads_share_it_safely(cache):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(200):
                cache.set(f"k{n}-{i}", i, 30)
                assert cache.get(f"k{n}-{i}") == i
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get_many([f"k{n}-199" for n in range(8)]) == {f"k{n}-199": 199 for n in range(8)}


def test_counting_in_a_window_is_atomic_and_one_round_trip(cache):
    """count_in_window (core.ratelimit's counter on Redis): 8 threads × 25 counts give 200 distinct
    counts, the window starts at the first count, and the counter is readable through the cache."""
    seen: list[int] = []
    lock = threading.Lock()

    def hit() -> None:
        for _ in range(25):
            count, left = cache.count_in_window("w", 60)
            assert 0 < left <= 60
            with lock:
                seen.append(count)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 201))
    assert cache.get("w") == 200
    assert cache.count_in_window("w", 60, amount=5)[0] == 205

    # Several windows (a request's throttles) in one round trip: one connection taken from the pool.
    pool = cache._cache.get_client("x", write=True).connection_pool
    taken: list[object] = []
    original = pool.get_connection
    pool.get_connection = lambda *a, **k: taken.append(a) or original(*a, **k)
    try:
        fresh, fresh_too, (count, left) = cache.count_in_windows([("fresh", 2), ("fresh-too", 5), ("w", 60)])
    finally:
        del pool.get_connection
    assert len(taken) == 1 and cache.count_in_windows([]) == []
    assert (fresh, fresh_too) == ((1, 2), (1, 5)) and count == 206 and 0 < left <= 60
    client = cache._cache.get_client("x", write=True)
    assert cache.get("fresh") == 1 and 0 < client.ttl(cache.make_and_validate_key("fresh-too")) <= 5


def test_a_window_that_ends_between_its_two_commands_still_ends(cache):
    """If the counter expires between SET NX and INCRBY, INCRBY makes one with no expiry; the
    window is then given its length again, so a client is never limited for good."""
    key = cache.make_and_validate_key("ended")
    client = cache._cache.get_client(key, write=True)
    client.set(key, 3)  # as INCRBY leaves it after such a race: no expiry
    count, left = cache.count_in_window("ended", 30)
    assert count == 4 and left == 30
    assert 0 < client.ttl(key) <= 30
