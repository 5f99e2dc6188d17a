"""Click in production: settling the auction fee from Click's own records.

- Reconciliation: a Click attempt prepared but never completed is settled by
  asking Click (Merchant API: status_by_mti, then payment/status) and then
  running the very services Click's callbacks run (payment_prepare /
  payment_complete), so the rules and locks are the same.
- Expiry: an initiated fee nobody pays expires (auctions.payment_rules).
- Refunds: every payment flagged `needs_refund` is reversed through the
  Merchant API; the result is recorded, a failure stays flagged with its reason.
- Invoices: "send the invoice to my Click app" (invoice/create), followed
  until paid.

Lock order as everywhere: payment rows before the auction. HTTP calls to Click
are made outside any lock, except the reversal, which holds its payment's row
lock so that a refund is never sent twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.phone import phone_normalize
from auctions.models import (
    AuctionPayment,
    ClickInvoice,
    ClickInvoiceStatus,
    ClickTransaction,
    ClickTransactionStatus,
    PaymentEvent,
    PaymentStatus,
    RefundStatus,
)
from auctions.payment_rules import payment_is_expired, payment_mark_expired
from auctions.services import AuctionRuleError, payment_complete, payment_initiate, payment_prepare
from clickuz.errors import ClickError
from clickuz.handlers import ClickAnswer
from clickuz.merchant import INVOICE_STATUS_PAID, PAYMENT_STATUS_PAID, ClickMerchantClient, MerchantResult
from clickuz.protocol import Action, ClickRequest

logger = logging.getLogger("auctions.click_jobs")

MERCHANT_API_OFF = "Click Merchant API is not configured (CLICK_MERCHANT_API_URL, CLICK_MERCHANT_USER_ID)"
# A seller may re-send an invoice, but not more often than this.
INVOICE_RESEND_AFTER = timedelta(seconds=60)
# The job stops asking Click about an attempt this old: click_doctor and the admin still show it.
RECONCILE_WINDOW = timedelta(days=7)
# Invoices are followed for this long; Click's own invoices expire sooner.
INVOICE_FOLLOW_FOR = timedelta(days=3)


def _client() -> ClickMerchantClient:
    return ClickMerchantClient()


def _record(payment: AuctionPayment, kind: str, *, actor: User | None = None, **data: object) -> PaymentEvent:
    return PaymentEvent.objects.create(payment=payment, kind=kind, actor=actor, data=data)


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


def _click_request(
    *,
    action: Action,
    payment: AuctionPayment,
    click_trans_id: int,
    amount_raw: str,
    sign_time: str,
    merchant_prepare_id: int | None = None,
    error: int = 0,
    error_note: str = "reconciled with Click's Merchant API",
) -> ClickRequest:
    """A verified-equivalent request built from Click's Merchant API answer (not from a callback)."""
    return ClickRequest(
        action=action,
        click_trans_id=click_trans_id,
        service_id=int(settings.CLICK_SERVICE_ID),
        click_paydoc_id=None,
        merchant_trans_id=payment.merchant_trans_id,
        merchant_prepare_id=merchant_prepare_id,
        amount=Decimal(amount_raw),
        amount_raw=amount_raw,
        error=error,
        error_note=error_note,
        sign_time=sign_time,
    )


def attempts_due_for_reconcile(
    *, now: datetime | None = None, window: timedelta | None = None
) -> QuerySet[ClickTransaction]:
    """Attempts Click prepared but never completed, older than CLICK_RECONCILE_AFTER_SECONDS
    (and, with `window`, younger than that: the job stops asking about very old ones)."""
    now = now or timezone.now()
    attempts = ClickTransaction.objects.filter(
        status=ClickTransactionStatus.PREPARED,
        payment__status=PaymentStatus.PENDING,
        created_at__lte=now - timedelta(seconds=settings.CLICK_RECONCILE_AFTER_SECONDS),
    )
    return attempts.filter(created_at__gt=now - window) if window is not None else attempts


def _settle(
    payment: AuctionPayment, *, click_payment_id: int, status: MerchantResult, attempt: ClickTransaction | None
) -> tuple[str, ClickAnswer | None]:
    """Apply Click's payment_status to one of our attempts through the callback services."""
    payment_status = status.int_field("payment_status")
    sign_time = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    amount_raw = attempt.amount_raw if attempt else f"{payment.amount:.2f}"
    if payment_status == PAYMENT_STATUS_PAID:
        if attempt is None:
            # Click took the money but its Prepare never reached us: prepare it now, the same way.
            prepared = payment_prepare(
                click=_click_request(
                    action=Action.PREPARE,
                    payment=payment,
                    click_trans_id=click_payment_id,
                    amount_raw=amount_raw,
                    sign_time=sign_time,
                )
            )
            if prepared.error != ClickError.SUCCESS or prepared.merchant_id is None:
                return Outcome.UNKNOWN, prepared
            merchant_prepare_id = prepared.merchant_id
        else:
            merchant_prepare_id = attempt.pk
        answer = payment_complete(
            click=_click_request(
                action=Action.COMPLETE,
                payment=payment,
                click_trans_id=click_payment_id,
                amount_raw=amount_raw,
                sign_time=sign_time,
                merchant_prepare_id=merchant_prepare_id,
            )
        )
        return (Outcome.PAID if answer.error == ClickError.SUCCESS else Outcome.UNKNOWN), answer
    if payment_status is not None and payment_status < 0 and attempt is not None:
        answer = payment_complete(
            click=_click_request(
                action=Action.COMPLETE,
                payment=payment,
                click_trans_id=click_payment_id,
                amount_raw=amount_raw,
                sign_time=sign_time,
                merchant_prepare_id=attempt.pk,
                error=payment_status,
                error_note=f"payment_status {payment_status} at Click (reconciled)",
            )
        )
        return Outcome.FAILED, answer
    return Outcome.UNKNOWN, None


