"""Payme's Merchant API → the fee core → Payme's answers (merchant-api.md §4–§6).

The only place that knows which Payme error code a fee decision becomes, and Payme's
transaction states. Every method that changes something runs in one database transaction
that first locks the fee's payment row (fees.locks: payment, then auction, then attempts),
then the Payme transaction row, so concurrent repeats are answered one after another from
what the first one stored.
"""

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from core.orders import MERCHANT_TRANS_ID_PREFIX
from fees.locks import lock_payment, lock_payment_reading_auction
from fees.models import Gateway
from fees.services import (
    FeeCode,
    FeeDecision,
    fee_attempt_failed_at_gateway,
    fee_check,
    fee_complete,
    fee_prepare,
    fee_refund_at_gateway,
)
from fees_payme.models import PaymeState, PaymeTransaction
from paymeuz.errors import PaymeError, PaymeRpcError
from paymeuz.handlers import CancelCall, CreateCall, FiscalCall, OrderCall, StatementCall, TransactionCall
from paymeuz.protocol import BIGINT_MAX, TIMEOUT_MS, Reason

logger = logging.getLogger("fees_payme")

ORDER_ID = re.compile(re.escape(MERCHANT_TRANS_ID_PREFIX) + r"[A-Z0-9]{20}")
INT32 = 2**31


def _storable_reason(reason: int) -> int:
    """The reason as stored: any integer Payme sends is accepted (merchant-api.md §2), and the
    column is a bigint; one beyond it (no Payme reason is) is stored as 10, "unknown", and the
    call log keeps the number as sent."""
    return reason if -BIGINT_MAX - 1 <= reason <= BIGINT_MAX else Reason.UNKNOWN


# CheckPerformTransaction and CreateTransaction: the fee's refusals as Payme's account errors.
_ORDER_ERRORS = {
    FeeCode.ORDER_NOT_FOUND: PaymeError.ORDER_NOT_FOUND,
    FeeCode.ALREADY_PAID: PaymeError.ORDER_PAID,
    FeeCode.CANCELLED: PaymeError.ORDER_CLOSED,
    FeeCode.HELD: PaymeError.ORDER_BUSY,
    FeeCode.AMOUNT_MISMATCH: PaymeError.INCORRECT_AMOUNT,
    FeeCode.ATTEMPT_CONFLICT: PaymeError.CANNOT_PERFORM,
}

Outcome = dict[str, Any] | PaymeRpcError
Call = TypeVar("Call")


def now_ms() -> int:
    return int(timezone.now().timestamp() * 1000)


def _datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _soums(tiyin: int | None) -> Decimal | None:
    return None if tiyin is None else Decimal(tiyin) / 100


def _refusal(decision: FeeDecision) -> PaymeRpcError:
    return PaymeRpcError(_ORDER_ERRORS.get(decision.code, PaymeError.CANNOT_PERFORM), detail=decision.detail)


def _decided_in_one_transaction(step: Callable[[Call, int], Outcome], call: Call) -> dict[str, Any]:
    """Runs a method's step in one transaction at Payme's "now"; an error outcome is raised only
    after the commit, so that what an error answer records (a timed-out transaction cancelled) is kept."""
    now = now_ms()
    with transaction.atomic():
        outcome = step(call, now)
    if isinstance(outcome, PaymeRpcError):
        raise outcome
    return outcome


def _expired(txn: PaymeTransaction, now: int) -> bool:
    return now - txn.time > TIMEOUT_MS


# --- The answers, built from what is stored (a repeat gets the same bytes) -------------


def create_result(txn: PaymeTransaction) -> dict[str, Any]:
    return {"create_time": txn.create_time, "transaction": txn.transaction, "state": txn.state, "receivers": None}


def perform_result(txn: PaymeTransaction) -> dict[str, Any]:
    return {"transaction": txn.transaction, "perform_time": txn.perform_time, "state": txn.state}


def cancel_result(txn: PaymeTransaction) -> dict[str, Any]:
    return {"transaction": txn.transaction, "cancel_time": txn.cancel_time, "state": txn.state}


def check_result(txn: PaymeTransaction) -> dict[str, Any]:
    return {
        "create_time": txn.create_time,
        "perform_time": txn.perform_time,
        "cancel_time": txn.cancel_time,
        "transaction": txn.transaction,
        "state": txn.state,
        "reason": txn.reason,
    }


def statement_entry(txn: PaymeTransaction) -> dict[str, Any]:
    return {
        "id": txn.payme_id,
        "time": txn.time,
        "amount": txn.amount,
        "account": txn.account,
        "create_time": txn.create_time,
        "perform_time": txn.perform_time,
        "cancel_time": txn.cancel_time,
        "transaction": txn.transaction,
        "state": txn.state,
        "reason": txn.reason,
        "receivers": None,
    }


# --- State changes (payment row locked by the caller) -------------------------------


