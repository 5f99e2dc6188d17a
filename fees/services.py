"""The auction fee's rules, whatever gateway pays it.

Gateways speak through their adapters (fees_click, …): an adapter turns its
protocol's request into one call here, with plain values (order, gateway,
gateway transaction id, amount, outcome), and turns the FeeDecision back into
its protocol's answer. Nothing here knows a gateway's error codes.

Lock order (fees.locks): the payment row, then the auction, then the attempt.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.rules import PHONE_UNCONFIRMED, phone_unconfirmed_message, user_phone_confirmed
from auctions.errors import AuctionRuleError
from auctions.lifecycle import auction_fee_paid, auction_fee_refunded, auction_record
from auctions.locks import auction_lock
from auctions.models import Auction, AuctionEvent, AuctionStatus
from fees import refunds
from fees.locks import (
    lock_attempt,
    lock_payment,
    lock_payment_and_attempt,
    lock_payment_attempt_and_prepared,
    lock_payment_reading_auction,
    lock_payment_unless_busy,
    lock_payments_of_auction,
    read_attempt_and_prepared,
)
from fees.models import (
    LIVE_REFUND_STATES,
    AttemptStatus,
    AuctionPayment,
    PaymentAttempt,
    PaymentEvent,
    PaymentStatus,
)
from fees.rules import fee_refunded_on_cancel, payment_is_expired, payment_mark_expired

logger = logging.getLogger(__name__)

TIYIN = Decimal("0.01")


class FeeCode(StrEnum):
    """What the fee core decided; each adapter maps these to its protocol's codes."""

    OK = "ok"
    ORDER_NOT_FOUND = "order_not_found"
    ATTEMPT_CONFLICT = "attempt_conflict"  # the gateway's transaction id belongs to another order
    ATTEMPT_NOT_FOUND = "attempt_not_found"
    ALREADY_PAID = "already_paid"
    CANCELLED = "cancelled"  # the order or the attempt can no longer be paid
    AMOUNT_MISMATCH = "amount_mismatch"
    HELD = "held"  # another attempt (another gateway's, or one that reserves the order) is paying it
    REFUND_REFUSED = "refund_refused"  # the fee is spent: the auction has started


@dataclass(frozen=True)
class FeeDecision:
    code: FeeCode
    attempt_id: int | None = None
    detail: str = ""


def amounts_equal(received: Decimal | None, expected: Decimal) -> bool:
    """To the tiyin: 50000, 50000.0 and 50000.004 are 50000.00; 50000.009 is not; no amount is no match."""
    if received is None or not received.is_finite():
        return False
    return received.quantize(TIYIN, rounding=ROUND_HALF_UP) == expected.quantize(TIYIN, rounding=ROUND_HALF_UP)


# --- Initiating ---------------------------------------------------------------


def fee_initiate(*, auction_id: int, user: User) -> AuctionPayment:
    """Create the fee payment for an unpaid auction, or return the open one."""
    with transaction.atomic():
        lock_payments_of_auction(auction_id)
        auction = auction_lock(auction_id=auction_id)
        if auction.seller_id != user.pk:
            raise AuctionRuleError(_("Оплатить сбор может только продавец."), "not_owner")
        if not user_phone_confirmed(user):
            raise AuctionRuleError(phone_unconfirmed_message(), PHONE_UNCONFIRMED)
        if auction.is_paid:
            raise AuctionRuleError(_("Сбор за этот аукцион уже оплачен."), "already_paid")
        if auction.status != AuctionStatus.PENDING_PAYMENT:
            raise AuctionRuleError(_("Этот аукцион нельзя оплатить."), "not_payable")
        if auction.ends_at <= timezone.now():
            raise AuctionRuleError(
                _("Время аукциона уже прошло: создайте новый аукцион с новыми датами."), "ends_in_past"
            )
        payment = AuctionPayment.objects.filter(auction=auction, status=PaymentStatus.PENDING).first()
        if payment is not None and payment_is_expired(payment):
            payment_mark_expired(payment, now=timezone.now())  # a new one replaces it
            payment = None
        if payment is None:
            payment = AuctionPayment.objects.create(auction=auction, amount=settings.AUCTION_FEE)
            auction_record(
                auction,
                AuctionEvent.Kind.PAYMENT_INITIATED,
                actor=user,
                merchant_trans_id=payment.merchant_trans_id,
            )
    return payment


# --- A gateway's transaction ----------------------------------------------------------


