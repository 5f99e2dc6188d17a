"""Every row lock the fee takes, in one place. Lock order: payment rows, then the
auction (auctions.locks.auction_lock), then attempts and refunds of that payment.
Call inside transaction.atomic(); never hold one across a call to a gateway."""

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from fees.models import LIVE_REFUND_STATES, AttemptStatus, AuctionPayment, FeeRefund, PaymentAttempt

_Row = TypeVar("_Row", bound=Model)


def _unique(queryset: QuerySet[_Row]) -> _Row | None:
    """The row a lookup by a unique key finds, or None. Not first(): that sorts by the model's
    ordering, which a unique key makes pointless (and which costs compiling on a hot path)."""
    return next(iter(queryset.order_by()[:1]), None)


def lock_payment_reading_auction(order: str) -> AuctionPayment | None:
    """Lock the payment and read its auction in the same statement, without locking the auction:
    enough to decide whether it is payable, since every change to that (cancel, the clock's
    cancel) locks the auction's payments first."""
    return _unique(
        AuctionPayment.objects.select_for_update(of=("self",)).select_related("auction").filter(merchant_trans_id=order)
    )


def lock_payment_and_auction(order: str) -> AuctionPayment | None:
    """Lock the payment and its auction in one statement (payment, then auction: the one lock order)."""
    return _unique(AuctionPayment.objects.select_for_update().select_related("auction").filter(merchant_trans_id=order))


def lock_payment_and_attempt(
    order: str, *, gateway: str, attempt_id: int, gateway_trans_id: str
) -> tuple[AuctionPayment | None, PaymentAttempt | None]:
    """A gateway's report on one of its attempts: the payment and its auction (one statement),
    then that attempt, only if it is this gateway's transaction of this payment."""
    payment = lock_payment_and_auction(order)
    if payment is None:
        return None, None
    attempt = lock_attempt(
        PaymentAttempt.objects.filter(
            pk=attempt_id, payment=payment, gateway=gateway, gateway_trans_id=gateway_trans_id
        )
    )
    return payment, attempt


def lock_payment_attempt_and_prepared(
    order: str, *, gateway: str, attempt_id: int, gateway_trans_id: str
) -> tuple[AuctionPayment | None, PaymentAttempt | None, list[PaymentAttempt]]:
    """lock_payment_and_attempt, and in the attempt's statement the payment's prepared attempts
    too (whether another one holds the order), locked with it: the payment is already locked,
    so they are free to take."""
    payment = lock_payment_and_auction(order)
    if payment is None:
        return None, None, []
    rows = list(
        PaymentAttempt.objects.select_for_update()
        .filter(payment=payment)
        .filter(Q(pk=attempt_id, gateway=gateway, gateway_trans_id=gateway_trans_id) | Q(status=AttemptStatus.PREPARED))
    )
    attempt = next(
        (a for a in rows if a.pk == attempt_id and a.gateway == gateway and a.gateway_trans_id == gateway_trans_id),
        None,
    )
    return payment, attempt, [a for a in rows if a.status == AttemptStatus.PREPARED]


def lock_payment(payment_id: int) -> AuctionPayment:
    return AuctionPayment.objects.select_for_update().get(pk=payment_id)


def lock_payment_unless_busy(payment_id: int) -> AuctionPayment | None:
    """The payment, locked, or None when another transaction holds it (a job passes it by)."""
    return _unique(AuctionPayment.objects.select_for_update(skip_locked=True).filter(pk=payment_id))


def lock_payments_of_auction(auction_id: int) -> list[AuctionPayment]:
    return list(AuctionPayment.objects.select_for_update().filter(auction_id=auction_id).order_by("pk"))


def lock_attempt(queryset: QuerySet[PaymentAttempt]) -> PaymentAttempt | None:
    """The attempt of a lookup by its id, locked."""
    return _unique(queryset.select_for_update())


def lock_live_refund_of_attempt(attempt_id: int) -> FeeRefund | None:
    return FeeRefund.objects.select_for_update().filter(attempt_id=attempt_id, state__in=LIVE_REFUND_STATES).first()


def lock_refund(refund_id: int) -> FeeRefund:
    return FeeRefund.objects.select_for_update().get(pk=refund_id)
