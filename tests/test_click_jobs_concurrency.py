"""Click jobs racing Click's callbacks and each other, on PostgreSQL row locks.

Each contender runs in its own thread with its own database connection,
released together by a barrier; callbacks go over real HTTP to a live server.
"""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from urllib.parse import urlencode

import httpx
import pytest
from django.db import connection

from auctions.lifecycle import auction_cancel
from auctions.models import Auction, AuctionEvent
from fees.models import AttemptStatus, AuctionPayment, FeeRefund, PaymentEvent, PaymentStatus, RefundState, RefundStatus
from fees.refunds import refund_process
from fees_click.services import payment_reconcile
from tests.test_click_jobs import _day, _signed, click_pay, click_prepare

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CONTENDERS = 6
FORM = "application/x-www-form-urlencoded"


def _together(jobs: list) -> list:
    barrier = Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=30)
            return job()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_reconciliation_racing_the_late_complete_pays_exactly_once(live_server, click_merchant, payment):
    attempt = click_prepare(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=2)
    complete = _signed(payment, attempt.gateway_trans_id, action=1, merchant_prepare_id=str(attempt.pk))
    url = f"{live_server.url}/api/auctions/click/complete/"

    def late_complete():
        with httpx.Client(timeout=30) as client:
            response = client.post(url, content=urlencode(complete), headers={"Content-Type": FORM})
        return response.json()["error"]

    def reconcile():
        return payment_reconcile(payment_id=payment.pk).outcome

    results = _together([late_complete, reconcile] * (CONTENDERS // 2))

    answers, outcomes = results[0::2], results[1::2]
    assert answers == [0] * (CONTENDERS // 2)  # every copy of the Complete: the same success
    assert set(outcomes) <= {"paid", "confirmed"}
    payment.refresh_from_db()
    attempt.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED and attempt.status == AttemptStatus.COMPLETED
    auction = Auction.objects.get(pk=payment.auction_id)
    assert auction.is_paid
    assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.PAID).count() == 1
    assert AuctionPayment.objects.filter(auction=auction, status=PaymentStatus.COMPLETED).count() == 1


def test_concurrent_refunds_reverse_once(click_merchant, payment, settings):
    fake_url = settings.CLICK_MERCHANT_API_URL
    settings.CLICK_MERCHANT_API_URL = ""  # the cancel's own on-commit refund waits: the contenders race instead
    attempt = click_pay(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment))
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    settings.CLICK_MERCHANT_API_URL = fake_url

    refund = FeeRefund.objects.get(payment=payment)
    assert refund.state == RefundState.FAILED  # refused: no Merchant API

    results = _together([lambda: refund_process(refund_id=refund.pk, retry=True).state] * CONTENDERS)

    # Changed: a contender that finds the refund being sent by another returns at once ("sending")
    # instead of waiting on the row lock through the other's HTTP call (no lock is held during it).
    assert RefundState.DONE in results and set(results) <= {RefundState.DONE, RefundState.SENDING}
    refund.refresh_from_db()
    assert refund.state == RefundState.DONE and refund.sends == 2
    assert len(click_merchant.calls("DELETE")) == 1
    assert PaymentEvent.objects.filter(payment=payment, kind=PaymentEvent.Kind.REFUNDED).count() == 1
    payment.refresh_from_db()
    assert not payment.needs_refund and payment.refund_status == RefundStatus.REFUNDED


def test_two_presses_of_send_invoice_at_once_send_one_invoice(click_merchant, payment):
    from auctions.errors import AuctionRuleError
    from fees_click.models import ClickInvoice
    from fees_click.services import payment_invoice_create

    seller = payment.auction.seller

    def press():
        try:
            return payment_invoice_create(auction_id=payment.auction_id, user=seller, phone="+998901112233")
        except AuctionRuleError as exc:
            return exc.code

    results = _together([press for _ in range(CONTENDERS)])
    assert sum(isinstance(r, ClickInvoice) for r in results) == 1
    assert sorted(r for r in results if isinstance(r, str)) == ["invoice_too_soon"] * (CONTENDERS - 1)
    assert ClickInvoice.objects.count() == 1 and len(click_merchant.calls("POST")) == 1
