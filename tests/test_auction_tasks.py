"""Celery task paths: the close at the exact end (scheduled after commit with an eta,
on the real Redis broker), the idempotent sweeper, and the beat schedule."""

import base64
import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from auctions.bidding import bid_place
from auctions.models import Auction, AuctionStatus
from auctions.tasks import auction_close_task, auction_paid_effects, auctions_sweep
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

START = Decimal("800000000")


def test_beat_schedule_runs_the_registered_sweeper():
    entry = settings.CELERY_BEAT_SCHEDULE["auctions-sweep"]
    assert entry["task"] == auctions_sweep.name
    assert auctions_sweep.name in celery_app.tasks
    assert auction_close_task.name in celery_app.tasks


def test_close_task_before_the_end_changes_nothing_and_after_it_records_the_winner(paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    assert auction_close_task.apply(kwargs={"auction_id": paid_auction.pk}).get() == AuctionStatus.ACTIVE
    Auction.objects.filter(pk=paid_auction.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert auction_close_task.apply(kwargs={"auction_id": paid_auction.pk}).get() == AuctionStatus.ENDED
    assert auction_close_task.apply(kwargs={"auction_id": paid_auction.pk}).get() == AuctionStatus.ENDED
    paid_auction.refresh_from_db()
    assert paid_auction.winner == buyer and paid_auction.current_price == START


def test_sweeper_records_ends_and_marks_ending_soon_once(listing, make_listing, make_paid_auction, buyer, settings):
    settings.AUCTION_ENDING_SOON_MINUTES = 60
    due = make_paid_auction(listing, starts_in=-timedelta(hours=1), duration=timedelta(hours=2))
    bid_place(auction_id=due.pk, bidder=buyer, amount=START)
    Auction.objects.filter(pk=due.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    soon = make_paid_auction(
        make_listing(listing.seller), starts_in=-timedelta(hours=1), duration=timedelta(hours=1, minutes=30)
    )

    assert auctions_sweep.apply().get() == 1
    assert Auction.objects.get(pk=due.pk).status == AuctionStatus.ENDED
    marked = Auction.objects.get(pk=soon.pk).ending_soon_sent_at
    assert marked is not None
    assert auctions_sweep.apply().get() == 0
    assert Auction.objects.get(pk=soon.pk).ending_soon_sent_at == marked


@pytest.fixture
def broker(settings):
    """Celery on the test Redis (a real broker), not eager, for one test."""
    url = settings.REDIS_URL
    if not url:
        pytest.skip("needs Redis")
    client = redis.Redis.from_url(url)
    client.delete("celery")
    old = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield client
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = old
        client.delete("celery")


def _queued(client: redis.Redis) -> list[dict]:
    return [json.loads(raw) for raw in client.lrange("celery", 0, -1)]


def test_paying_the_fee_and_an_extension_schedule_the_close_at_the_exact_end(
    broker, listing, make_auction, buyer, django_capture_on_commit_callbacks, settings
):
    from fees.demo import fee_pay_offline
    from fees.services import fee_initiate

    settings.AUCTION_SOFT_CLOSE_MINUTES = 5
    auction = make_auction(listing, starts_in=-timedelta(minutes=1), duration=timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        fee_pay_offline(fee_initiate(auction_id=auction.pk, user=auction.seller))
    # The Complete publishes one message; a worker then schedules the close and tells the seller.
    [paid] = [m for m in _queued(broker) if m["headers"]["task"] == auction_paid_effects.name]
    assert [m["headers"]["task"] for m in _queued(broker)] == [auction_paid_effects.name]
    auction_paid_effects.apply(kwargs=json.loads(base64.b64decode(paid["body"]))[1]).get()
    closes = [m for m in _queued(broker) if m["headers"]["task"] == auction_close_task.name]
    assert len(closes) == 1
    assert datetime.fromisoformat(closes[0]["headers"]["eta"]) == auction.ends_at
    assert f"'auction_id': {auction.pk}" in closes[0]["headers"]["kwargsrepr"]

    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction_id=auction.pk, bidder=buyer, amount=START)  # inside the last 5 minutes: extended
    auction.refresh_from_db()
    closes = [m for m in _queued(broker) if m["headers"]["task"] == auction_close_task.name]
    assert len(closes) == 2
    assert sorted(datetime.fromisoformat(m["headers"]["eta"]) for m in closes)[-1] == auction.ends_at
