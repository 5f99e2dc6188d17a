"""Concurrent Payme calls over real HTTP against a live server, on PostgreSQL
(merchant-api.md §4–§6).

Payme repeats calls when an answer is late (its sandbox sends Create, Perform and
Cancel twice), so copies arrive at the same moment. Each test fires its requests from
separate threads released together by a barrier; every request is handled in its own
server thread with its own PostgreSQL connection, so only the row locks and the
database constraints keep the outcome right."""

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import httpx
import pytest
from django.utils import timezone

from auctions.models import Auction, AuctionEvent, AuctionStatus
from clickuz.protocol import Action
from clickuz.simulator import callback_fields_signed
from fees.models import AttemptStatus, AuctionPayment, FeeRefund, PaymentAttempt, PaymentStatus
from fees.services import fee_initiate
from fees_payme.models import PaymeTransaction
from paymeuz.protocol import authorization_header
from tests.payme import FEE_TIYIN, KEY, account, now_ms, payme_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONCURRENCY = 12
CLICK_SERVICE_ID = "12345"
CLICK_SECRET = "test-click-secret"


def _headers() -> dict[str, str]:
    return {"Authorization": authorization_header(KEY), "Content-Type": "text/json; charset=UTF-8"}


def _body(method: str, params: dict, request_id: int = 1) -> bytes:
    return json.dumps({"method": method, "params": params, "id": request_id}).encode()


def _call(url: str, method: str, params: dict) -> dict:
    with httpx.Client(timeout=30.0) as client:
        response = client.post(url, content=_body(method, params), headers=_headers())
    assert response.status_code == 200
    return response.json()


def _fire_together(label: str, sends: list) -> list:
    """Run every `send()` at once, each from its own thread; return the answers in order."""
    barrier = Barrier(len(sends))

    def run(send):
        barrier.wait(timeout=30)
        return send()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        answers = list(pool.map(run, sends))
    print(f"\n[{label}] {len(sends)} requests in {time.monotonic() - started:.3f}s")
    return answers


def _post_raw(url: str, body: bytes):
    def send() -> bytes:
        with httpx.Client(timeout=30.0) as client:
            response = client.post(url, content=body, headers=_headers())
        assert response.status_code == 200
        return response.content

    return send


def _endpoint(live_server) -> str:
    return f"{live_server.url}/api/auctions/payme/"


def _create(url: str, payment: AuctionPayment) -> str:
    tid = payme_id()
    params = {"id": tid, "time": now_ms(), "amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)}
    answer = _call(url, "CreateTransaction", params)
    assert answer["result"]["state"] == 1, answer
    return tid


def test_identical_performs_at_once_answer_alike_and_pay_once(live_server, payment):
    url = _endpoint(live_server)
    tid = _create(url, payment)
    body = _body("PerformTransaction", {"id": tid}, 77)

    answers = [json.loads(raw) for raw in _fire_together("identical Perform", [_post_raw(url, body)] * CONCURRENCY)]

    assert all(answer == answers[0] for answer in answers), Counter(json.dumps(a) for a in answers)
    assert answers[0]["result"]["state"] == 2
    txn = PaymeTransaction.objects.get()
    assert answers[0]["result"] == {"transaction": str(txn.attempt_id), "perform_time": txn.perform_time, "state": 2}
    payment.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    assert payment.status == PaymentStatus.COMPLETED
    assert auction.is_paid and auction.status == AuctionStatus.SCHEDULED
    assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.PAID).count() == 1
    assert PaymentAttempt.objects.filter(status=AttemptStatus.COMPLETED).count() == 1


