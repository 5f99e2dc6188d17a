"""Click in production on PostgreSQL: reconciliation, expiry, refunds and invoices,
against a fake Click Merchant API over real local HTTP."""

import itertools
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from auctions.errors import AuctionRuleError
from auctions.lifecycle import auction_cancel
from auctions.models import Auction, AuctionStatus
from clickuz.signing import sign_string
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
from fees.refunds import payment_refund_retry, refund_process, refund_process_task, refunds_process_due
from fees.selectors import fee_payments_of_auction
from fees.services import fee_initiate
from fees.services import fees_expire_due as payments_expire_due
from fees.tasks import fee_jobs_run
from fees_click.models import ClickInvoice, ClickInvoiceStatus
from fees_click.services import (
    click_jobs_run,
    invoices_check_due,
    payment_invoice_create,
    payment_reconcile,
    payments_reconcile_due,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TASHKENT = ZoneInfo("Asia/Tashkent")
_ids = itertools.count(5_200_000_001)


def _signed(payment: AuctionPayment, click_trans_id: str, *, action: int, **extra: str) -> dict[str, str]:
    sign_time = datetime.now(TASHKENT).strftime("%Y-%m-%d %H:%M:%S")
    fields = {
        "click_trans_id": click_trans_id,
        "service_id": "12345",
        "click_paydoc_id": "77",
        "merchant_trans_id": payment.merchant_trans_id,
        "amount": "50000.00",
        "action": str(action),
        "error": extra.pop("error", "0"),
        "error_note": "Success",
        "sign_time": sign_time,
        **extra,
    }
    fields["sign_string"] = sign_string(
        click_trans_id=click_trans_id,
        service_id="12345",
        secret_key="test-click-secret",
        merchant_trans_id=payment.merchant_trans_id,
        merchant_prepare_id=extra.get("merchant_prepare_id"),
        amount="50000.00",
        action=str(action),
        sign_time=sign_time,
    )
    return fields


def _post(url: str, fields: dict[str, str]) -> dict:
    return Client().post(url, urlencode(fields), content_type="application/x-www-form-urlencoded").json()


def click_prepare(payment: AuctionPayment) -> PaymentAttempt:
    """Click's real Prepare over the callback URL; its Complete never arrives."""
    click_trans_id = str(next(_ids))
    answer = _post("/api/auctions/click/prepare/", _signed(payment, click_trans_id, action=0))
    assert answer["error"] == 0, answer
    return PaymentAttempt.objects.get(pk=answer["merchant_prepare_id"])


def click_pay(payment: AuctionPayment) -> PaymentAttempt:
    attempt = click_prepare(payment)
    fields = _signed(payment, attempt.gateway_trans_id, action=1, merchant_prepare_id=str(attempt.pk))
    assert _post("/api/auctions/click/complete/", fields)["error"] == 0
    attempt.refresh_from_db()
    return attempt


def _day(payment: AuctionPayment) -> str:
    return timezone.localdate(payment.created_at).isoformat()


@pytest.fixture
def due_now(settings):
    settings.CLICK_RECONCILE_AFTER_SECONDS = 0


# --- Reconciliation --------------------------------------------------------------


def test_paid_at_click_completes_the_payment_and_activates_the_auction(click_merchant, payment, due_now):
    attempt = click_prepare(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=2)

    [result] = payments_reconcile_due()

    assert result.outcome == "paid"
    payment.refresh_from_db()
    attempt.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    assert payment.status == PaymentStatus.COMPLETED and attempt.status == AttemptStatus.COMPLETED
    assert auction.is_paid and auction.status == AuctionStatus.SCHEDULED
    event = PaymentEvent.objects.get(payment=payment, kind=PaymentEvent.Kind.RECONCILED)
    assert event.data["outcome"] == "paid"
    asked = [r.path for r in click_merchant.requests]
    assert asked == [
        f"/payment/status_by_mti/12345/{payment.merchant_trans_id}/{_day(payment)}",
        f"/payment/status/12345/{attempt.gateway_trans_id}",
    ]
    # Idempotent: the next run has nothing to settle and asks Click nothing.
    click_merchant.requests.clear()
    assert payments_reconcile_due() == []
    assert click_merchant.requests == []


def test_paid_at_click_without_any_callback_creates_no_attempt(click_merchant, payment):
    # Changed: reconciliation used to invent an attempt from status_by_mti's payment_id (the bug).
    click_merchant.add_payment(6_000_000_001, payment.merchant_trans_id, _day(payment), status=2)

    result = payment_reconcile(payment_id=payment.pk)

    assert result.outcome == "nothing_to_do"
    assert not PaymentAttempt.objects.filter(payment=payment).exists()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not Auction.objects.get(pk=payment.auction_id).is_paid


def test_failed_at_click_cancels_the_attempt_and_leaves_the_fee_payable(click_merchant, payment, due_now):
    attempt = click_prepare(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=-5017)

    [result] = payments_reconcile_due()

    assert result.outcome == "failed"
    attempt.refresh_from_db()
    payment.refresh_from_db()
    assert attempt.status == AttemptStatus.CANCELLED and attempt.gateway_error == -5017
    assert payment.status == PaymentStatus.PENDING
    assert Auction.objects.get(pk=payment.auction_id).status == AuctionStatus.PENDING_PAYMENT
    assert payments_reconcile_due() == []  # settled: not asked again


@pytest.mark.parametrize("click_state", ["processing", "unknown_to_click", "click_down"])
def test_an_unclear_answer_changes_nothing_and_is_retried(click_merchant, payment, due_now, click_state):
    attempt = click_prepare(payment)
    if click_state == "processing":
        click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=1)
    elif click_state == "click_down":
        click_merchant.fail_next = 100

    [result] = payments_reconcile_due()

    assert result.outcome == "unknown"
    attempt.refresh_from_db()
    payment.refresh_from_db()
    assert attempt.status == AttemptStatus.PREPARED and payment.status == PaymentStatus.PENDING
    assert PaymentEvent.objects.filter(payment=payment, kind=PaymentEvent.Kind.RECONCILE_UNKNOWN).count() == 1
    click_merchant.fail_next = 0
    assert len(payments_reconcile_due()) == 1  # still due: asked again next run
    if click_state != "click_down":
        # The same unclear answer again is not recorded twice.
        assert PaymentEvent.objects.filter(payment=payment, kind=PaymentEvent.Kind.RECONCILE_UNKNOWN).count() == 1


