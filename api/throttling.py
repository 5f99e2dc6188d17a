"""DRF throttles whose rates are read at request time (so settings overrides apply), counted
as the site's own rate limits are (core.ratelimit).

Counters live in the default cache: Redis in production, shared by every web process.
"""

from typing import TYPE_CHECKING, Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.ratelimit import Limit, rate_limit_count


class _RuntimeRate:
    """A fixed window per client and scope, counted by core.ratelimit in one atomic round trip.
    DRF's SimpleRateThrottle keeps the times of the window's requests as one cache value that it
    reads, appends to and writes back: two round trips, a value as long as the rate, and
    concurrent requests overwrite each other's appends, so a burst of them all passes."""

    # Not DRF's "throttle_%(scope)s_%(ident)s": its keys hold lists of times, and an old process
    # (a rolling deploy, a rollback) reading a counter, or this one incrementing a list, would fail.
    cache_format = "api-rate:%(scope)s:%(ident)s"
    scope: str
    rate: str | None
    num_requests: int
    duration: int
    _left = 0

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    if TYPE_CHECKING:  # AnonRateThrottle's or UserRateThrottle's, later in the MRO

        def get_cache_key(self, request: Any, view: Any) -> str | None: ...

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        count, self._left = rate_limit_count(key, Limit(self.num_requests, self.duration))
        return count <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window ends (the 429's Retry-After)."""
        return float(self._left or self.duration)


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