def _cancel_created(txn: PaymeTransaction, *, reason: int, now: int, note: str) -> None:
    """State 1 → -1: the attempt is cancelled and the order is payable again."""
    fee_attempt_failed_at_gateway(
        payment_id=txn.payment_id,
        attempt_id=txn.attempt_id,
        error=reason if -INT32 < reason < INT32 else None,  # type: ignore[arg-type]
        note=note,
    )
    txn.state = PaymeState.CANCELLED
    txn.reason = _storable_reason(reason)
    txn.cancel_time = now
    txn.save(update_fields=["state", "reason", "cancel_time"])


def _expire(txn: PaymeTransaction, now: int) -> None:
    logger.info("payme transaction %s: 12 hours passed since %s, cancelled (reason 4)", txn.payme_id, txn.time)
    _cancel_created(txn, reason=Reason.TIMEOUT, now=now, note="Payme: 12 hours passed (reason 4)")


def _lock_transaction(payme_id: str) -> PaymeTransaction | None:
    """The Payme transaction, locked after its payment (the one lock order); None if unknown."""
    payment_id = PaymeTransaction.objects.filter(payme_id=payme_id).values_list("payment_id", flat=True).first()
    if payment_id is None:
        return None
    lock_payment(payment_id)
    return PaymeTransaction.objects.select_for_update().select_related("payment").get(payme_id=payme_id)


# --- The methods ------------------------------------------------------------------------


def payme_check_perform(call: OrderCall) -> dict[str, Any]:
    decision = fee_check(order=call.order_id, gateway=Gateway.PAYME, amount=_soums(call.amount), amount_first=True)
    if decision.code != FeeCode.OK:
        raise _refusal(decision)
    return {"allow": True}


def _create_repeat(txn: PaymeTransaction, call: CreateCall, now: int) -> Outcome:
    if txn.state != PaymeState.CREATED:
        return PaymeRpcError(PaymeError.CANNOT_PERFORM, detail=f"transaction is in state {txn.state}")
    if _expired(txn, now):
        _expire(txn, now)
        return PaymeRpcError(PaymeError.CANNOT_PERFORM, detail="12 hours passed: cancelled")
    if txn.payment.merchant_trans_id != call.order_id or txn.amount != call.amount:
        return PaymeRpcError(PaymeError.CANNOT_PERFORM, detail="a repeat with another order or amount")
    return create_result(txn)


def _create(call: CreateCall, now: int) -> Outcome:
    txn = _lock_transaction(call.id)
    if txn is not None:
        return _create_repeat(txn, call, now)
    if call.order_id is None:
        return PaymeRpcError(PaymeError.ORDER_NOT_FOUND, detail="order_id is missing or malformed")
    payment = lock_payment_reading_auction(call.order_id)
    if payment is None:
        return PaymeRpcError(PaymeError.ORDER_NOT_FOUND, detail="no payment with this order id")
    # A twin of this very call may have committed while we waited for the lock.
    txn = PaymeTransaction.objects.select_for_update().select_related("payment").filter(payme_id=call.id).first()
    if txn is not None:
        return _create_repeat(txn, call, now)
    decision = fee_check(order=call.order_id, gateway=Gateway.PAYME, amount=_soums(call.amount), amount_first=True)
    if decision.code != FeeCode.OK:
        return _refusal(decision)
    if now - call.time > TIMEOUT_MS:
        return PaymeRpcError(PaymeError.CANNOT_PERFORM, detail="time is more than 12 hours ago")
    holder = PaymeTransaction.objects.select_for_update().filter(payment=payment, state=PaymeState.CREATED).first()
    if holder is not None:
        if not _expired(holder, now):
            return PaymeRpcError(PaymeError.ORDER_BUSY, detail=f"transaction {holder.payme_id} holds the order")
        _expire(holder, now)
    decision = fee_prepare(
        order=call.order_id,
        gateway=Gateway.PAYME,
        gateway_trans_id=call.id,
        amount=_soums(call.amount),
        gateway_data={"time": call.time},
        # Payme's 12 hours run from its `time`.
        hold_until=_datetime(min(call.time, now) + TIMEOUT_MS),
        amount_first=True,  # merchant-api.md §4: order missing, amount wrong, paid, closed
    )
    if decision.code != FeeCode.OK or decision.attempt_id is None:
        return _refusal(decision)
    txn = PaymeTransaction.objects.create(
        attempt_id=decision.attempt_id,
        payment=payment,
        payme_id=call.id,
        time=call.time,
        amount=call.amount or 0,  # the fee's amount: checked above
        account=dict(call.account),
        state=PaymeState.CREATED,
        create_time=now,
    )
    return create_result(txn)


def payme_create(call: CreateCall) -> dict[str, Any]:
    return _decided_in_one_transaction(_create, call)


