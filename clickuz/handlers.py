"""The contract between the Click protocol layer and what is being paid for."""

from dataclasses import dataclass
from typing import Protocol

from clickuz.errors import ClickError
from clickuz.protocol import ClickRequest


@dataclass(frozen=True)
class ClickAnswer:
    """The merchant's decision: an error code and, on success, our id."""

    error: ClickError
    merchant_id: int | None = None
    detail: str = ""


class ClickPaymentHandler(Protocol):
    """Implemented by each kind of order paid through Click (auction fee, …)."""

    def prepare(self, request: ClickRequest) -> ClickAnswer: ...

    def complete(self, request: ClickRequest) -> ClickAnswer: ...
