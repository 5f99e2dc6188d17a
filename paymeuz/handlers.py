"""The contract between the Payme protocol layer and what is being paid for.

The view authenticates, parses and types each call; the handler decides and returns the
method's `result` object, or raises PaymeRpcError with the protocol's code."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class OrderCall:
    """CheckPerformTransaction. `amount` is None when it is no valid amount (≤ 0, a fraction)."""

    amount: int | None
    order_id: str
    account: Mapping[str, Any]


@dataclass(frozen=True)
class CreateCall:
    id: str
    time: int
    amount: int | None
    order_id: str | None  # None: missing or malformed (the handler answers -31050 unless the id is a repeat)
    account: Mapping[str, Any]


@dataclass(frozen=True)
class TransactionCall:
    """PerformTransaction and CheckTransaction."""

    id: str


@dataclass(frozen=True)
class CancelCall:
    id: str
    reason: int


@dataclass(frozen=True)
class StatementCall:
    from_time: int
    to_time: int


@dataclass(frozen=True)
class FiscalCall:
    id: str
    type: str
    fiscal_data: Any


class PaymeMerchantHandler(Protocol):
    """Implemented by each kind of order paid through Payme (the auction fee, …)."""

    # The cashbox's order_id field: anything else is -31050 before the handler is asked.
    order_id_pattern: re.Pattern[str]

    def check_perform(self, call: OrderCall) -> dict[str, Any]: ...

    def create(self, call: CreateCall) -> dict[str, Any]: ...

    def perform(self, call: TransactionCall) -> dict[str, Any]: ...

    def cancel(self, call: CancelCall) -> dict[str, Any]: ...

    def check(self, call: TransactionCall) -> dict[str, Any]: ...

    def statement(self, call: StatementCall) -> dict[str, Any]: ...

    def set_fiscal_data(self, call: FiscalCall) -> dict[str, Any]: ...