def _perform(call: TransactionCall, now: int) -> Outcome:
    txn = _lock_transaction(call.id)
    if txn is None:
        return PaymeRpcError(PaymeError.TRANSACTION_NOT_FOUND, detail="unknown transaction")
    if txn.state == PaymeState.PERFORMED:
        return perform_result(txn)
    if txn.state != PaymeState.CREATED:
        return PaymeRpcError(PaymeError.CANNOT_PERFORM, detail=f"transaction is in state {txn.state}")
    if _expired(txn, now):
        _expire(txn, now)
        return PaymeRpcError(PaymeError.CANNOT_PERFORM, detail="12 hours passed: cancelled")
    decision = fee_complete(
        order=txn.payment.merchant_trans_id,
        gateway=Gateway.PAYME,
        attempt_id=txn.attempt_id,
        gateway_trans_id=txn.payme_id,
        amount=_soums(txn.amount),
        succeeded=True,
        charged=False,  # Payme holds the money until we answer: refuse rather than refund
    )
    if decision.code != FeeCode.OK:
        return PaymeRpcError(PaymeError.CANNOT_PERFORM, detail=f"not performed: {decision.code} {decision.detail}")
    txn.state = PaymeState.PERFORMED
    txn.perform_time = now
    txn.save(update_fields=["state", "perform_time"])
    return perform_result(txn)


def payme_perform(call: TransactionCall) -> dict[str, Any]:
    return _decided_in_one_transaction(_perform, call)


def _cancel(call: CancelCall, now: int) -> Outcome:
    txn = _lock_transaction(call.id)
    if txn is None:
        return PaymeRpcError(PaymeError.TRANSACTION_NOT_FOUND, detail="unknown transaction")
    if txn.state in (PaymeState.CANCELLED, PaymeState.CANCELLED_AFTER_PERFORM):
        return cancel_result(txn)
    note = f"Payme CancelTransaction, reason {str(call.reason)[:40]}"
    if txn.state == PaymeState.CREATED:
        _cancel_created(txn, reason=call.reason, now=now, note=note)
        return cancel_result(txn)
    decision = fee_refund_at_gateway(
        order=txn.payment.merchant_trans_id,
        gateway=Gateway.PAYME,
        attempt_id=txn.attempt_id,
        gateway_trans_id=txn.payme_id,
        note=note,
    )
    if decision.code != FeeCode.OK:
        return PaymeRpcError(PaymeError.CANNOT_CANCEL, detail=f"refund refused: {decision.detail}")
    txn.state = PaymeState.CANCELLED_AFTER_PERFORM
    txn.reason = _storable_reason(call.reason)
    txn.cancel_time = now
    txn.save(update_fields=["state", "reason", "cancel_time"])
    return cancel_result(txn)


def payme_cancel(call: CancelCall) -> dict[str, Any]:
    return _decided_in_one_transaction(_cancel, call)


def payme_check(call: TransactionCall) -> dict[str, Any]:
    txn = PaymeTransaction.objects.filter(payme_id=call.id).first()
    if txn is None:
        raise PaymeRpcError(PaymeError.TRANSACTION_NOT_FOUND, detail="unknown transaction")
    return check_result(txn)


def payme_statement(call: StatementCall) -> dict[str, Any]:
    """Every transaction whose Payme `time` is in [from, to], by that time: never our clock."""
    transactions = PaymeTransaction.objects.filter(time__gte=call.from_time, time__lte=call.to_time).order_by(
        "time", "pk"
    )
    return {"transactions": [statement_entry(txn) for txn in transactions]}


def payme_set_fiscal_data(call: FiscalCall) -> dict[str, Any]:
    with transaction.atomic():
        txn = PaymeTransaction.objects.select_for_update().filter(payme_id=call.id).first()
        if txn is None:
            raise PaymeRpcError(PaymeError.TRANSACTION_NOT_FOUND, detail="unknown transaction")
        txn.fiscal_data = {**txn.fiscal_data, call.type: call.fiscal_data}
        txn.save(update_fields=["fiscal_data"])
    return {"success": True}


def payme_expire_due(*, now: int | None = None) -> int:
    """The periodic job: a created transaction whose 12 hours have passed is cancelled with
    reason 4 and its order released, as its next Create-repeat or Perform would do. Payme
    cancels it itself too; either way the stored result is the same."""
    now = now if now is not None else now_ms()
    due = PaymeTransaction.objects.filter(state=PaymeState.CREATED, time__lt=now - TIMEOUT_MS).values_list(
        "payme_id", flat=True
    )
    count = 0
    for payme_id in list(due):
        with transaction.atomic():
            txn = _lock_transaction(payme_id)
            if txn is not None and txn.state == PaymeState.CREATED and _expired(txn, now):
                _expire(txn, now)
                count += 1
    return count


class AuctionFeePaymeHandler:
    """Connects Payme's Merchant API to the auction fee (paymeuz.handlers.PaymeMerchantHandler)."""

    order_id_pattern = ORDER_ID

    def check_perform(self, call: OrderCall) -> dict[str, Any]:
        return payme_check_perform(call)

    def create(self, call: CreateCall) -> dict[str, Any]:
        return payme_create(call)

    def perform(self, call: TransactionCall) -> dict[str, Any]:
        return payme_perform(call)

    def cancel(self, call: CancelCall) -> dict[str, Any]:
        return payme_cancel(call)

    def check(self, call: TransactionCall) -> dict[str, Any]:
        return payme_check(call)

    def statement(self, call: StatementCall) -> dict[str, Any]:
        return payme_statement(call)

    def set_fiscal_data(self, call: FiscalCall) -> dict[str, Any]:
        return payme_set_fiscal_data(call)