def payment_reconcile(*, payment_id: int, actor: User | None = None) -> ReconcileResult:
    """Ask Click what happened to a fee and record it; idempotent ("re-check with Click")."""
    payment = AuctionPayment.objects.get(pk=payment_id)
    client = _client()
    if not client.configured:
        return ReconcileResult(payment.pk, Outcome.UNKNOWN, MERCHANT_API_OFF)

    if payment.status == PaymentStatus.COMPLETED:
        # Nothing to settle: confirm that Click agrees the money moved.
        done = payment.click_transactions.filter(status=ClickTransactionStatus.COMPLETED).first()
        if done is None:
            return ReconcileResult(payment.pk, Outcome.NOTHING, "completed without a Click attempt (offline/demo)")
        status = client.payment_status(payment_id=done.click_trans_id, payment_ref=payment.merchant_trans_id)
        click_status = status.int_field("payment_status")
        outcome = (
            Outcome.CONFIRMED
            if status.ok and click_status == PAYMENT_STATUS_PAID
            else (Outcome.MISMATCH if status.ok else Outcome.UNKNOWN)
        )
        detail = f"payment {done.click_trans_id}: {status.summary}, payment_status={click_status}"
        _record(
            payment,
            PaymentEvent.Kind.RECONCILED if status.ok else PaymentEvent.Kind.RECONCILE_UNKNOWN,
            actor=actor,
            outcome=outcome,
            detail=detail,
        )
        return ReconcileResult(payment.pk, outcome, detail)

    prepared = {a.click_trans_id: a for a in payment.click_transactions.filter(status=ClickTransactionStatus.PREPARED)}
    candidates: list[int] = []
    by_mti = client.payment_status_by_mti(
        merchant_trans_id=payment.merchant_trans_id,
        created_on=timezone.localdate(payment.created_at),
        payment_ref=payment.merchant_trans_id,
    )
    mti_payment_id = by_mti.int_field("payment_id") if by_mti.ok else None
    if mti_payment_id is not None:
        candidates.append(mti_payment_id)
    candidates += [pid for pid in prepared if pid not in candidates]
    if not candidates:
        detail = f"no Click payment for this order ({by_mti.summary})"
        _record(payment, PaymentEvent.Kind.RECONCILE_UNKNOWN, actor=actor, outcome=Outcome.NOTHING, detail=detail)
        return ReconcileResult(payment.pk, Outcome.NOTHING, detail)

    results: list[tuple[int, str, str]] = []
    for click_payment_id in candidates:
        status = client.payment_status(payment_id=click_payment_id, payment_ref=payment.merchant_trans_id)
        if not status.ok:
            results.append((click_payment_id, Outcome.UNKNOWN, status.summary))
            continue
        outcome, answer = _settle(
            payment, click_payment_id=click_payment_id, status=status, attempt=prepared.get(click_payment_id)
        )
        note = f"payment_status={status.int_field('payment_status')}"
        if answer is not None:
            note += f"; our answer {int(answer.error)} {answer.detail}".rstrip()
        results.append((click_payment_id, outcome, note))
        if outcome == Outcome.PAID:
            break  # one payment per fee; other attempts get -4 if Click ever completes them

    outcomes = {outcome for _pid, outcome, _note in results}
    final = next(
        (o for o in (Outcome.PAID, Outcome.FAILED) if o in outcomes),
        Outcome.UNKNOWN,
    )
    detail = "; ".join(f"{pid}: {outcome} ({note})" for pid, outcome, note in results)
    kind = PaymentEvent.Kind.RECONCILED if final != Outcome.UNKNOWN else PaymentEvent.Kind.RECONCILE_UNKNOWN
    last = payment.events.order_by("-created_at", "-id").first()
    repeat = (
        actor is None
        and last is not None
        and last.kind == kind == PaymentEvent.Kind.RECONCILE_UNKNOWN
        and last.data.get("detail") == detail
    )
    if not repeat:  # the job asks every run: an unchanged "unknown" is recorded once
        _record(payment, kind, actor=actor, outcome=final, detail=detail, by_mti=by_mti.summary)
    log = logger.info if final != Outcome.UNKNOWN else logger.warning
    log(
        "reconciled %s: %s — %s",
        payment.merchant_trans_id,
        final,
        detail,
        extra={"event": "click_reconcile", "merchant_trans_id": payment.merchant_trans_id, "outcome": final},
    )
    return ReconcileResult(payment.pk, final, detail)


