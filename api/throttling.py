"""DRF throttles whose rates are read at request time (so settings overrides apply).

Counters live in the default cache: Redis in production, shared by every web process.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _RuntimeRate:
    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_RuntimeRate, AnonRateThrottle):
    """Anonymous requests, per client address."""


class UserThrottle(_RuntimeRate, UserRateThrottle):
    """Signed-in requests, per user (anonymous ones per address)."""


class BidThrottle(_RuntimeRate, UserRateThrottle):
    """Bids and buy-now: per user."""

    scope = "bids"


class PaymentThrottle(_RuntimeRate, UserRateThrottle):
    """Fee payment initiation: per user."""

    scope = "payments"


class TokenThrottle(_RuntimeRate, AnonRateThrottle):
    """Token requests (phone + password): per client address."""

    scope = "token"
