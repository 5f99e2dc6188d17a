"""DRF throttles whose rates are read at request time (so settings overrides apply), counted
as the site's own rate limits are (core.ratelimit).

Counters live in the default cache: Redis in production, shared by every web process.
"""

from typing import TYPE_CHECKING, Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.ratelimit import Limit, rate_limit_counts


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

    def window(self, request: Any, view: Any) -> tuple[str, Limit] | None:
        """The counter this request counts in, or None when this throttle does not apply to it."""
        if self.rate is None:
            return None
        key = self.get_cache_key(request, view)
        return None if key is None else (key, Limit(self.num_requests, self.duration))

    def allow_request(self, request: Any, view: Any) -> bool:
        window = self.window(request, view)
        return window is None or self.counted(*rate_limit_counts([window])[0])

    def counted(self, count: int, left: int) -> bool:
        """Whether the request is allowed, given its window's count and the seconds left in it."""
        self._left = left
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


class ThrottlesCountedTogether:
    """For every API view: a request's throttles (a bid has two, its own and the user's) are counted
    in one round trip to Redis (core.ratelimit.rate_limit_counts), not one each. Otherwise DRF's
    check_throttles: every throttle counts, and the longest wait is the 429's Retry-After."""

    def check_throttles(self, request: Any) -> None:
        windows: list[tuple[_RuntimeRate, tuple[str, Limit]]] = []
        durations: list[float] = []
        for throttle in self.get_throttles():  # type: ignore[attr-defined]
            if not isinstance(throttle, _RuntimeRate):
                if not throttle.allow_request(request, self):
                    durations.append(throttle.wait())
            elif (window := throttle.window(request, self)) is not None:
                windows.append((throttle, window))
        counts = rate_limit_counts([window for _throttle, window in windows])
        for (throttle, _window), (count, left) in zip(windows, counts, strict=True):
            if not throttle.counted(count, left):
                durations.append(throttle.wait())
        if durations:
            self.throttled(request, max(durations))  # type: ignore[attr-defined]
