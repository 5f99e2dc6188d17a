"""Every row lock the fee takes, in one place. Lock order: payment rows, then the
auction (auctions.locks.auction_lock), then attempts and refunds of that payment.
Call inside transaction.atomic(); never hold one across a call to a gateway."""

from functools import cache
from typing import TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

from auctions.models import Auction
from core.rows import ModelColumns, for_update
from fees.models import LIVE_REFUND_STATES, AttemptStatus, AuctionPayment, FeeRefund, PaymentAttempt

_Row = TypeVar("_Row", bound=Model)


def _unique(queryset: QuerySet[_Row]) -> _Row | None:
    """The row a lookup by a unique key finds, or None. Not first(): that sorts by the model's
    ordering, which a unique key makes pointless (and which costs compiling on a hot path)."""
    return next(iter(queryset.order_by()[:1]), None)


# The callbacks' reads, written out: compiling them took more CPU than running them (core.rows).
_PAYMENT = ModelColumns(AuctionPayment, "p")
_AUCTION = ModelColumns(Auction, "a")
_ATTEMPT = ModelColumns(PaymentAttempt, "t")


# Names come from the models, every value is a parameter (S608); each text is built once.
@cache
def _payment_with_auction_sql(*, lock_auction: bool) -> str:
    return (
        f"SELECT {_PAYMENT.select_list()}, {_AUCTION.select_list()} FROM {_PAYMENT.table()} "  # noqa: S608
        f"JOIN {_AUCTION.table()} ON {_AUCTION.column('id')} = {_PAYMENT.column('auction')} "
        f"WHERE {_PAYMENT.column('merchant_trans_id')} = %s"
        + (for_update() if lock_auction else for_update(_PAYMENT.alias))
    )


@cache
def _attempt_and_prepared_sql() -> str:
    return (
        f"SELECT {_ATTEMPT.select_list()} FROM {_ATTEMPT.table()} "  # noqa: S608
        f"WHERE ({_ATTEMPT.column('gateway')} = %s AND {_ATTEMPT.column('gateway_trans_id')} = %s) "
        f"OR ({_ATTEMPT.column('payment')} = %s AND {_ATTEMPT.column('status')} = %s)"
    )


@cache
def _attempt_and_prepared_lock_sql() -> str:
    return (
        f"SELECT {_ATTEMPT.select_list()} FROM {_ATTEMPT.table()} WHERE {_ATTEMPT.column('payment')} = %s "  # noqa: S608
        f"AND ({_ATTEMPT.column('id')} = %s OR {_ATTEMPT.column('status')} = %s)" + for_update()
    )


def _payment_with_auction(order: str, *, lock_auction: bool) -> AuctionPayment | None:
    with connection.cursor() as cursor:
        cursor.execute(_payment_with_auction_sql(lock_auction=lock_auction), [order])
        row = cursor.fetchone()
    if row is None:
        return None
    payment = _PAYMENT.build(row[: len(_PAYMENT)])
    payment.auction = _AUCTION.build(row[len(_PAYMENT) :])
    return payment


def lock_payment_reading_auction(order: str) -> AuctionPayment | None:
    """Lock the payment and read its auction in the same statement, without locking the auction:
    enough to decide whether it is payable, since every change to that (cancel, the clock's
    cancel) locks the auction's payments first."""
    return _payment_with_auction(order, lock_auction=False)


def lock_payment_and_auction(order: str) -> AuctionPayment | None:
    """Lock the payment and its auction in one statement (payment, then auction: the one lock order)."""
    return _payment_with_auction(order, lock_auction=True)


def read_attempt_and_prepared(
    payment: AuctionPayment, *, gateway: str, gateway_trans_id: str
) -> tuple[PaymentAttempt | None, list[PaymentAttempt]]:
    """Under the payment's lock: the gateway's transaction, whichever payment it belongs to, and
    the payment's prepared attempts (whether another one holds the order), in one statement of
    its own. Its own, after the lock: a request that waited for the lock then sees the attempt a
    duplicate committed meanwhile (the locking statement's snapshot predates it)."""
    rows = _attempts(_attempt_and_prepared_sql(), [gateway, gateway_trans_id, payment.pk, AttemptStatus.PREPARED])
    attempt = next((a for a in rows if a.gateway == gateway and a.gateway_trans_id == gateway_trans_id), None)
    return attempt, [a for a in rows if a.payment_id == payment.pk and a.status == AttemptStatus.PREPARED]


def _attempts(sql: str, params: list[int | str]) -> list[PaymentAttempt]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_ATTEMPT.build(row) for row in cursor.fetchall()]


def lock_payment_and_attempt(
    order: str, *, gateway: str, attempt_id: int, gateway_trans_id: str
) -> tuple[AuctionPayment | None, PaymentAttempt | None]:
    """A gateway's report on one of its attempts: the payment and its auction (one statement),
    then that attempt, only if it is this gateway's transaction of this payment."""
    payment, attempt, _prepared = lock_payment_attempt_and_prepared(
        order, gateway=gateway, attempt_id=attempt_id, gateway_trans_id=gateway_trans_id
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
    rows = _attempts(_attempt_and_prepared_lock_sql(), [payment.pk, attempt_id, AttemptStatus.PREPARED])
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
