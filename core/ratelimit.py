"""Cache-based rate limits for the site's expensive or abusable POSTs.

A fixed window per (scope, key): the first hit creates a counter that expires
after the window, each hit increments it, and a request over the limit is
refused. Counters live in the cache (Redis in production, so every web
process shares them). Each limited view counts per signed-in user AND per
client address (REMOTE_ADDR, made real by core.clientip behind nginx).
"""

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.checks import Error
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.clientip import client_ip


@dataclass(frozen=True)
class Limit:
    count: int  # requests allowed per window; 0 turns the limit off
    seconds: int


def limit_parse(value: str) -> Limit:
    """ "20/60" → 20 requests per 60 seconds; "0" or "" → off."""
    value = value.strip()
    if not value or value == "0":
        return Limit(0, 1)
    count, _, seconds = value.partition("/")
    limit = Limit(int(count), int(seconds or 60))  # ValueError for anything but digits
    if limit.count < 0 or limit.seconds <= 0:
        raise ValueError(f"bad rate limit {value!r}: expected COUNT/SECONDS, e.g. 20/60")
    return limit


def rate_limit_count(key: str, limit: Limit) -> tuple[int, int]:
    """Count one event in the fixed window `key`; returns (the window's count, seconds left in it).
    On Redis (core.cache) one atomic round trip; on other caches add() and incr()."""
    return rate_limit_counts([(key, limit)])[0]


def rate_limit_counts(windows: Sequence[tuple[str, Limit]]) -> list[tuple[int, int]]:
    """rate_limit_count for several windows at once: one round trip on Redis for them all."""
    count_in_windows = getattr(cache, "count_in_windows", None)
    if count_in_windows is not None:
        return count_in_windows([(key, limit.seconds) for key, limit in windows])
    return [_count_elsewhere(key, limit) for key, limit in windows]


def _count_elsewhere(key: str, limit: Limit) -> tuple[int, int]:
    if cache.add(key, 1, timeout=limit.seconds):
        return 1, limit.seconds
    try:
        return cache.incr(key), limit.seconds
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.seconds)
        return 1, limit.seconds


def rate_limit_hit(key: str, limit: Limit) -> bool:
    """Count one event in a fixed window (the cache: Redis in production); True when it is within the limit.

    A limit of 0 is off.
    """
    if limit.count <= 0:
        return True
    count, _left = rate_limit_count(key, limit)
    return count <= limit.count


def rate_limit_allows(*, scope: str, request: HttpRequest) -> bool:
    """Count this request against `scope`'s per-user and per-address limits (settings.RATE_LIMITS).

    Both counters are always incremented, so neither a new account nor a new
    address resets the other one.
    """
    limits = settings.RATE_LIMITS.get(scope, {})
    allowed = True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and "user" in limits:
        allowed &= rate_limit_hit(f"ratelimit:{scope}:user:{user.pk}", limit_parse(limits["user"]))
    address = client_ip(request) or "unknown"
    if "ip" in limits:
        allowed &= rate_limit_hit(f"ratelimit:{scope}:ip:{address}", limit_parse(limits["ip"]))
    return bool(allowed)


def rate_limited_message() -> str:
    return _("Слишком много запросов. Подождите минуту и попробуйте снова.")


def rate_limits_check(**kwargs: Any) -> list[Error]:
    """System check (core.apps): every RATE_LIMIT_* value parses, so a typo fails `check` and deploys."""
    errors = []
    for scope, limits in settings.RATE_LIMITS.items():
        for kind, value in limits.items():
            try:
                limit_parse(value)
            except ValueError:
                errors.append(
                    Error(
                        f"RATE_LIMITS[{scope!r}][{kind!r}] = {value!r}: expected COUNT/SECONDS (e.g. 30/60) or 0.",
                        hint="Fix the RATE_LIMIT_* setting in the environment or .env.",
                        id="core.E001",
                    )
                )
    return errors


def rate_limit_take(key: str, limit: Limit, *, amount: int = 1) -> bool:
    """Count `amount` events at once in a fixed window (e.g. the photos of one upload); True when the
    window's total stays within the limit. A refused take is not counted. A limit of 0 is off."""
    if limit.count <= 0 or amount <= 0:
        return True
    if amount > limit.count:
        return False
    if cache.add(key, amount, timeout=limit.seconds):
        return True
    try:
        value = cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        return cache.add(key, amount, timeout=limit.seconds) or rate_limit_take(key, limit, amount=amount)
    if value > limit.count:
        with contextlib.suppress(ValueError):
            cache.decr(key, amount)  # refused: give the amount back
        return False
    return True