def test_the_job_stops_asking_about_week_old_attempts(click_merchant, payment, due_now):
    attempt = click_prepare(payment)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert payments_reconcile_due() == []
    assert click_merchant.requests == []
    assert payment_reconcile(payment_id=payment.pk).outcome == "unknown"  # an operator can still ask


def test_a_fresh_attempt_is_left_to_its_complete(click_merchant, payment, settings):
    settings.CLICK_RECONCILE_AFTER_SECONDS = 600
    click_prepare(payment)
    assert payments_reconcile_due() == []
    assert click_merchant.requests == []


def test_recheck_of_a_completed_payment_confirms_it_and_changes_nothing(click_merchant, payment):
    attempt = click_pay(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=2)
    assert payment_reconcile(payment_id=payment.pk).outcome == "confirmed"
    assert payment_reconcile(payment_id=payment.pk).outcome == "confirmed"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert click_merchant.calls("DELETE") == []


# --- Expiry ------------------------------------------------------------------------


def test_an_unpaid_payment_expires_and_a_new_one_can_be_initiated(payment, settings):
    settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = 3600
    assert payments_expire_due() == 0
    settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = 0

    assert payments_expire_due() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert PaymentEvent.objects.filter(payment=payment, kind=PaymentEvent.Kind.EXPIRED).exists()
    # Click's Prepare for the expired order is refused with -9.
    answer = _post("/api/auctions/click/prepare/", _signed(payment, str(next(_ids)), action=0))
    assert answer["error"] == -9

    settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = 3600
    auction = Auction.objects.get(pk=payment.auction_id)
    fresh = fee_initiate(auction_id=auction.pk, user=auction.seller)
    assert fresh.pk != payment.pk and fresh.status == PaymentStatus.PENDING
    assert fee_payments_of_auction(auction).open_payment == fresh


def test_initiate_replaces_an_expired_payment_even_before_the_job_runs(payment, settings):
    settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = 0
    auction = Auction.objects.get(pk=payment.auction_id)
    assert fee_payments_of_auction(auction).open_payment is None  # the page offers the pay button
    fresh = fee_initiate(auction_id=auction.pk, user=auction.seller)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED and fresh.status == PaymentStatus.PENDING


