"""Refunds and reconciliation against a fake Click Merchant API over real local HTTP (PostgreSQL).

A reversal whose answer is lost (timeout, 5xx, dropped connection) after Click applied it is
never sent again: the refund is `unknown` until payment/status settles it.
"""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from auctions.lifecycle import auction_cancel
from auctions.models import Auction, AuctionStatus
from fees import refunds
from fees.models import (
    AttemptStatus,
    AuctionPayment,
    FeeRefund,
    PaymentAttempt,
    PaymentEvent,
    PaymentStatus,
    RefundState,
    RefundStatus,
)
from fees.refunds import refund_process_task, refunds_process_due
from fees.services import FeeCode, fee_attempt_paid_at_gateway
from fees_click.services import payment_reconcile, payments_reconcile_due
from tests.test_click_jobs import TASHKENT, _day, _ids, _post, _signed, click_pay, click_prepare
from tests.test_click_jobs_concurrency import _together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_down(monkeypatch):
    """The after-commit task is lost: the refund waits `requested` for whoever runs it."""

    def lost(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(refunds.refund_process_task, "delay", lost)


def _paid_and_cancelled(payment: AuctionPayment, click_merchant) -> PaymentAttempt:
    attempt = click_pay(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment))
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)  # before its start: the fee goes back
    return attempt


@pytest.mark.parametrize("fault", ["timeout", "5xx", "dropped"])
def test_a_reversal_lost_after_click_applied_it_is_sent_exactly_once(
    click_merchant, payment, settings, broker_down, fault
):
    settings.CLICK_MERCHANT_API_TIMEOUT = 0.5
    if fault == "timeout":
        click_merchant.reversal_delay = 1.5
    elif fault == "5xx":
        click_merchant.reversal_http_status = 502
    else:
        click_merchant.reversal_drop = True
    attempt = _paid_and_cancelled(payment, click_merchant)
    refund = FeeRefund.objects.get(payment=payment)
    assert refund.state == RefundState.REQUESTED and click_merchant.calls("DELETE") == []

    # Two overlapping job runs and the (redelivered) task, all at once: one sends, the others
    # see it `sending` or `unknown` and never send again.
    _together([refunds_process_due, refunds_process_due, lambda: refund_process_task(refund.pk)])
    refund_process_task(refund.pk)  # a redelivery after the fact
    for _ in range(4):
        refunds_process_due()

    assert len(click_merchant.calls("DELETE")) == 1
    assert click_merchant.payments[int(attempt.gateway_trans_id)].reversed
    refund.refresh_from_db()
    assert refund.state == RefundState.DONE and refund.sends == 1
    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.REFUNDED and not payment.needs_refund
    assert PaymentEvent.objects.filter(payment=payment, kind=PaymentEvent.Kind.REFUNDED).count() == 1
    # The lost answer was recorded as unknown, and settled by asking payment/status.
    assert PaymentEvent.objects.filter(payment=payment, kind=PaymentEvent.Kind.REFUND_UNKNOWN).count() == 1
    assert click_merchant.calls("GET")[-1].path.startswith("/payment/status/12345/")


def test_a_lost_reversal_sent_on_commit_is_settled_by_asking(click_merchant, payment, settings):
    settings.CLICK_MERCHANT_API_TIMEOUT = 0.5
    click_merchant.reversal_delay = 1.5
    _paid_and_cancelled(payment, click_merchant)  # the after-commit task sends, and times out
    refund = FeeRefund.objects.get(payment=payment)
    assert refund.state == RefundState.UNKNOWN and len(click_merchant.calls("DELETE")) == 1
    payment.refresh_from_db()
    assert payment.needs_refund and payment.refund_status == RefundStatus.NONE  # not "failed": it may have moved

    assert refunds_process_due() == 1
    assert refunds_process_due() == 0
    refund.refresh_from_db()
    assert refund.state == RefundState.DONE and len(click_merchant.calls("DELETE")) == 1


def test_still_charged_after_a_lost_reversal_is_sent_again_only_after_the_recheck_delay(
    click_merchant, payment, settings
):
    settings.FEE_REFUND_RECHECK_AFTER_SECONDS = 600
    click_merchant.reversal_http_status = 503
    click_merchant.reversal_applies = False  # Click failed before applying it
    attempt = _paid_and_cancelled(payment, click_merchant)
    refund = FeeRefund.objects.get(payment=payment)
    assert refund.state == RefundState.UNKNOWN

    # Click says "still paid" right after: it may not have applied the reversal yet. Wait.
    refunds_process_due()
    refund.refresh_from_db()
    assert refund.state == RefundState.UNKNOWN and len(click_merchant.calls("DELETE")) == 1

    FeeRefund.objects.filter(pk=refund.pk).update(sent_at=timezone.now() - timedelta(seconds=601))
    click_merchant.reversal_http_status = None
    click_merchant.reversal_applies = True
    refunds_process_due()  # still paid long after the send: requested again
    refund.refresh_from_db()
    assert refund.state == RefundState.REQUESTED
    refunds_process_due()
    refund.refresh_from_db()
    assert refund.state == RefundState.DONE and refund.sends == 2
    assert len(click_merchant.calls("DELETE")) == 2
    assert click_merchant.payments[int(attempt.gateway_trans_id)].reversed