def _order_held(
    attempts: Iterable[PaymentAttempt],
    *,
    gateway: str,
    now: datetime,
    exclude_id: int | None,
    other_gateways_only: bool,
) -> bool:
    """Whether another of the order's attempts is paying it right now, so this one may not: an
    attempt that holds the order (hold_until in the future), or a fresh attempt of another gateway
    (prepared less than FEE_ATTEMPT_IN_FLIGHT_SECONDS ago). One order is paid through one gateway
    at a time. `attempts`: the order's prepared attempts (others are ignored), read under its lock."""
    in_flight_since = now - timedelta(seconds=settings.FEE_ATTEMPT_IN_FLIGHT_SECONDS)
    for attempt in attempts:
        if attempt.status != AttemptStatus.PREPARED or attempt.pk == exclude_id:
            continue
        if attempt.hold_until is not None:
            if attempt.hold_until > now and not (other_gateways_only and attempt.gateway == gateway):
                return True
        elif attempt.gateway != gateway and attempt.created_at > in_flight_since:
            return True
    return False


def _payable_decision(
    payment: AuctionPayment,
    attempt: PaymentAttempt | None,
    amount: Decimal | None,
    *,
    now: datetime,
    amount_first: bool = False,
) -> FeeDecision | None:
    """Why an order cannot be paid with this amount (None: it can), in this order: paid, cancelled,
    expired, the auction gone, the amount (Click's, shop-api.md §5) — or the amount first, as
    Payme checks (merchant-api.md §4), with `amount_first`."""
    auction = payment.auction
    attempt_id = attempt.pk if attempt else None
    if amount_first and not amounts_equal(amount, payment.amount):
        return FeeDecision(FeeCode.AMOUNT_MISMATCH, detail=f"expected {payment.amount}")
    if payment.status == PaymentStatus.COMPLETED or auction.is_paid:
        return FeeDecision(FeeCode.ALREADY_PAID, attempt_id, detail="already paid")
    if payment.status == PaymentStatus.CANCELLED:
        return FeeDecision(FeeCode.CANCELLED, detail="payment cancelled")
    if attempt is not None and attempt.status == AttemptStatus.CANCELLED:
        return FeeDecision(FeeCode.CANCELLED, attempt_id, detail="attempt cancelled")
    if attempt is None and payment_is_expired(payment, now=now):
        return FeeDecision(FeeCode.CANCELLED, detail="payment expired")
    if auction.status == AuctionStatus.CANCELLED or auction.ends_at <= now:
        # Refused before the payer is charged.
        return FeeDecision(FeeCode.CANCELLED, detail="the auction can no longer run")
    if not amounts_equal(amount, payment.amount):
        return FeeDecision(FeeCode.AMOUNT_MISMATCH, detail=f"expected {payment.amount}")
    return None


def fee_check(*, order: str, gateway: str, amount: Decimal | None, amount_first: bool = False) -> FeeDecision:
    """A gateway asks, before it starts a transaction: could this order be paid with this amount
    now? Reads only. Attempts of the asking gateway do not count against it (it settles those
    itself); another gateway paying the order right now does (HELD). `amount_first`: see
    _payable_decision."""
    now = timezone.now()
    payment = AuctionPayment.objects.select_related("auction").filter(merchant_trans_id=order).first()
    if payment is None:
        return FeeDecision(FeeCode.ORDER_NOT_FOUND, detail="no payment with this order id")
    refused = _payable_decision(payment, None, amount, now=now, amount_first=amount_first)
    if refused is not None:
        return refused
    prepared = PaymentAttempt.objects.filter(payment=payment, status=AttemptStatus.PREPARED)
    if _order_held(prepared, gateway=gateway, now=now, exclude_id=None, other_gateways_only=True):
        return FeeDecision(FeeCode.HELD, detail="another gateway is paying this order")
    return FeeDecision(FeeCode.OK)


