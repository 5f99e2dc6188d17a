"""Click in production: settling the fee from Click's own records (Merchant API).

- Reconciliation: every Click attempt prepared but never completed, whatever
  became of its fee or auction since, is asked about: status_by_mti (on the
  attempt's Tashkent date, and the next day near midnight) gives Click's
  payment_id, matched to the attempt by click_trans_id or click_paydoc_id;
  payment/status then says whether the money moved. No attempt is ever created
  from a Merchant API answer.
- Refunds: the fee core's refund machine (fees.refunds) calls ClickRefunds to
  send a reversal or to ask whether one happened.
- Invoices: "send the invoice to my Click app" (invoice/create), followed until paid.

No row lock is held during any call to Click.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.phone import phone_normalize
from auctions.errors import AuctionRuleError
from clickuz.merchant import INVOICE_STATUS_PAID, PAYMENT_STATUS_PAID, ClickMerchantClient, MerchantResult
from core.jobs import jobs_run
from fees.gateways import GatewayAnswer, GatewayOutcome
from fees.models import AttemptStatus, AuctionPayment, FeeRefund, Gateway, PaymentAttempt, PaymentEvent, PaymentStatus
from fees.services import FeeCode, fee_attempt_failed_at_gateway, fee_attempt_paid_at_gateway, fee_initiate
from fees_click.models import ClickInvoice, ClickInvoiceStatus

logger = logging.getLogger("fees_click.jobs")

MERCHANT_API_OFF = "Click Merchant API is not configured (CLICK_MERCHANT_API_URL, CLICK_MERCHANT_USER_ID)"
# A seller may re-send an invoice, but not more often than this.
INVOICE_RESEND_AFTER = timedelta(seconds=60)
# The job stops asking Click about an attempt this old: click_doctor and the admin still show it.
RECONCILE_WINDOW = timedelta(days=7)
# Invoices are followed for this long; Click's own invoices expire sooner.
INVOICE_FOLLOW_FOR = timedelta(days=3)
# An attempt prepared this close to midnight (Tashkent) may be dated the next day at Click.
NEAR_MIDNIGHT = timedelta(minutes=30)


def _client() -> ClickMerchantClient:
    return ClickMerchantClient()


def _record(payment: AuctionPayment, kind: str, *, actor: User | None = None, **data: object) -> PaymentEvent:
    return PaymentEvent.objects.create(payment=payment, kind=kind, actor=actor, data=data)


def _invoice_paid(result: MerchantResult) -> int | None:
    """Click's documents name the invoice status both `invoice_status` and `status`: we read
    `invoice_status` first and fall back to `status`."""
    value = result.int_field("invoice_status")
    return value if value is not None else result.int_field("status")


# --- Reconciliation -------------------------------------------------------------


class Outcome:
    PAID = "paid"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NOTHING = "nothing_to_do"
    CONFIRMED = "confirmed"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class ReconcileResult:
    payment_id: int
    outcome: str
    detail: str


def attempt_click_days(attempt: PaymentAttempt) -> list[date]:
    """The Tashkent dates status_by_mti is asked with: the attempt's, and the next near midnight."""
    local = timezone.localtime(attempt.created_at)
    days = [local.date()]
    if (local + NEAR_MIDNIGHT).date() != local.date():
        days.append(local.date() + timedelta(days=1))
    return days


def attempts_due_for_reconcile(
    *, now: datetime | None = None, window: timedelta | None = None
) -> QuerySet[PaymentAttempt]:
    """Click attempts prepared but never completed, older than CLICK_RECONCILE_AFTER_SECONDS, whatever
    the fee's or the auction's status (and, with `window`, younger than that)."""
    now = now or timezone.now()
    attempts = PaymentAttempt.objects.filter(
        gateway=Gateway.CLICK,
        status=AttemptStatus.PREPARED,
        created_at__lte=now - timedelta(seconds=settings.CLICK_RECONCILE_AFTER_SECONDS),
    )
    return attempts.filter(created_at__gt=now - window) if window is not None else attempts


def _click_payment_id(client: ClickMerchantClient, payment: AuctionPayment, attempt: PaymentAttempt) -> tuple[str, str]:
    """Click's Merchant API payment_id for an attempt ("" when unknown) and what was learnt."""
    if attempt.gateway_payment_id:
        return attempt.gateway_payment_id, "known"
    notes = []
    for day in attempt_click_days(attempt):
        by_mti = client.payment_status_by_mti(
            merchant_trans_id=payment.merchant_trans_id, created_on=day, payment_ref=payment.merchant_trans_id
        )
        notes.append(f"{day:%Y-%m-%d}: {by_mti.summary}")
        payment_id = by_mti.int_field("payment_id") if by_mti.ok else None
        if payment_id is None:
            continue
        # Click's payment_id may be the callback's click_trans_id or its click_paydoc_id.
        if str(payment_id) in (attempt.gateway_trans_id, attempt.gateway_paydoc_id):
            return str(payment_id), "; ".join(notes)
        notes.append(f"payment_id {payment_id} matches no id of attempt {attempt.pk}")
    return "", "; ".join(notes)


