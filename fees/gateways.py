"""What the fee core asks of a gateway's own API (refunds and status), without knowing it.

Each gateway adapter registers itself in its AppConfig.ready(); the core looks
the gateway up by the name stored on the attempt.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from fees.models import FeeRefund


class GatewayOutcome(StrEnum):
    DONE = "done"  # the gateway confirms the money moved back
    REFUSED = "refused"  # a definite no: nothing moved (for a check: the payer is still charged)
    UNKNOWN = "unknown"  # no definite answer (timeout, 5xx, connection lost): ask before acting again


@dataclass(frozen=True)
class GatewayAnswer:
    outcome: GatewayOutcome
    note: str = ""


class GatewayRefunds(Protocol):
    def refund_send(self, refund: "FeeRefund") -> GatewayAnswer:
        """Send one refund. Called once per committed `sending` state, never retried blindly."""
        ...

    def refund_check(self, refund: "FeeRefund") -> GatewayAnswer:
        """Ask whether the refund's payment has been given back."""
        ...


_gateways: dict[str, GatewayRefunds] = {}


def gateway_register(name: str, gateway: GatewayRefunds) -> None:
    _gateways[name] = gateway


def gateway_for(name: str) -> GatewayRefunds | None:
    return _gateways.get(name)