def fee_prepare(
    *,
    order: str,
    gateway: str,
    gateway_trans_id: str,
    amount: Decimal | None,
    paydoc_id: str = "",
    gateway_data: dict[str, Any] | None = None,
    hold_until: datetime | None = None,
    amount_first: bool = False,
) -> FeeDecision:
    """A gateway asks: is this order real, payable, and is this the amount? Records the attempt.
    With `hold_until` the attempt reserves the order until then (or until it is performed or
    cancelled): nothing else may pay it meanwhile, and a database constraint keeps one such
    attempt per order."""
    now = timezone.now()
    with transaction.atomic():
        payment = lock_payment_reading_auction(order)
        if payment is None:
            return FeeDecision(FeeCode.ORDER_NOT_FOUND, detail="no payment with this order id")
        attempt, prepared = read_attempt_and_prepared(payment, gateway=gateway, gateway_trans_id=gateway_trans_id)
        if attempt is not None and attempt.payment_id != payment.pk:
            return FeeDecision(FeeCode.ATTEMPT_CONFLICT, detail="the transaction belongs to another payment")
        refused = _payable_decision(payment, attempt, amount, now=now, amount_first=amount_first)
        if refused is not None:
            if refused.detail == "payment expired":
                payment_mark_expired(payment, now=now)  # the seller initiates a new payment
            return refused
        attempt_id = attempt.pk if attempt else None
        if _order_held(prepared, gateway=gateway, now=now, exclude_id=attempt_id, other_gateways_only=False):
            return FeeDecision(FeeCode.HELD, attempt_id, detail="another attempt is paying this order")
        if attempt is None:
            attempt = PaymentAttempt.objects.create(
                payment=payment,
                gateway=gateway,
                gateway_trans_id=gateway_trans_id,
                gateway_paydoc_id=paydoc_id,
                amount=payment.amount,  # equal to the tiyin, checked above
                gateway_data=gateway_data or {},
                hold_until=hold_until,
            )
        return FeeDecision(FeeCode.OK, attempt.pk)


def fee_complete(
    *,
    order: str,
    gateway: str,
    attempt_id: int,
    gateway_trans_id: str,
    amount: Decimal | None,
    succeeded: bool,
    error: int | None = None,
    note: str = "",
    charged: bool = True,
) -> FeeDecision:
    """A gateway reports the outcome of an attempt. Only `succeeded` means the money moved;
    then the payment is completed and the auction activated, in one transaction. If the
    auction can no longer run, the money is kept as paid and refunded — unless `charged` is
    False (the gateway asks before it takes the money, as Payme's Perform does): then the
    attempt is refused and nothing is taken."""
    now = timezone.now()
    with transaction.atomic():
        payment, attempt, prepared = lock_payment_attempt_and_prepared(
            order, gateway=gateway, attempt_id=attempt_id, gateway_trans_id=gateway_trans_id
        )
        if payment is None:
            return FeeDecision(FeeCode.ORDER_NOT_FOUND, detail="no payment with this order id")
        if attempt is None:
            return FeeDecision(FeeCode.ATTEMPT_NOT_FOUND, detail="unknown attempt")
        if not succeeded and attempt.status == AttemptStatus.PREPARED:
            # The gateway says this attempt failed: it is over, whatever the answer below.
            _attempt_finish(attempt, AttemptStatus.CANCELLED, now=now, error=error, note=note)
        if payment.status == PaymentStatus.COMPLETED:
            if attempt.status == AttemptStatus.COMPLETED and succeeded:
                # A retry of the report that paid: the same answer, nothing changes.
                return FeeDecision(FeeCode.OK, attempt.pk, detail="repeat")
            return FeeDecision(FeeCode.ALREADY_PAID, detail="paid by another attempt")
        if not succeeded:
            return FeeDecision(FeeCode.CANCELLED, detail=f"gateway error {error}")
        if attempt.status == AttemptStatus.CANCELLED:
            return FeeDecision(FeeCode.CANCELLED, detail="attempt cancelled before")
        if payment.status == PaymentStatus.CANCELLED:
            # Cancelled with its auction after the attempt began: the gateway cancels the charge.
            return FeeDecision(FeeCode.CANCELLED, detail="payment cancelled before")
        if attempt.hold_until is None and _order_held(
            prepared, gateway=gateway, now=now, exclude_id=attempt.pk, other_gateways_only=False
        ):
            # Another gateway's transaction reserves the order: this one may not pay it meanwhile. The
            # gateway is told the payment is cancelled, so the attempt is: a retry gets the same answer.
            _attempt_finish(attempt, AttemptStatus.CANCELLED, now=now, error=error, note="order held by another")
            return FeeDecision(FeeCode.HELD, attempt.pk, detail="another attempt holds the order")
        if not amounts_equal(amount, payment.amount):
            return FeeDecision(FeeCode.AMOUNT_MISMATCH, detail=f"expected {payment.amount}")
        auction = payment.auction
        if not charged and (
            auction.status != AuctionStatus.PENDING_PAYMENT or auction.is_paid or auction.ends_at <= now
        ):
            return FeeDecision(FeeCode.CANCELLED, attempt.pk, detail="the auction can no longer run")
        _payment_record_paid(payment, attempt, now=now, error=error, note=note, auction=payment.auction)
        return FeeDecision(FeeCode.OK, attempt.pk)