def attempt_reconcile(*, attempt_id: int, actor: User | None = None) -> tuple[str, str]:
    """Ask Click about one prepared attempt and record what it says."""
    attempt = PaymentAttempt.objects.select_related("payment").get(pk=attempt_id)
    payment = attempt.payment
    client = _client()
    if not client.configured:
        return Outcome.UNKNOWN, MERCHANT_API_OFF
    if attempt.status != AttemptStatus.PREPARED:
        return Outcome.NOTHING, f"attempt {attempt.pk} is {attempt.status}"
    click_payment_id, learnt = _click_payment_id(client, payment, attempt)
    if not click_payment_id:
        return Outcome.UNKNOWN, f"attempt {attempt.gateway_trans_id}: no Click payment found ({learnt})"
    status = client.payment_status(payment_id=int(click_payment_id), payment_ref=payment.merchant_trans_id)
    payment_status = status.int_field("payment_status") if status.ok else None
    note = f"attempt {attempt.gateway_trans_id} → Click payment {click_payment_id}: payment_status={payment_status}"
    if payment_status == PAYMENT_STATUS_PAID:
        decision = fee_attempt_paid_at_gateway(
            payment_id=payment.pk,
            attempt_id=attempt.pk,
            gateway_payment_id=click_payment_id,
            note="paid at Click (reconciled)",
        )
        outcome = Outcome.PAID if decision.code in (FeeCode.OK, FeeCode.ALREADY_PAID) else Outcome.UNKNOWN
        return outcome, f"{note}; {decision.detail}".rstrip("; ")
    if payment_status is not None and payment_status < 0:
        fee_attempt_failed_at_gateway(
            payment_id=payment.pk,
            attempt_id=attempt.pk,
            error=payment_status,
            note=f"payment_status {payment_status} at Click (reconciled)",
        )
        return Outcome.FAILED, note
    return Outcome.UNKNOWN, note if status.ok else f"{note} ({status.summary})"


def payment_reconcile(*, payment_id: int, actor: User | None = None) -> ReconcileResult:
    """Ask Click what happened to a fee and record it; idempotent ("re-check with Click")."""
    payment = AuctionPayment.objects.get(pk=payment_id)
    client = _client()
    if not client.configured:
        return ReconcileResult(payment.pk, Outcome.UNKNOWN, MERCHANT_API_OFF)
    prepared = list(payment.attempts.filter(gateway=Gateway.CLICK, status=AttemptStatus.PREPARED).order_by("pk"))
    if not prepared and payment.status == PaymentStatus.COMPLETED:
        return _payment_confirm(client, payment, actor=actor)
    if not prepared:
        detail = "no Click attempt in flight for this order"
        _record(payment, PaymentEvent.Kind.RECONCILE_UNKNOWN, actor=actor, outcome=Outcome.NOTHING, detail=detail)
        return ReconcileResult(payment.pk, Outcome.NOTHING, detail)
    results = [attempt_reconcile(attempt_id=attempt.pk, actor=actor) for attempt in prepared]
    outcomes = {outcome for outcome, _note in results}
    final = next((o for o in (Outcome.PAID, Outcome.FAILED) if o in outcomes), Outcome.UNKNOWN)
    if Outcome.UNKNOWN in outcomes and final == Outcome.FAILED:
        final = Outcome.UNKNOWN  # some attempt is still open
    detail = "; ".join(f"{outcome}: {note}" for outcome, note in results)
    kind = PaymentEvent.Kind.RECONCILED if final != Outcome.UNKNOWN else PaymentEvent.Kind.RECONCILE_UNKNOWN
    last = payment.events.order_by("-created_at", "-id").first()
    repeat = (
        actor is None
        and last is not None
        and last.kind == kind == PaymentEvent.Kind.RECONCILE_UNKNOWN
        and last.data.get("detail") == detail
    )
    if not repeat:  # the job asks every run: an unchanged "unknown" is recorded once
        _record(payment, kind, actor=actor, outcome=final, detail=detail)
    log = logger.info if final != Outcome.UNKNOWN else logger.warning
    log(
        "reconciled %s: %s — %s",
        payment.merchant_trans_id,
        final,
        detail,
        extra={"event": "click_reconcile", "merchant_trans_id": payment.merchant_trans_id, "outcome": final},
    )
    return ReconcileResult(payment.pk, final, detail)


