"""Refunds: money moves back exactly once, or the operator is told exactly what is unknown.

    requested ─► sending ─► done
                   │    └─► failed   (the gateway refused: nothing moved)
                   └──────► unknown  (timeout, 5xx, lost connection: it may have moved)
    unknown ─► (ask the gateway) ─► done, or back to requested once it says the payer is still charged

`sending` is committed before the gateway is called, and no row lock is held
during the call: a redelivered task, an overlapping job run or the after-commit
task finds the refund `sending` or `unknown` and asks instead of sending again.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from fees.gateways import GatewayAnswer, GatewayOutcome, gateway_for
from fees.locks import lock_live_refund_of_attempt, lock_payment, lock_refund
from fees.models import (
    LIVE_REFUND_STATES,
    AuctionPayment,
    FeeRefund,
    PaymentAttempt,
    PaymentEvent,
    RefundState,
    RefundStatus,
)

logger = logging.getLogger("fees.refunds")


def _stale_after() -> timedelta:
    """A `sending` older than this died mid-call (a killed worker): its outcome is unknown."""
    return timedelta(seconds=settings.FEE_REFUND_SENDING_STALE_SECONDS)


def _still_charged_counts_after() -> timedelta:
    """A gateway saying "still charged" right after a lost reversal may not have applied it yet."""
    return timedelta(seconds=settings.FEE_REFUND_RECHECK_AFTER_SECONDS)


def refund_request(*, payment: AuctionPayment, attempt: PaymentAttempt, reason: str) -> FeeRefund | None:
    """Ask for one charged attempt to be given back; call with the payment locked. Idempotent:
    an attempt has at most one live refund (a database constraint backs this)."""
    if FeeRefund.objects.filter(attempt=attempt, state__in=LIVE_REFUND_STATES).exists():
        return None
    refund = FeeRefund.objects.create(
        payment=payment, attempt=attempt, gateway=attempt.gateway, amount=attempt.amount, reason=reason
    )
    _summarise(payment)
    PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEvent.Kind.REFUND_REQUESTED,
        data={"refund_id": refund.pk, "reason": reason, "gateway": attempt.gateway},
    )
    refund_id = refund.pk
    transaction.on_commit(lambda: _enqueue(refund_id))
    return refund


def refund_done_by_gateway(*, payment: AuctionPayment, attempt: PaymentAttempt, reason: str, note: str) -> FeeRefund:
    """The gateway itself gave a charged attempt's money back (Payme's CancelTransaction of a
    performed transaction): settle the attempt's live refund as done, or record a done one.
    Call with the payment locked."""
    now = timezone.now()
    refund = lock_live_refund_of_attempt(attempt.pk)
    if refund is None:
        refund = FeeRefund.objects.create(
            payment=payment, attempt=attempt, gateway=attempt.gateway, amount=attempt.amount, reason=reason
        )
    if refund.state != RefundState.DONE:
        refund.state = RefundState.DONE
        refund.settled_at = now
        refund.note = note[:255]
        refund.save(update_fields=["state", "settled_at", "note", "updated_at"])
    PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEvent.Kind.REFUNDED_BY_GATEWAY,
        data={"refund_id": refund.pk, "reason": refund.reason, "gateway": attempt.gateway, "note": note},
    )
    _summarise(payment)
    return refund


def _enqueue(refund_id: int) -> None:
    # The periodic job picks up whatever this misses (a crash, a broker outage).
    try:
        refund_process_task.delay(refund_id)
    except Exception:
        logger.exception("could not enqueue refund %s", refund_id)


def _current_refunds(payment_id: int) -> list[FeeRefund]:
    """The newest refund of each charged attempt: an older, refused one was superseded by it."""
    current: dict[int, FeeRefund] = {}
    for refund in FeeRefund.objects.filter(payment_id=payment_id).order_by("-created_at", "-id"):
        current.setdefault(refund.attempt_id, refund)
    return list(current.values())


def _summarise(payment: AuctionPayment) -> None:
    """Keep the payment row's refund columns (what operators look at and filter on) in step
    with all of its refunds: one refund done must not hide another that failed or waits."""
    refunds = _current_refunds(payment.pk)
    if not refunds:
        return
    open_refunds = [r for r in refunds if r.state != RefundState.DONE]
    failed = [r for r in open_refunds if r.state == RefundState.FAILED]
    payment.needs_refund = bool(open_refunds)
    payment.refund_attempts = min(sum(r.sends for r in refunds), 32767)
    if failed:
        payment.refund_status = RefundStatus.FAILED
        payment.refund_note = failed[0].note[:255]
    elif open_refunds:
        payment.refund_status = RefundStatus.NONE
        payment.refund_note = open_refunds[0].note[:255]
    else:
        payment.refund_status = RefundStatus.REFUNDED
        payment.refund_note = ""
    settled = [r.settled_at for r in refunds if r.settled_at is not None]
    payment.refunded_at = max(settled) if not open_refunds and settled else None
    payment.save(
        update_fields=["needs_refund", "refund_status", "refund_note", "refund_attempts", "refunded_at", "updated_at"]
    )


def _claim(refund_id: int, *, retry: bool) -> tuple[str, FeeRefund | None]:
    """Decide, under the locks, what this run does: "send", "check" or nothing."""
    payment_id = FeeRefund.objects.filter(pk=refund_id).values_list("payment_id", flat=True).first()
    if payment_id is None:
        return "", None
    now = timezone.now()
    with transaction.atomic():
        payment = lock_payment(payment_id)
        refund = lock_refund(refund_id)
        if refund.state == RefundState.FAILED and retry:
            refund.state = RefundState.REQUESTED  # an operator asks to try again
        if refund.state == RefundState.SENDING and refund.sent_at and now - refund.sent_at > _stale_after():
            refund.state = RefundState.UNKNOWN
            refund.note = "the sending worker stopped before recording the answer"
            refund.save(update_fields=["state", "note", "updated_at"])
            _summarise(payment)
        if refund.state == RefundState.UNKNOWN:
            return "check", refund
        if refund.state != RefundState.REQUESTED:
            return "", refund  # done, failed, or being sent right now by another worker
        if not retry and refund.sends >= settings.CLICK_REFUND_MAX_ATTEMPTS:
            return "", refund
        refund.state = RefundState.SENDING
        refund.sends += 1
        refund.sent_at = now
        refund.save(update_fields=["state", "sends", "sent_at", "updated_at"])
        PaymentEvent.objects.create(
            payment=payment, kind=PaymentEvent.Kind.REFUND_SENDING, data={"refund_id": refund.pk, "send": refund.sends}
        )
        _summarise(payment)
    return "send", refund


def _settle(refund: FeeRefund, *, action: str, answer: GatewayAnswer, actor: User | None) -> FeeRefund:
    now = timezone.now()
    with transaction.atomic():
        payment = lock_payment(refund.payment_id)
        current = lock_refund(refund.pk)
        expected = RefundState.SENDING if action == "send" else RefundState.UNKNOWN
        if current.state != expected or current.sends != refund.sends:
            return current  # someone else settled it meanwhile
        kind = ""
        if answer.outcome == GatewayOutcome.DONE:
            current.state, current.settled_at, kind = RefundState.DONE, now, PaymentEvent.Kind.REFUNDED
        elif action == "send" and answer.outcome == GatewayOutcome.REFUSED:
            current.state, current.settled_at, kind = RefundState.FAILED, now, PaymentEvent.Kind.REFUND_FAILED
        elif action == "check" and answer.outcome == GatewayOutcome.REFUSED:
            # The gateway says the payer is still charged. Only long enough after the last
            # send is that a definite "the reversal never happened": then it may go again.
            if current.sent_at is None or now - current.sent_at >= _still_charged_counts_after():
                current.state = RefundState.REQUESTED
        else:
            current.state, kind = RefundState.UNKNOWN, PaymentEvent.Kind.REFUND_UNKNOWN
        current.note = answer.note[:255]
        current.save(update_fields=["state", "settled_at", "note", "updated_at"])
        if kind and not (kind == PaymentEvent.Kind.REFUND_UNKNOWN and action == "check"):
            PaymentEvent.objects.create(
                payment=payment,
                kind=kind,
                actor=actor,
                data={"refund_id": current.pk, "answer": answer.note, "by": action},
            )
        _summarise(payment)
    log = logger.info if current.state == RefundState.DONE else logger.warning
    if current.state == RefundState.FAILED:
        log = logger.error
    log(
        "refund %s of %s: %s (%s)",
        current.pk,
        payment.merchant_trans_id,
        current.state,
        answer.note,
        extra={"event": "fee_refund", "merchant_trans_id": payment.merchant_trans_id, "outcome": current.state},
    )
    return current


def refund_process(*, refund_id: int, actor: User | None = None, retry: bool = False) -> FeeRefund | None:
    """Move one refund forward: send it, or settle an unknown outcome by asking. Idempotent,
    and safe to run from any number of workers at once."""
    action, refund = _claim(refund_id, retry=retry)
    if refund is None or not action:
        return refund
    gateway = gateway_for(refund.gateway)
    if gateway is None:
        answer = GatewayAnswer(GatewayOutcome.UNKNOWN, f"no gateway {refund.gateway!r} is configured")
    else:
        try:
            answer = gateway.refund_send(refund) if action == "send" else gateway.refund_check(refund)
        except Exception as exc:  # whatever happened, the money may have moved
            logger.exception("refund %s: %s raised", refund.pk, action)
            answer = GatewayAnswer(GatewayOutcome.UNKNOWN, f"{type(exc).__name__}: {exc}")
    return _settle(refund, action=action, answer=answer, actor=actor)


def refunds_process_due() -> int:
    """The periodic job: every refund not yet settled. Returns how many are done now."""
    ids = FeeRefund.objects.filter(
        state__in=[RefundState.REQUESTED, RefundState.SENDING, RefundState.UNKNOWN]
    ).values_list("pk", flat=True)
    done = 0
    for refund_id in list(ids):
        try:
            refund = refund_process(refund_id=refund_id)
        except Exception:
            logger.exception("refund %s failed", refund_id)
            continue
        if refund is not None and refund.state == RefundState.DONE:
            done += 1
    return done


def payment_refund_retry(*, payment_id: int, actor: User) -> list[FeeRefund]:
    """The operator's "retry refund": every refund of the payment that the gateway refused
    or that waits; an unknown one is asked about first, never sent blindly."""
    results = []
    for refund_id in [r.pk for r in _current_refunds(payment_id) if r.state != RefundState.DONE]:
        refund = refund_process(refund_id=refund_id, actor=actor, retry=True)
        if refund is not None:
            results.append(refund)
    return results


@shared_task(name="fees.tasks.refund_process")
def refund_process_task(refund_id: int) -> str:
    """Enqueued after commit when a refund is requested; a redelivery or a second run is harmless."""
    refund = refund_process(refund_id=refund_id)
    return str(refund.state) if refund is not None else "missing"
