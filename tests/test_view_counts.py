"""Page views counted in Redis and added to the listings by a beat task (listings/view_counts.py)."""

import pytest
import redis
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from listings import view_counts
from listings.tasks import view_counts_flush_task
from listings.view_counts import PENDING_KEY, TAKEN_KEY, view_counts_flush

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    client = view_counts._redis()
    if client is None:
        pytest.skip("no REDIS_URL: views are written at once (tests/test_view_count_cookie.py)")
    return client


def _views(listing) -> int:
    listing.refresh_from_db()
    return listing.views_count


def test_a_view_writes_nothing_to_the_database_and_the_flush_adds_it_once(store, listing, make_listing):
    other = make_listing(listing.seller, title="Другая")
    with CaptureQueriesContext(connection) as page:
        response = Client().get(listing.get_absolute_url())
    assert response.status_code == 200
    assert not [q for q in page.captured_queries if q["sql"].startswith("UPDATE")]
    for _visitor in range(3):
        Client().get(other.get_absolute_url())
    assert (_views(listing), _views(other)) == (0, 0)
    assert {int(k): int(v) for k, v in store.hgetall(PENDING_KEY).items()} == {listing.pk: 1, other.pk: 3}

    assert view_counts_flush_task() == 4
    assert (_views(listing), _views(other)) == (1, 3)
    assert view_counts_flush() == 0  # taken once
    assert (_views(listing), _views(other)) == (1, 3)
    assert not store.exists(PENDING_KEY) and not store.exists(TAKEN_KEY)


def test_a_hash_left_by_a_stopped_flush_is_added_first_then_the_new_counts(store, listing):
    store.hset(TAKEN_KEY, str(listing.pk), 5)  # taken by a flush that stopped before it deleted it
    store.hincrby(PENDING_KEY, str(listing.pk), 2)
    assert view_counts_flush() == 5
    assert _views(listing) == 5
    assert view_counts_flush() == 2
    assert _views(listing) == 7


def test_two_flushes_at_once_never_take_the_same_counts(store, listing):
    store.hincrby(PENDING_KEY, str(listing.pk), 4)
    lock = store.lock(view_counts.LOCK_KEY, timeout=30)
    assert lock.acquire(blocking=False)  # another flush is taking the counts
    try:
        assert view_counts_flush() == 0
    finally:
        lock.release()
    assert _views(listing) == 0
    assert view_counts_flush() == 4
    assert _views(listing) == 4


def test_redis_failing_writes_the_view_at_once(store, listing, monkeypatch):
    def down(*_args, **_kwargs):
        raise redis.ConnectionError("Redis is down")

    monkeypatch.setattr(store, "hincrby", down)
    Client().get(listing.get_absolute_url())
    assert _views(listing) == 1
