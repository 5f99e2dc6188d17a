"""Concurrent Click callbacks over real HTTP against a live server (shop-api.md §6).

Click re-sends Prepare and Complete when an answer is late, so duplicates
can arrive at the same moment. Each test fires its requests from separate
threads, released together by a barrier, at the live server; every request
is handled in its own server thread with its own PostgreSQL connection, so
only the row locks in the fee services keep the outcome right.
"""

import itertools
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx
import pytest

from auctions.models import Auction, AuctionEvent, AuctionStatus
from clickuz.models import ClickCallback
from clickuz.protocol import Action
from clickuz.simulator import callback_fields_signed
from fees.models import AuctionPayment, PaymentAttempt, PaymentStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONCURRENCY = 12
SERVICE_ID = "12345"
SECRET = "test-click-secret"
FEE = "50000.00"

_click_ids = itertools.count(4_200_000_001)


def _signed(merchant_trans_id: str, click_trans_id: str, *, merchant_prepare_id: int | None = None) -> dict[str, str]:
    return callback_fields_signed(
        action=Action.PREPARE if merchant_prepare_id is None else Action.COMPLETE,
        click_trans_id=click_trans_id,
        service_id=SERVICE_ID,
        secret_key=SECRET,
        merchant_trans_id=merchant_trans_id,
        amount=FEE,
        paydoc_id="7770001",
        merchant_prepare_id=None if merchant_prepare_id is None else str(merchant_prepare_id),
    )


def _prepare_fields(payment: AuctionPayment) -> dict[str, str]:
    return _signed(payment.merchant_trans_id, str(next(_click_ids)))


def _complete_fields(payment: AuctionPayment, prepared: dict[str, str], merchant_prepare_id: int) -> dict[str, str]:
    return _signed(payment.merchant_trans_id, prepared["click_trans_id"], merchant_prepare_id=merchant_prepare_id)


def _post_once(url: str, fields: dict[str, str]) -> dict:
    with httpx.Client(timeout=30.0, follow_redirects=False) as client:
        response = client.post(url, data=fields)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def _fire_together(label: str, url: str, requests: list[dict[str, str]]) -> list[dict]:
    """POST every request at once from its own thread; return the answers in order."""
    barrier = Barrier(len(requests))

    def send(fields: dict[str, str]) -> dict:
        with httpx.Client(timeout=30.0, follow_redirects=False) as client:
            barrier.wait(timeout=30)
            response = client.post(url, data=fields)
        assert response.status_code == 200, response.text
        return response.json()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        answers = list(pool.map(send, requests))
    wall = time.monotonic() - started
    histogram = Counter(answer["error"] for answer in answers)
    print(f"\n[{label}] requests={len(requests)} answers={dict(sorted(histogram.items()))} wall={wall:.3f}s")
    return answers


def _urls(live_server) -> tuple[str, str]:
    return f"{live_server.url}/api/auctions/click/prepare/", f"{live_server.url}/api/auctions/click/complete/"


def test_identical_completes_at_once_pay_exactly_once(live_server, payment):
    prepare_url, complete_url = _urls(live_server)
    prepared = _prepare_fields(payment)
    prepare_answer = _post_once(prepare_url, prepared)
    assert prepare_answer["error"] == 0
    prepare_id = prepare_answer["merchant_prepare_id"]
    request = _complete_fields(payment, prepared, prepare_id)

    answers = _fire_together("identical Complete", complete_url, [request] * CONCURRENCY)

    # Every copy is the *same* request (same click_trans_id, same attempt). §6:
    # "The same request twice gets the same answer and changes nothing", and
    # concurrent duplicates are serialised by row locks, so each one, whichever
    # wins the lock, answers 0 with the same merchant_confirm_id. -4 is for a
    # payment completed by *another* attempt (§5), which is not the case here.
    assert [answer["error"] for answer in answers] == [0] * CONCURRENCY
    assert {answer["merchant_confirm_id"] for answer in answers} == {prepare_id}
    assert {answer["click_trans_id"] for answer in answers} == {int(prepared["click_trans_id"])}

    payment.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    assert payment.status == PaymentStatus.COMPLETED
    assert payment.completed_at is not None
    assert auction.is_paid is True
    assert auction.status == AuctionStatus.SCHEDULED
    assert PaymentAttempt.objects.count() == 1
    assert PaymentAttempt.objects.filter(status="completed").count() == 1
    assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.PAID).count() == 1
    assert AuctionPayment.objects.filter(auction=auction, status=PaymentStatus.COMPLETED).count() == 1
    assert ClickCallback.objects.filter(stage="complete", error=0).count() == CONCURRENCY


def test_identical_prepares_at_once_record_one_attempt(live_server, payment):
    prepare_url, _ = _urls(live_server)
    request = _prepare_fields(payment)

    answers = _fire_together("identical Prepare", prepare_url, [request] * CONCURRENCY)

    assert [answer["error"] for answer in answers] == [0] * CONCURRENCY
    attempt = PaymentAttempt.objects.get()
    assert {answer["merchant_prepare_id"] for answer in answers} == {attempt.pk}
    assert attempt.gateway_trans_id == request["click_trans_id"]
    assert attempt.status == "prepared"
    assert ClickCallback.objects.filter(stage="prepare").count() == CONCURRENCY
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_completes_of_different_attempts_at_once_pay_exactly_once(live_server, payment):
    prepare_url, complete_url = _urls(live_server)
    requests = []
    for _ in range(CONCURRENCY):
        prepared = _prepare_fields(payment)
        answer = _post_once(prepare_url, prepared)
        assert answer["error"] == 0
        requests.append(_complete_fields(payment, prepared, answer["merchant_prepare_id"]))
    assert PaymentAttempt.objects.count() == CONCURRENCY

    answers = _fire_together("Complete of different attempts", complete_url, requests)

    # One attempt pays; every other attempt finds the payment already completed.
    assert Counter(answer["error"] for answer in answers) == {0: 1, -4: CONCURRENCY - 1}
    winner = next(answer for answer in answers if answer["error"] == 0)

    completed = PaymentAttempt.objects.get(status="completed")
    assert completed.pk == winner["merchant_confirm_id"]
    assert int(completed.gateway_trans_id) == winner["click_trans_id"]
    assert PaymentAttempt.objects.filter(status="prepared").count() == CONCURRENCY - 1

    payment.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    assert payment.status == PaymentStatus.COMPLETED
    assert auction.is_paid is True
    assert auction.status == AuctionStatus.SCHEDULED
    assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.PAID).count() == 1