def test_a_cancelled_fee_charged_at_click_is_recorded_paid_and_reversed_once(click_merchant, payment, settings):
    settings.CLICK_RECONCILE_AFTER_SECONDS = 0
    attempt = click_prepare(payment)  # Click charged the payer; its Complete never reached us
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=2)
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED

    [result] = payments_reconcile_due()

    assert result.outcome == "paid"
    payment.refresh_from_db()
    attempt.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED and attempt.status == AttemptStatus.COMPLETED
    assert attempt.gateway_payment_id == attempt.gateway_trans_id
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.CANCELLED
    assert PaymentEvent.objects.filter(payment=payment, kind=PaymentEvent.Kind.PAID_TOO_LATE).count() == 1
    refund = FeeRefund.objects.get(payment=payment)
    assert refund.state == RefundState.DONE and refund.reason == "auction_cannot_run"
    # Nothing more: the attempt is settled, the refund is done.
    assert payments_reconcile_due() == []
    assert refunds_process_due() == 0
    payment_reconcile(payment_id=payment.pk)
    assert [r.path for r in click_merchant.calls("DELETE")] == [f"/payment/reversal/12345/{attempt.gateway_trans_id}"]
    assert FeeRefund.objects.filter(payment=payment).count() == 1
    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.REFUNDED and not payment.needs_refund


def _prepare_with_paydoc(payment: AuctionPayment, paydoc_id: str) -> PaymentAttempt:
    answer = _post(
        "/api/auctions/click/prepare/", _signed(payment, str(next(_ids)), action=0, click_paydoc_id=paydoc_id)
    )
    assert answer["error"] == 0, answer
    return PaymentAttempt.objects.get(pk=answer["merchant_prepare_id"])


@pytest.mark.parametrize("click_id", ["click_trans_id", "click_paydoc_id"])
def test_clicks_payment_id_is_matched_by_trans_id_or_paydoc_id(click_merchant, payment, click_id):
    attempt = _prepare_with_paydoc(payment, str(next(_ids) + 10_000_000))
    click_payment_id = attempt.gateway_trans_id if click_id == "click_trans_id" else attempt.gateway_paydoc_id
    assert attempt.gateway_trans_id != attempt.gateway_paydoc_id
    click_merchant.add_payment(int(click_payment_id), payment.merchant_trans_id, _day(payment), status=2)

    assert payment_reconcile(payment_id=payment.pk).outcome == "paid"

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.COMPLETED and attempt.gateway_payment_id == click_payment_id
    assert click_merchant.calls("GET")[-1].path == f"/payment/status/12345/{click_payment_id}"
    assert PaymentAttempt.objects.filter(payment=payment).count() == 1
    # The refund reverses the payment Click knows, by that id.
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    assert [r.path for r in click_merchant.calls("DELETE")] == [f"/payment/reversal/12345/{click_payment_id}"]
    assert FeeRefund.objects.get(payment=payment).state == RefundState.DONE


def test_a_payment_id_matching_no_id_of_the_attempt_settles_nothing(click_merchant, payment):
    attempt = _prepare_with_paydoc(payment, str(next(_ids) + 10_000_000))
    click_merchant.add_payment(9_999_999_999, payment.merchant_trans_id, _day(payment), status=2)

    result = payment_reconcile(payment_id=payment.pk)

    assert result.outcome == "unknown" and "matches no id" in result.detail
    attempt.refresh_from_db()
    payment.refresh_from_db()
    assert attempt.status == AttemptStatus.PREPARED and not attempt.gateway_payment_id
    assert payment.status == PaymentStatus.PENDING
    assert not any(r.path.startswith("/payment/status/") for r in click_merchant.calls("GET"))