def test_identical_creates_at_once_store_one_transaction(live_server, payment):
    url = _endpoint(live_server)
    params = {"id": payme_id(), "time": now_ms(), "amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)}
    body = _body("CreateTransaction", params, 5)

    answers = _fire_together("identical Create", [_post_raw(url, body)] * CONCURRENCY)

    assert len(set(answers)) == 1, answers  # byte for byte
    assert json.loads(answers[0])["result"]["state"] == 1
    assert PaymeTransaction.objects.count() == 1 and PaymentAttempt.objects.count() == 1


def test_creates_with_different_ids_at_once_let_exactly_one_hold_the_order(live_server, payment):
    url = _endpoint(live_server)
    ids = [payme_id() for _ in range(CONCURRENCY)]

    def create(tid: str):
        def send() -> dict:
            params = {"id": tid, "time": now_ms(), "amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)}
            return _call(url, "CreateTransaction", params)

        return send

    answers = _fire_together("Creates, different ids", [create(tid) for tid in ids])

    codes = Counter(answer["error"]["code"] if "error" in answer else answer["result"]["state"] for answer in answers)
    print(f"answers: {dict(codes)}")
    assert codes == {1: 1, -31053: CONCURRENCY - 1}
    holder = ids[next(i for i, answer in enumerate(answers) if "result" in answer)]
    assert list(PaymeTransaction.objects.values_list("payme_id", "state")) == [(holder, 1)]
    assert PaymentAttempt.objects.filter(status=AttemptStatus.PREPARED, hold_until__isnull=False).count() == 1


def test_identical_refund_cancels_at_once_refund_once(live_server, payment):
    url = _endpoint(live_server)
    tid = _create(url, payment)
    assert _call(url, "PerformTransaction", {"id": tid})["result"]["state"] == 2
    body = _body("CancelTransaction", {"id": tid, "reason": 5}, 9)

    answers = _fire_together("identical Cancel after Perform", [_post_raw(url, body)] * CONCURRENCY)

    assert len(set(answers)) == 1, answers
    assert json.loads(answers[0])["result"]["state"] == -2
    assert FeeRefund.objects.count() == 1
    auction = Auction.objects.get(pk=payment.auction_id)
    assert auction.status == AuctionStatus.PENDING_PAYMENT and not auction.is_paid
    assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.FEE_REFUNDED).count() == 1


def test_perform_and_cancel_at_once_agree_with_the_database(live_server, listing, make_listing, make_auction):
    url = _endpoint(live_server)
    outcomes = Counter()
    for i in range(4):
        auction = make_auction(listing if i == 0 else make_listing(listing.seller))
        payment = fee_initiate(auction_id=auction.pk, user=listing.seller)
        tid = _create(url, payment)
        perform, cancel = _fire_together(
            "Perform and Cancel",
            [
                lambda tid=tid: _call(url, "PerformTransaction", {"id": tid}),
                lambda tid=tid: _call(url, "CancelTransaction", {"id": tid, "reason": 3}),
            ],
        )
        txn = PaymeTransaction.objects.get(payme_id=tid)
        payment.refresh_from_db()
        auction.refresh_from_db()
        if "result" in perform:
            # Performed first: the cancel was a refund before the start.
            assert cancel["result"]["state"] == -2 and txn.state == -2
            assert payment.status == PaymentStatus.CANCELLED and not auction.is_paid
            outcomes["performed, then refunded"] += 1
        else:
            assert perform["error"]["code"] == -31008
            assert cancel["result"]["state"] == -1 and txn.state == -1
            assert payment.status == PaymentStatus.PENDING and not auction.is_paid
            outcomes["cancelled, perform refused"] += 1
    print(f"outcomes: {dict(outcomes)}")


def _click(payment: AuctionPayment, click_trans_id: str, merchant_prepare_id: int | None = None) -> dict[str, str]:
    return callback_fields_signed(
        action=Action.PREPARE if merchant_prepare_id is None else Action.COMPLETE,
        click_trans_id=click_trans_id,
        service_id=CLICK_SERVICE_ID,
        secret_key=CLICK_SECRET,
        merchant_trans_id=payment.merchant_trans_id,
        amount="50000.00",
        paydoc_id="7770001",
        merchant_prepare_id=None if merchant_prepare_id is None else str(merchant_prepare_id),
    )


def test_a_click_complete_and_a_payme_perform_at_once_pay_once(live_server, listing, make_listing, make_auction):
    """Click prepared, went quiet, and Payme took the order; then Click's Complete and Payme's
    Perform arrive together. One payment; Click is refused (-9 while Payme holds the order,
    -4 once it has paid), so Click gives its money back."""
    url = _endpoint(live_server)
    rounds = 5
    click_answers = Counter()
    for i in range(rounds):
        auction = make_auction(listing if i == 0 else make_listing(listing.seller))
        payment = fee_initiate(auction_id=auction.pk, user=listing.seller)
        click_trans_id = str(8_100_000_000 + i)
        with httpx.Client(timeout=30.0) as client:
            prepared = client.post(
                f"{live_server.url}/api/auctions/click/prepare/", data=_click(payment, click_trans_id)
            ).json()
        assert prepared["error"] == 0, prepared
        PaymentAttempt.objects.filter(gateway="click", payment=payment).update(
            created_at=timezone.now() - timedelta(hours=1)
        )
        tid = _create(url, payment)
        complete = _click(payment, click_trans_id, prepared["merchant_prepare_id"])

        def click_complete(complete: dict = complete) -> dict:
            with httpx.Client(timeout=30.0) as client:
                return client.post(f"{live_server.url}/api/auctions/click/complete/", data=complete).json()

        click_answer, payme_answer = _fire_together(
            "Click Complete and Payme Perform",
            [click_complete, lambda tid=tid: _call(url, "PerformTransaction", {"id": tid})],
        )
        click_answers[click_answer["error"]] += 1
        assert payme_answer["result"]["state"] == 2
        assert click_answer["error"] in (-9, -4), click_answer
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.COMPLETED
        assert list(payment.attempts.filter(status=AttemptStatus.COMPLETED).values_list("gateway", flat=True)) == [
            "payme"
        ]
        assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.PAID).count() == 1
    print(f"Click answers: {dict(click_answers)}")


def test_a_click_prepare_and_a_payme_create_at_once_let_one_gateway_in(
    live_server, listing, make_listing, make_auction
):
    url = _endpoint(live_server)
    outcomes = Counter()
    for i in range(5):
        auction = make_auction(listing if i == 0 else make_listing(listing.seller))
        payment = fee_initiate(auction_id=auction.pk, user=listing.seller)

        def click_prepare(payment: AuctionPayment = payment, i: int = i) -> dict:
            with httpx.Client(timeout=30.0) as client:
                fields = _click(payment, str(8_200_000_000 + i))
                return client.post(f"{live_server.url}/api/auctions/click/prepare/", data=fields).json()

        def payme_create(payment: AuctionPayment = payment) -> dict:
            params = {
                "id": payme_id(),
                "time": now_ms(),
                "amount": FEE_TIYIN,
                "account": account(payment.merchant_trans_id),
            }
            return _call(url, "CreateTransaction", params)

        click_answer, payme_answer = _fire_together("Click Prepare and Payme Create", [click_prepare, payme_create])
        click_in = click_answer["error"] == 0
        payme_in = "result" in payme_answer
        assert click_in != payme_in, (click_answer, payme_answer)
        if not click_in:
            assert click_answer["error"] == -9
        else:
            assert payme_answer["error"]["code"] == -31053
        outcomes["click" if click_in else "payme"] += 1
    print(f"which gateway got the order: {dict(outcomes)}")