def fee_refund_at_gateway(
    *, order: str, gateway: str, attempt_id: int, gateway_trans_id: str, note: str = ""
) -> FeeDecision:
    """The gateway gives a charged attempt's money back itself and asks whether it may (Payme's
    CancelTransaction of a performed transaction). Allowed when the money was already due back
    (a refund was requested: charged twice, paid too late, auction cancelled), or while the
    auction has not started and has no bids: then the payment is cancelled and the auction waits
    for a new payment. Otherwise REFUND_REFUSED and nothing changes."""
    now = timezone.now()
    with transaction.atomic():
        payment, attempt = lock_payment_and_attempt(
            order, gateway=gateway, attempt_id=attempt_id, gateway_trans_id=gateway_trans_id
        )
        if payment is None:
            return FeeDecision(FeeCode.ORDER_NOT_FOUND, detail="no payment with this order id")
        if attempt is None:
            return FeeDecision(FeeCode.ATTEMPT_NOT_FOUND, detail="unknown attempt")
        if attempt.refunds.filter(state__in=LIVE_REFUND_STATES).exists():
            refunds.refund_done_by_gateway(payment=payment, attempt=attempt, reason="gateway_cancelled", note=note)
            return FeeDecision(FeeCode.OK, attempt.pk, detail="refund that was due")
        if payment.status != PaymentStatus.COMPLETED or attempt.status != AttemptStatus.COMPLETED:
            return FeeDecision(FeeCode.REFUND_REFUSED, attempt.pk, detail="not the payment's charge")
        if not auction_fee_refunded(auction=payment.auction, now=now, order=payment.merchant_trans_id):
            return FeeDecision(FeeCode.REFUND_REFUSED, attempt.pk, detail="the auction has started")
        payment.status = PaymentStatus.CANCELLED
        payment.save(update_fields=["status", "updated_at"])
        refunds.refund_done_by_gateway(payment=payment, attempt=attempt, reason="gateway_cancelled", note=note)
        return FeeDecision(FeeCode.OK, attempt.pk, detail="refunded before the auction started")


def fee_attempt_paid_at_gateway(
    *, payment_id: int, attempt_id: int, gateway_payment_id: str = "", note: str = ""
) -> FeeDecision:
    """The gateway's own records say an attempt was charged (reconciliation): record it as paid,
    whatever became of the fee or its auction since. What cannot be honoured is refunded."""
    now = timezone.now()
    with transaction.atomic():
        payment = lock_payment(payment_id)
        attempt = lock_attempt(PaymentAttempt.objects.filter(pk=attempt_id, payment=payment))
        if attempt is None:
            return FeeDecision(FeeCode.ATTEMPT_NOT_FOUND, detail="unknown attempt")
        if gateway_payment_id and attempt.gateway_payment_id != gateway_payment_id:
            attempt.gateway_payment_id = gateway_payment_id
            attempt.save(update_fields=["gateway_payment_id"])
        if attempt.status == AttemptStatus.COMPLETED:
            return FeeDecision(FeeCode.OK, attempt.pk, detail="repeat")
        if payment.status == PaymentStatus.COMPLETED:
            # Charged twice for one fee: the second charge goes back.
            # One completed attempt per fee: this one is closed, and the refund row tells the story.
            _attempt_finish(attempt, AttemptStatus.CANCELLED, now=now, error=0, note="charged twice: refunded")
            refunds.refund_request(payment=payment, attempt=attempt, reason="charged_twice")
            return FeeDecision(FeeCode.ALREADY_PAID, attempt.pk, detail="charged twice: refund requested")
        _payment_record_paid(payment, attempt, now=now, error=0, note=note)
        return FeeDecision(FeeCode.OK, attempt.pk)


def fee_attempt_failed_at_gateway(*, payment_id: int, attempt_id: int, error: int, note: str) -> FeeDecision:
    """The gateway's records say an attempt failed: it can never be charged."""
    with transaction.atomic():
        lock_payment(payment_id)
        attempt = lock_attempt(PaymentAttempt.objects.filter(pk=attempt_id, payment_id=payment_id))
        if attempt is None:
            return FeeDecision(FeeCode.ATTEMPT_NOT_FOUND, detail="unknown attempt")
        if attempt.status == AttemptStatus.PREPARED:
            _attempt_finish(attempt, AttemptStatus.CANCELLED, now=timezone.now(), error=error, note=note)
        return FeeDecision(FeeCode.CANCELLED, attempt.pk, detail=f"gateway error {error}")