@pytest.mark.parametrize(("clock", "asked_next_day"), [(time(23, 50), True), (time(23, 0), False)])
def test_status_by_mti_is_asked_for_the_next_day_near_midnight(click_merchant, payment, clock, asked_next_day):
    attempt = click_prepare(payment)
    day = timezone.localdate() - timedelta(days=2)
    created = datetime.combine(day, clock, tzinfo=TASHKENT)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(created_at=created)
    next_day = (day + timedelta(days=1)).isoformat()
    # Click dated the payment the next day (its clock had passed midnight).
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, next_day, status=2)

    result = payment_reconcile(payment_id=payment.pk)

    by_mti = [r.path for r in click_merchant.calls("GET") if "/status_by_mti/" in r.path]
    mti = payment.merchant_trans_id
    if asked_next_day:
        assert result.outcome == "paid"
        assert by_mti == [
            f"/payment/status_by_mti/12345/{mti}/{day.isoformat()}",
            f"/payment/status_by_mti/12345/{mti}/{next_day}",
        ]
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.COMPLETED
    else:
        assert result.outcome == "unknown"
        assert by_mti == [f"/payment/status_by_mti/12345/{mti}/{day.isoformat()}"]


def test_no_row_lock_is_held_while_the_reversal_is_in_flight(click_merchant, payment, settings, broker_down):
    """A Click callback for the payment arriving during a slow reversal must not wait for it:
    while the fake Click holds the DELETE, the payment, its auction and the refund can be locked
    at once (NOWAIT) from another connection."""
    import threading

    from django.db import connection, transaction

    settings.CLICK_MERCHANT_API_TIMEOUT = 5
    click_merchant.reversal_delay = 1.0
    _paid_and_cancelled(payment, click_merchant)
    refund = FeeRefund.objects.get(payment=payment)
    sender = threading.Thread(target=lambda: (refund_process_task(refund.pk), connection.close()))
    sender.start()
    deadline = timezone.now() + timedelta(seconds=5)
    while not click_merchant.calls("DELETE") and timezone.now() < deadline:
        pass
    assert click_merchant.calls("DELETE"), "the reversal was not sent"
    with transaction.atomic():  # the DELETE is in flight now
        assert AuctionPayment.objects.select_for_update(nowait=True).filter(pk=payment.pk).exists()
        assert Auction.objects.select_for_update(nowait=True).filter(pk=payment.auction_id).exists()
        assert FeeRefund.objects.select_for_update(nowait=True).filter(pk=refund.pk).exists()
    sender.join(10)
    refund.refresh_from_db()
    assert refund.state == RefundState.DONE and len(click_merchant.calls("DELETE")) == 1


def test_a_refund_done_does_not_hide_another_that_failed(click_merchant, payment, make_user):
    """Charged twice, then cancelled: two refunds. The payment row says "failed" and
    "needs refund" while either is open, and the operator's retry sends only the failed one."""
    first = click_prepare(payment)
    second = click_prepare(payment)
    click_pay_attempt = _signed(payment, first.gateway_trans_id, action=1, merchant_prepare_id=str(first.pk))
    assert _post("/api/auctions/click/complete/", click_pay_attempt)["error"] == 0
    click_merchant.add_payment(int(first.gateway_trans_id), payment.merchant_trans_id, _day(payment))
    refused = click_merchant.add_payment(int(second.gateway_trans_id), payment.merchant_trans_id, _day(payment))
    refused.reversal_error = (-5017, "Reversal not allowed")

    # Click's records show the second attempt charged too: it goes back, and Click refuses.
    decision = fee_attempt_paid_at_gateway(
        payment_id=payment.pk, attempt_id=second.pk, gateway_payment_id=second.gateway_trans_id
    )
    assert decision.code == FeeCode.ALREADY_PAID
    assert FeeRefund.objects.get(attempt=second).state == RefundState.FAILED
    # The seller cancels before the start: the first charge goes back, and Click applies it.
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    assert FeeRefund.objects.get(attempt=first).state == RefundState.DONE

    payment.refresh_from_db()
    assert payment.needs_refund and payment.refund_status == RefundStatus.FAILED
    assert "Reversal not allowed" in payment.refund_note and payment.refunded_at is None
    assert AuctionPayment.objects.filter(needs_refund=True, pk=payment.pk).exists()  # the admin's retry finds it

    refused.reversal_error = None
    operator = make_user(is_staff=True, is_superuser=True)
    retried = refunds.payment_refund_retry(payment_id=payment.pk, actor=operator)

    assert [r.attempt_id for r in retried] == [second.pk] and retried[0].state == RefundState.DONE
    assert sorted(r.path for r in click_merchant.calls("DELETE")) == sorted(
        [f"/payment/reversal/12345/{first.gateway_trans_id}"]
        + [f"/payment/reversal/12345/{second.gateway_trans_id}"] * 2
    )
    payment.refresh_from_db()
    assert not payment.needs_refund and payment.refund_status == RefundStatus.REFUNDED
    assert payment.refunded_at is not None and payment.refund_attempts == 3