def payments_reconcile_due(*, now: datetime | None = None) -> list[ReconcileResult]:
    """The periodic job: settle every stale prepared attempt from Click's records."""
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


# --- Expiry ------------------------------------------------------------------------


def payments_expire_due(*, now: datetime | None = None) -> int:
    """The periodic job: expire initiated fees nobody paid in time."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS)
    count = 0
    for payment_id in AuctionPayment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            payment = AuctionPayment.objects.select_for_update(skip_locked=True).filter(pk=payment_id).first()
            if payment is not None and payment_is_expired(payment, now=now):
                payment_mark_expired(payment, now=now)
                count += 1
    return count


# --- Refunds -----------------------------------------------------------------------


def payment_refund(*, payment_id: int, actor: User | None = None, retry: bool = False) -> AuctionPayment:
    """Reverse a flagged fee through Click's Merchant API and record the result.

    Idempotent: a refunded payment is left alone. After CLICK_REFUND_MAX_ATTEMPTS
    failures only an operator (`retry=True`, the admin action) tries again; the
    payment stays flagged with the reason meanwhile.
    """
    with transaction.atomic():
        # Held during the reversal: two workers never reverse the same payment.
        payment = AuctionPayment.objects.select_for_update().get(pk=payment_id)
        if not payment.needs_refund or payment.refund_status == RefundStatus.REFUNDED:
            return payment
        if not retry and payment.refund_attempts >= settings.CLICK_REFUND_MAX_ATTEMPTS:
            return payment
        attempt = payment.click_transactions.filter(status=ClickTransactionStatus.COMPLETED).first()
        result: MerchantResult | None = None
        if payment.status != PaymentStatus.COMPLETED or attempt is None:
            reason = "no completed Click payment to reverse: refund it by hand"
        else:
            client = _client()
            if not client.configured:
                reason = MERCHANT_API_OFF
            else:
                result = client.payment_reversal(
                    payment_id=attempt.click_trans_id, payment_ref=payment.merchant_trans_id
                )
                reason = result.summary
        payment.refund_attempts += 1
        fields = ["refund_status", "refund_note", "refund_attempts", "updated_at"]
        if result is not None and result.ok:
            payment.refund_status = RefundStatus.REFUNDED
            payment.refund_note = ""
            payment.refunded_at = timezone.now()
            payment.needs_refund = False
            fields += ["refunded_at", "needs_refund"]
            _record(
                payment, PaymentEvent.Kind.REFUNDED, actor=actor, click_payment_id=attempt and attempt.click_trans_id
            )
            logger.info(
                "refunded %s",
                payment.merchant_trans_id,
                extra={"event": "click_refund", "merchant_trans_id": payment.merchant_trans_id, "outcome": "refunded"},
            )
        else:
            payment.refund_status = RefundStatus.FAILED
            payment.refund_note = reason[:255]
            _record(
                payment, PaymentEvent.Kind.REFUND_FAILED, actor=actor, reason=reason, attempt=payment.refund_attempts
            )
            logger.error(
                "refund of %s failed: %s",
                payment.merchant_trans_id,
                reason,
                extra={"event": "click_refund", "merchant_trans_id": payment.merchant_trans_id, "outcome": "failed"},
            )
        payment.save(update_fields=fields)
    return payment


def payments_refund_due() -> int:
    """The periodic job: every flagged fee not yet refunded, within the automatic attempts."""
    ids = AuctionPayment.objects.filter(
        needs_refund=True, refund_attempts__lt=settings.CLICK_REFUND_MAX_ATTEMPTS
    ).values_list("pk", flat=True)
    refunded = 0
    for payment_id in list(ids):
        try:
            if payment_refund(payment_id=payment_id).refund_status == RefundStatus.REFUNDED:
                refunded += 1
        except Exception:
            logger.exception("refund of payment %s failed", payment_id)
    return refunded


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
    payment = payment_initiate(auction_id=auction_id, user=user)  # the seller's open fee, or a new one
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
        click_status = result.int_field("invoice_status")
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
    summary: dict[str, int] = {}
    steps = (
        ("reconciled", lambda: len(payments_reconcile_due(now=now))),
        ("invoices", lambda: invoices_check_due(now=now)),
        ("expired", lambda: payments_expire_due(now=now)),
        ("refunded", payments_refund_due),
    )
    for name, step in steps:
        try:
            summary[name] = step()
        except Exception:
            # One failing step must not stop the others; the next run retries.
            logger.exception("click job %s failed", name)
            summary[name] = 0
    return summary