def _attempt_finish(
    attempt: PaymentAttempt,
    status: str,
    *,
    now: datetime,
    error: int | None,
    note: str,
) -> None:
    attempt.status = status
    attempt.gateway_error = error
    attempt.gateway_error_note = note[:255]
    attempt.finished_at = now
    attempt.save(update_fields=["status", "gateway_error", "gateway_error_note", "finished_at"])


def _payment_record_paid(
    payment: AuctionPayment,
    attempt: PaymentAttempt,
    *,
    now: datetime,
    error: int | None,
    note: str,
    auction: Auction | None = None,
) -> None:
    """Complete a locked payment with a locked attempt; activate the auction (locked by the
    caller, or here), or refund."""
    auction = auction or auction_lock(auction_id=payment.auction_id)
    _attempt_finish(attempt, AttemptStatus.COMPLETED, now=now, error=error, note=note)
    payment.status = PaymentStatus.COMPLETED
    payment.completed_at = now
    payment.save(update_fields=["status", "completed_at", "updated_at"])
    if not auction_fee_paid(auction=auction, now=now, order=payment.merchant_trans_id):
        # The auction's time ran out (or it was cancelled) while the payer was paying.
        # The gateway has charged the payer: accept, and send the money back.
        PaymentEvent.objects.create(
            payment=payment, kind=PaymentEvent.Kind.PAID_TOO_LATE, data={"auction_status": auction.status}
        )
        logger.error("fee %s paid for auction %s that cannot run: refunding", payment, auction.pk)
        refunds.refund_request(payment=payment, attempt=attempt, reason="auction_cannot_run")


# --- Reacting to the auction ------------------------------------------------------------


def _fee_settle_cancelled(payments: list[AuctionPayment], auction: Auction, *, now: datetime) -> int:
    """A cancelled auction's fee (payments locked before the auction): the open payment is
    cancelled, and a fee paid for an auction that never started goes back."""
    requested = 0
    for payment in payments:
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.CANCELLED
            payment.save(update_fields=["status", "updated_at"])
        elif payment.status == PaymentStatus.COMPLETED and fee_refunded_on_cancel(auction, now=now):
            attempt = payment.attempts.filter(status=AttemptStatus.COMPLETED).first()
            if attempt is not None and refunds.refund_request(
                payment=payment, attempt=attempt, reason="auction_cancelled"
            ):
                requested += 1
    return requested


class FeeAuctionHooks:
    """Registered with auctions (auctions.lifecycle.auction_fee_hooks_register) in FeesConfig.ready()."""

    def lock(self, *, auction_id: int) -> None:
        lock_payments_of_auction(auction_id)

    def cancelled(self, auction: Auction, *, now: datetime) -> None:
        payments = list(AuctionPayment.objects.filter(auction=auction).order_by("pk"))  # locked by lock()
        _fee_settle_cancelled(payments, auction, now=now)


def fees_settle_cancelled_auction(*, auction_id: int) -> int:
    """The job's backstop for a cancelled auction whose fee was not settled (rows from before
    the hooks existed). Idempotent; returns the refunds requested."""
    with transaction.atomic():
        payments = lock_payments_of_auction(auction_id)
        auction = auction_lock(auction_id=auction_id)
        if auction.status != AuctionStatus.CANCELLED:
            return 0
        return _fee_settle_cancelled(payments, auction, now=auction.cancelled_at or auction.ends_at)


def fees_settle_cancelled_due() -> int:
    """The periodic job's backstop: an open fee whose auction is cancelled (rows written before
    the fee's hooks existed). Cancellations settle their fee in their own transaction."""
    auction_ids = (
        Auction.objects.filter(status=AuctionStatus.CANCELLED, payments__status=PaymentStatus.PENDING)
        .values_list("pk", flat=True)
        .distinct()
    )
    count = 0
    for auction_id in list(auction_ids):
        try:
            count += fees_settle_cancelled_auction(auction_id=auction_id)
        except Exception:
            logger.exception("settling the fee of cancelled auction %s failed", auction_id)
    return count


# --- Expiry ------------------------------------------------------------------------


def fees_expire_due(*, now: datetime | None = None) -> int:
    """The periodic job: expire initiated fees nobody paid in time."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS)
    count = 0
    for payment_id in AuctionPayment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            payment = lock_payment_unless_busy(payment_id)
            if payment is not None and payment_is_expired(payment, now=now):
                payment_mark_expired(payment, now=now)
                count += 1
    return count