def test_a_payment_with_an_attempt_in_flight_does_not_expire(payment, settings):
    click_prepare(payment)
    settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = 0
    assert payments_expire_due() == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


# --- Refunds -----------------------------------------------------------------------


def _paid_then_cancelled(payment: AuctionPayment, click_merchant, **fake) -> PaymentAttempt:
    attempt = click_pay(payment)
    registered = click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment))
    for name, value in fake.items():
        setattr(registered, name, value)
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)  # before the start: the fee goes back
    return attempt


def _refund(payment: AuctionPayment) -> FeeRefund:
    return FeeRefund.objects.get(payment=payment)


def test_a_cancelled_paid_auction_is_refunded_on_commit(click_merchant, payment):
    attempt = _paid_then_cancelled(payment, click_merchant)

    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.REFUNDED and not payment.needs_refund
    assert payment.refunded_at is not None
    assert click_merchant.payments[int(attempt.gateway_trans_id)].reversed
    assert [r.path for r in click_merchant.calls("DELETE")] == [f"/payment/reversal/12345/{attempt.gateway_trans_id}"]
    assert PaymentEvent.objects.filter(payment=payment, kind=PaymentEvent.Kind.REFUNDED).count() == 1
    refund = _refund(payment)
    assert refund.state == RefundState.DONE and refund.sends == 1 and refund.reason == "auction_cancelled"
    # The periodic job and a repeated task change nothing and send nothing.
    assert refunds_process_due() == 0
    refund_process(refund_id=refund.pk)
    assert refund_process_task(refund.pk) == RefundState.DONE
    assert len(click_merchant.calls("DELETE")) == 1


def test_a_failed_reversal_stays_flagged_with_the_reason(click_merchant, payment, settings):
    settings.CLICK_REFUND_MAX_ATTEMPTS = 2
    _paid_then_cancelled(payment, click_merchant, reversal_error=(-4045, "Reversal is allowed in the current month"))

    payment.refresh_from_db()
    assert payment.needs_refund and payment.refund_status == RefundStatus.FAILED
    assert "-4045" in payment.refund_note and "current month" in payment.refund_note
    assert payment.refund_attempts == 1
    assert _refund(payment).state == RefundState.FAILED
    # Changed: a definite refusal is final for the job (it used to re-send up to the limit); an operator retries.
    refunds_process_due()
    fee_jobs_run()
    payment.refresh_from_db()
    assert payment.refund_attempts == 1 and payment.needs_refund
    assert len(click_merchant.calls("DELETE")) == 1
    operator = Auction.objects.get(pk=payment.auction_id).seller
    [still] = payment_refund_retry(payment_id=payment.pk, actor=operator)
    assert still.state == RefundState.FAILED and len(click_merchant.calls("DELETE")) == 2
    # The operator's retry (admin action) goes through once Click allows it.
    attempt = PaymentAttempt.objects.get(payment=payment)
    click_merchant.payments[int(attempt.gateway_trans_id)].reversal_error = None
    [done] = payment_refund_retry(payment_id=payment.pk, actor=operator)
    assert done.state == RefundState.DONE
    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.REFUNDED and not payment.needs_refund
    assert payment.refund_attempts == 3 and len(click_merchant.calls("DELETE")) == 3


def test_without_the_merchant_api_a_refund_waits_flagged(payment, settings):
    assert settings.CLICK_MERCHANT_API_URL == ""
    attempt = click_pay(payment)
    assert attempt.status == AttemptStatus.COMPLETED
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    payment.refresh_from_db()
    assert payment.needs_refund and payment.refund_status == RefundStatus.FAILED
    assert "CLICK_MERCHANT_API_URL" in payment.refund_note


def test_a_refund_that_could_not_run_is_picked_up_by_the_job(click_merchant, payment, monkeypatch):
    # The on-commit task is lost (a broker outage): the fee job is the backstop. (Without the
    # Merchant API the refund is now refused outright and waits for an operator: see above.)
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(refunds.refund_process_task, "delay", broker_down)
    attempt = click_pay(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment))
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    payment.refresh_from_db()
    assert payment.needs_refund and payment.refund_attempts == 0 and click_merchant.requests == []
    assert _refund(payment).state == RefundState.REQUESTED

    assert fee_jobs_run()["refunded"] == 1
    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.REFUNDED and not payment.needs_refund
    assert click_merchant.payments[int(attempt.gateway_trans_id)].reversed
    assert fee_jobs_run()["refunded"] == 0 and len(click_merchant.calls("DELETE")) == 1


