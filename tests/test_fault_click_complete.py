"""Fault: the web process is killed in the middle of Click's Complete, then Click retries.

A real gunicorn process serves the callbacks on the test database. The test
makes Complete block at a chosen point by holding a PostgreSQL row lock from
its own connection (no test hook in the code), SIGKILLs the whole server
(master and workers) while the request waits, then sends Click's retry of the
very same Complete to a fresh server. Whether the kill hit before the commit
or after it (answer never sent), the retry is answered "success" with the same
merchant_confirm_id, and the payment is completed once, the auction paid once,
with one `paid` event.
"""

import itertools
import threading
import time

import httpx
import psycopg
import pytest

from auctions.models import Auction, AuctionEvent, AuctionStatus
from clickuz.models import ClickCallback
from clickuz.protocol import Action
from clickuz.simulator import callback_fields_signed
from fees.models import AuctionPayment, PaymentAttempt, PaymentStatus
from tests.procs import Server, dsn_of_test_database, server_env, url_of_test_database

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SERVICE_ID = "12345"
SECRET = "test-click-secret"
FEE = "50000.00"
PREPARE = "/api/auctions/click/prepare/"
COMPLETE = "/api/auctions/click/complete/"
_click_ids = itertools.count(5_100_000_001)


def _signed(merchant_trans_id: str, click_trans_id: str, *, merchant_prepare_id: int | None = None) -> dict[str, str]:
    return callback_fields_signed(
        action=Action.PREPARE if merchant_prepare_id is None else Action.COMPLETE,
        click_trans_id=click_trans_id,
        service_id=SERVICE_ID,
        secret_key=SECRET,
        merchant_trans_id=merchant_trans_id,
        amount=FEE,
        paydoc_id="7770002",
        merchant_prepare_id=None if merchant_prepare_id is None else str(merchant_prepare_id),
    )


def _lock_waiters(monitor: psycopg.Connection) -> int:
    """Backends of the test database waiting for a row lock right now."""
    row = monitor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return int(row[0]) if row else 0


def _wait_for(condition, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _post_in_background(url: str, fields: dict[str, str]) -> tuple[threading.Thread, list[object]]:
    """POST from a thread; the outcome (a response or the exception) lands in the returned list."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(httpx.post(url, data=fields, timeout=60))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _payment_status(monitor: psycopg.Connection, payment_id: int) -> str:
    row = monitor.execute("SELECT status FROM auctions_auctionpayment WHERE id = %s", [payment_id]).fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.parametrize("kill_point", ["before_commit", "after_commit"])
def test_server_killed_during_complete_then_click_retries(payment, kill_point):
    env = server_env(url_of_test_database())
    server = Server(env)
    monitor = psycopg.connect(dsn_of_test_database(), autocommit=True)
    auction_lock = psycopg.connect(dsn_of_test_database())
    callback_lock = psycopg.connect(dsn_of_test_database())
    try:
        prepared = _signed(payment.merchant_trans_id, str(next(_click_ids)))
        answer = httpx.post(server.url + PREPARE, data=prepared, timeout=30).json()
        assert answer["error"] == 0, answer
        prepare_id = answer["merchant_prepare_id"]
        complete = _signed(payment.merchant_trans_id, prepared["click_trans_id"], merchant_prepare_id=prepare_id)

        # Hold the auction row: Complete locks the payment and the attempt, then waits here,
        # inside its transaction, before writing anything.
        auction_lock.execute("SELECT id FROM auctions_auction WHERE id = %s FOR UPDATE", [payment.auction_id])
        thread, outcome = _post_in_background(server.url + COMPLETE, complete)
        _wait_for(lambda: _lock_waiters(monitor) >= 1, "Complete to block on the auction row")
        assert _payment_status(monitor, payment.pk) == PaymentStatus.PENDING

        if kill_point == "after_commit":
            # Hold the request's own raw-callback row too, then let the transaction go: the payment
            # commits, and the server blocks writing our answer into the log, before sending it.
            (callback_id,) = callback_lock.execute(
                "SELECT id FROM clickuz_clickcallback WHERE stage = 'complete' ORDER BY id DESC LIMIT 1 FOR UPDATE"
            ).fetchone()
            auction_lock.commit()
            _wait_for(
                lambda: _payment_status(monitor, payment.pk) == PaymentStatus.COMPLETED and _lock_waiters(monitor) >= 1,
                "the commit, then the server blocked on the callback log",
            )

        server.kill()
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert outcome and not isinstance(outcome[0], httpx.Response), "the killed server must not have answered"
        auction_lock.rollback()
        callback_lock.rollback()

        if kill_point == "before_commit":
            # The dead request's transaction never committed: nothing changed.
            _wait_for(lambda: _lock_waiters(monitor) == 0, "the orphaned backend to give up its locks")
            assert _payment_status(monitor, payment.pk) == PaymentStatus.PENDING
            assert not Auction.objects.get(pk=payment.auction_id).is_paid
        else:
            # The orphaned backend still runs the statement it had received (the log row's update,
            # in autocommit): the log shows the answer we computed, which Click never got.
            # No lock waiter left means the update got the row, not that it has committed yet: wait
            # for the row itself (CI once read it in between).
            _wait_for(
                lambda: ClickCallback.objects.get(pk=callback_id).error is not None,
                "the orphaned backend's update of the log row to commit",
            )
            assert ClickCallback.objects.get(pk=callback_id).error == 0

        # Click retries the same Complete (twice: the first retry's answer might be lost too).
        fresh = Server(env)
        try:
            answers = [httpx.post(fresh.url + COMPLETE, data=complete, timeout=30).json() for _ in range(2)]
        finally:
            fresh.stop()
    finally:
        server.stop()
        for conn in (monitor, auction_lock, callback_lock):
            conn.close()

    for answer in answers:
        assert answer["error"] == 0, answer
        assert answer["merchant_confirm_id"] == prepare_id
        assert answer["click_trans_id"] == int(prepared["click_trans_id"])
    payment.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    assert payment.status == PaymentStatus.COMPLETED and payment.completed_at is not None
    assert auction.is_paid is True and auction.status == AuctionStatus.SCHEDULED
    assert AuctionPayment.objects.filter(auction=auction, status=PaymentStatus.COMPLETED).count() == 1
    assert list(PaymentAttempt.objects.values_list("status", flat=True)) == ["completed"]
    assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.PAID).count() == 1
    assert ClickCallback.objects.filter(stage="complete").count() == 3  # the killed request and two retries
    unanswered = 1 if kill_point == "before_commit" else 0
    assert ClickCallback.objects.filter(stage="complete", error=None).count() == unanswered