def _payment_confirm(client: ClickMerchantClient, payment: AuctionPayment, *, actor: User | None) -> ReconcileResult:
    """A completed fee: confirm that Click agrees the money moved."""
    done = payment.attempts.filter(gateway=Gateway.CLICK, status=AttemptStatus.COMPLETED).first()
    if done is None:
        return ReconcileResult(payment.pk, Outcome.NOTHING, "completed without a Click attempt (offline/demo)")
    click_payment_id, learnt = _click_payment_id(client, payment, done)
    if not click_payment_id:
        detail = f"Click payment id unknown ({learnt})"
        _record(payment, PaymentEvent.Kind.RECONCILE_UNKNOWN, actor=actor, outcome=Outcome.UNKNOWN, detail=detail)
        return ReconcileResult(payment.pk, Outcome.UNKNOWN, detail)
    if not done.gateway_payment_id:
        PaymentAttempt.objects.filter(pk=done.pk).update(gateway_payment_id=click_payment_id)
    status = client.payment_status(payment_id=int(click_payment_id), payment_ref=payment.merchant_trans_id)
    click_status = status.int_field("payment_status")
    if status.ok and click_status == PAYMENT_STATUS_PAID:
        outcome = Outcome.CONFIRMED
    else:
        outcome = Outcome.MISMATCH if status.ok else Outcome.UNKNOWN
    detail = f"payment {click_payment_id}: {status.summary}, payment_status={click_status}"
    kind = PaymentEvent.Kind.RECONCILED if status.ok else PaymentEvent.Kind.RECONCILE_UNKNOWN
    _record(payment, kind, actor=actor, outcome=outcome, detail=detail)
    return ReconcileResult(payment.pk, outcome, detail)


def payments_reconcile_due(*, now: datetime | None = None) -> list[ReconcileResult]:
    """The periodic job: settle every stale prepared Click attempt from Click's records."""
    if not _client().configured:
        return []
    due = attempts_due_for_reconcile(now=now, window=RECONCILE_WINDOW)
    payment_ids = sorted(set(due.values_list("payment_id", flat=True)))
    results = []
    for payment_id in payment_ids:
        try:
            results.append(payment_reconcile(payment_id=payment_id))
        except Exception:
            logger.exception("reconciliation of payment %s failed", payment_id)
    return results


# --- Refunds through the Merchant API (called by fees.refunds) ---------------------------


class ClickRefunds:
    """Click's side of the fee core's refund machine (fees.gateways.GatewayRefunds)."""

    def _payment_id(self, client: ClickMerchantClient, refund: FeeRefund) -> str:
        attempt = refund.attempt
        click_payment_id, _learnt = _click_payment_id(client, refund.payment, attempt)
        if click_payment_id and not attempt.gateway_payment_id:
            PaymentAttempt.objects.filter(pk=attempt.pk).update(gateway_payment_id=click_payment_id)
        return click_payment_id

    def refund_send(self, refund: FeeRefund) -> GatewayAnswer:
        client = _client()
        if not client.configured:
            return GatewayAnswer(GatewayOutcome.REFUSED, MERCHANT_API_OFF)
        click_payment_id = self._payment_id(client, refund)
        if not click_payment_id:
            # Nothing was sent: Click could not tell us which payment to reverse.
            return GatewayAnswer(GatewayOutcome.REFUSED, "Click's payment_id is unknown (status_by_mti)")
        result = client.payment_reversal(payment_id=int(click_payment_id), payment_ref=refund.payment.merchant_trans_id)
        if result.ok:
            return GatewayAnswer(GatewayOutcome.DONE, f"reversed Click payment {click_payment_id}")
        if result.answered and result.http_status in (200, 201):
            return GatewayAnswer(GatewayOutcome.REFUSED, result.summary)
        # Timeout, 5xx, a lost connection or no JSON: the reversal may have been applied.
        return GatewayAnswer(GatewayOutcome.UNKNOWN, result.summary)

    def refund_check(self, refund: FeeRefund) -> GatewayAnswer:
        client = _client()
        if not client.configured:
            return GatewayAnswer(GatewayOutcome.UNKNOWN, MERCHANT_API_OFF)
        click_payment_id = self._payment_id(client, refund)
        if not click_payment_id:
            return GatewayAnswer(GatewayOutcome.UNKNOWN, "Click's payment_id is unknown (status_by_mti)")
        status = client.payment_status(payment_id=int(click_payment_id), payment_ref=refund.payment.merchant_trans_id)
        payment_status = status.int_field("payment_status") if status.ok else None
        if payment_status is not None and payment_status < 0:
            return GatewayAnswer(
                GatewayOutcome.DONE, f"Click payment {click_payment_id}: payment_status {payment_status}"
            )
        if payment_status == PAYMENT_STATUS_PAID:
            return GatewayAnswer(GatewayOutcome.REFUSED, f"Click payment {click_payment_id} is still paid")
        return GatewayAnswer(GatewayOutcome.UNKNOWN, status.summary)