# --- Invoice by phone ---------------------------------------------------------------


def test_invoice_by_phone_is_followed_until_paid(click_merchant, auction):
    invoice = payment_invoice_create(auction_id=auction.pk, user=auction.seller, phone="+998 90 111 22 33")
    payment = invoice.payment
    sent = click_merchant.calls("POST")[0].body
    assert sent["phone_number"] == "998901112233" and sent["merchant_trans_id"] == payment.merchant_trans_id
    assert invoice.status == ClickInvoiceStatus.WAITING and invoice.invoice_id

    assert invoices_check_due() == 0  # not paid yet
    # Changed: the payer's Prepare reached us (its Complete did not); reconciliation settles that
    # attempt. It used to invent an attempt from the invoice's payment alone (the bug).
    attempt = click_prepare(payment)
    click_merchant.invoices[invoice.invoice_id].invoice_status = 2
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=2)
    assert invoices_check_due() == 1

    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.status == ClickInvoiceStatus.PAID
    assert payment.status == PaymentStatus.COMPLETED and Auction.objects.get(pk=auction.pk).is_paid


def test_an_invoice_cancelled_at_click_stops_being_followed(click_merchant, auction):
    invoice = payment_invoice_create(auction_id=auction.pk, user=auction.seller, phone="+998901112233")
    click_merchant.invoices[invoice.invoice_id].invoice_status = -99
    assert invoices_check_due() == 1
    invoice.refresh_from_db()
    assert invoice.status == ClickInvoiceStatus.FAILED and invoice.click_status == -99
    asked = len(click_merchant.requests)
    assert invoices_check_due() == 0 and len(click_merchant.requests) == asked
    invoice.payment.refresh_from_db()
    assert invoice.payment.status == PaymentStatus.PENDING  # the fee can still be paid another way


def test_invoice_refused_by_click_is_reported(click_merchant, auction):
    click_merchant.invoice_error = (-511, "Phone number is not registered in Click")
    with pytest.raises(AuctionRuleError, match="Phone number is not registered"):
        payment_invoice_create(auction_id=auction.pk, user=auction.seller, phone="+998901112233")
    assert ClickInvoice.objects.get().status == ClickInvoiceStatus.ERROR


def test_invoice_only_for_the_seller_and_a_valid_phone(click_merchant, auction, buyer):
    with pytest.raises(AuctionRuleError):
        payment_invoice_create(auction_id=auction.pk, user=buyer, phone="+998901112233")
    with pytest.raises(AuctionRuleError):
        payment_invoice_create(auction_id=auction.pk, user=auction.seller, phone="12")
    assert not ClickInvoice.objects.exists() and click_merchant.requests == []


# --- The periodic job ------------------------------------------------------------------


def test_the_auction_jobs_loop_runs_the_click_jobs(click_merchant, payment, due_now, capsys):
    attempt = click_prepare(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=2)
    call_command("auction_jobs")
    assert "click_jobs: reconciled 1" in capsys.readouterr().out
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert click_jobs_run() == {"reconciled": 0, "invoices": 0}
    assert fee_jobs_run() == {"expired": 0, "cancelled_settled": 0, "refunded": 0}


def test_beat_schedule_runs_the_click_jobs(settings):
    from config.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["click-jobs"]["task"] == "fees_click.tasks.click_jobs"
    assert settings.CELERY_BEAT_SCHEDULE["fee-jobs"]["task"] == "fees.tasks.fee_jobs"
    app.loader.import_default_modules()
    assert "fees_click.tasks.click_jobs" in app.tasks
    assert "fees.tasks.fee_jobs" in app.tasks
    assert "fees.tasks.refund_process" in app.tasks


def test_expired_then_reinitiated_payment_can_be_paid(payment, settings):
    settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = 0
    payments_expire_due()
    settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = 3600
    auction = Auction.objects.get(pk=payment.auction_id)
    fresh = fee_initiate(auction_id=auction.pk, user=auction.seller)
    click_pay(fresh)
    auction.refresh_from_db()
    assert auction.is_paid and timezone.now() < auction.starts_at + timedelta(hours=2)