# --- Invoice by phone ------------------------------------------------------------------


def payment_invoice_create(*, auction_id: int, user: User, phone: str) -> ClickInvoice:
    """Send the fee as an invoice to the payer's Click app (Merchant API invoice/create)."""
    try:
        phone = phone_normalize(phone)
    except ValidationError as exc:
        raise AuctionRuleError(" ".join(exc.messages), "invalid_phone") from exc
    client = _client()
    if not client.configured:
        raise AuctionRuleError(_("Счёт в приложение Click сейчас недоступен: оплатите по ссылке."), "unavailable")
    payment = fee_initiate(auction_id=auction_id, user=user)  # the seller's open fee, or a new one
    # cache.add is atomic (Redis in production): of two presses at once only one sends an invoice.
    first_press = cache.add(
        f"click-invoice:{payment.merchant_trans_id}", 1, timeout=int(INVOICE_RESEND_AFTER.total_seconds())
    )
    if not first_press or payment.invoices.filter(created_at__gt=timezone.now() - INVOICE_RESEND_AFTER).exists():
        raise AuctionRuleError(_("Счёт уже отправлен. Повторить можно через минуту."), "invoice_too_soon")
    result = client.invoice_create(
        amount=payment.amount,
        phone_number=phone.lstrip("+"),
        merchant_trans_id=payment.merchant_trans_id,
        payment_ref=payment.merchant_trans_id,
    )
    invoice_id = result.int_field("invoice_id") if result.ok else None
    invoice = ClickInvoice.objects.create(
        payment=payment,
        phone_number=phone,
        invoice_id=invoice_id,
        status=ClickInvoiceStatus.WAITING if invoice_id else ClickInvoiceStatus.ERROR,
        note=result.summary[:255],
    )
    _record(
        payment,
        PaymentEvent.Kind.INVOICE_CREATED if invoice_id else PaymentEvent.Kind.INVOICE_FAILED,
        actor=user,
        invoice_id=invoice_id,
        phone=phone,
        answer=result.summary,
    )
    if not invoice_id:
        raise AuctionRuleError(
            _("Click не принял счёт: %(reason)s. Оплатите по ссылке или попробуйте позже.")
            % {"reason": result.summary},
            "invoice_failed",
        )
    return invoice


def invoice_check(*, invoice_pk: int) -> ClickInvoice:
    """Follow one invoice at Click; once paid, settle its payment from Click's records."""
    invoice = ClickInvoice.objects.select_related("payment").get(pk=invoice_pk)
    if invoice.status != ClickInvoiceStatus.WAITING or invoice.invoice_id is None:
        return invoice
    client = _client()
    if not client.configured:
        return invoice
    result = client.invoice_status(invoice_id=invoice.invoice_id, payment_ref=invoice.payment.merchant_trans_id)
    invoice.checked_at = timezone.now()
    if result.ok:
        click_status = _invoice_paid(result)
        invoice.click_status = click_status
        invoice.note = str(result.data.get("invoice_status_note") or result.summary)[:255]
        if click_status == INVOICE_STATUS_PAID:
            invoice.status = ClickInvoiceStatus.PAID
        elif click_status is not None and click_status < 0:
            invoice.status = ClickInvoiceStatus.FAILED
    ClickInvoice.objects.filter(pk=invoice.pk, status=ClickInvoiceStatus.WAITING).update(
        status=invoice.status, click_status=invoice.click_status, note=invoice.note, checked_at=invoice.checked_at
    )
    if invoice.status != ClickInvoiceStatus.WAITING:
        _record(invoice.payment, PaymentEvent.Kind.INVOICE_STATUS, invoice_id=invoice.invoice_id, status=invoice.status)
    if invoice.status == ClickInvoiceStatus.PAID and invoice.payment.status == PaymentStatus.PENDING:
        payment_reconcile(payment_id=invoice.payment_id)
    return invoice


def invoices_check_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    ids = ClickInvoice.objects.filter(
        status=ClickInvoiceStatus.WAITING, invoice_id__isnull=False, created_at__gt=now - INVOICE_FOLLOW_FOR
    ).values_list("pk", flat=True)
    changed = 0
    for invoice_pk in list(ids):
        try:
            if invoice_check(invoice_pk=invoice_pk).status != ClickInvoiceStatus.WAITING:
                changed += 1
        except Exception:
            logger.exception("invoice %s check failed", invoice_pk)
    return changed


# --- All of it, periodically -----------------------------------------------------------


def click_jobs_run(*, now: datetime | None = None) -> dict[str, int]:
    """One run of the Click jobs (Celery beat, and the auction_jobs loop); idempotent."""
    return jobs_run(
        (
            ("reconciled", lambda: len(payments_reconcile_due(now=now))),
            ("invoices", lambda: invoices_check_due(now=now)),
        ),
        logger=logger,
    )
