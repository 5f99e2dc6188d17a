"""A per-number backoff for password sign-in, whatever the address.

django-axes locks a (number, address) pair after AXES_FAILURE_LIMIT failures. Someone with many
addresses gets that many tries per address, so a number also has a budget of its own:
SIGNIN_NUMBER_FAILURE_LIMIT failed sign-ins from anywhere within the cool-off, then password
sign-in for that number is refused (429) until it passes. The owner can still sign in by SMS.

`lockout_time_left` says how long a locked sign-in still waits, from axes' records of the
failures and the number's budget.
"""

import math
import time
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_parameters, get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone

from accounts.phone import phone_normalize


def _key(phone: str) -> str:
    return f"signin-failures:number:{phone}"


def _clock() -> float:
    """Now as a Unix time (one place, so a test can move this module's clock alone)."""
    return time.time()


def _until_key(phone: str) -> str:
    """When the number's count (_key) ends: its first failure and the cool-off (a Unix time)."""
    return f"signin-failures:number-until:{phone}"


def _phone(raw: object) -> str:
    try:
        return phone_normalize(str(raw or ""))
    except ValidationError:  # an unparsable number is not a sign-in of any account
        return ""


def number_failures(phone: str) -> int:
    return int(cache.get(_key(phone)) or 0)


def number_locked(phone: str) -> bool:
    limit = settings.SIGNIN_NUMBER_FAILURE_LIMIT
    return bool(phone) and limit > 0 and number_failures(phone) >= limit


def number_failure_record(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """user_login_failed receiver: one more failure for the number, from whatever address."""
    phone = _phone(credentials.get("username"))
    if not phone:
        return
    timeout = int(settings.AXES_COOLOFF_TIME * 3600)
    if _count_start(phone, timeout):
        return
    try:
        cache.incr(_key(phone))  # the count keeps its expiry: the window runs from the first failure
    except ValueError:  # expired between add and incr
        _count_start(phone, timeout)


def _count_start(phone: str, timeout: int) -> bool:
    """Start the number's count at 1 if it has none; False if it has one."""
    if not cache.add(_key(phone), 1, timeout=timeout):
        return False
    cache.set(_until_key(phone), _clock() + timeout, timeout=timeout)
    return True


def number_failures_reset(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: the owner got in; the number's count starts again."""
    cache.delete_many([_key(user.phone), _until_key(user.phone)])


def _number_lock_ends(phone: str) -> datetime | None:
    """When the number's password sign-in opens again, if it is over its budget."""
    if not number_locked(phone):
        return None
    until = cache.get(_until_key(phone))
    if until is None:  # a count started before its end was kept: as long as a whole cool-off
        return timezone.now() + timedelta(hours=settings.AXES_COOLOFF_TIME)
    return datetime.fromtimestamp(float(until), tz=timezone.get_current_timezone())


def _pair_lock_ends(request: HttpRequest, credentials: dict[str, Any], cool_off: timedelta) -> datetime | None:
    """When axes' lockout of this number and address ends, from its records (AccessAttempt): a record
    counts its failures for the cool-off after its last one (attempt_time), and the lock holds while
    the records still counting add up to the limit. So it ends when enough of the oldest stop counting."""
    AxesProxyHandler.update_request(request)  # the address axes counts by, as it did for the failures
    username = get_client_username(request, credentials)
    limit = get_failure_limit(request, credentials)
    since = timezone.now() - cool_off
    ends: datetime | None = None
    for group in get_client_parameters(
        username,
        request.axes_ip_address,  # type: ignore[attr-defined]
        request.axes_user_agent,  # type: ignore[attr-defined]
        request,
        credentials,
    ):
        records = AccessAttempt.objects.filter(**group, attempt_time__gte=since).order_by("attempt_time")
        rows = list(records.values_list("attempt_time", "failures_since_start"))
        counting = sum(failures for _at, failures in rows)
        if counting < limit:
            continue  # these records lock nothing
        for at, failures in rows:  # the oldest stop counting first
            counting -= failures
            if counting < limit:  # the lock ends with this record
                end = at + cool_off
                ends = end if ends is None else max(ends, end)
                break
    return ends


def lockout_time_left(request: HttpRequest, credentials: dict[str, Any] | None, *, password: bool) -> timedelta:
    """How long a locked-out sign-in still waits: until axes' lock of the number and address ends and,
    for a password sign-in (`password`), the number's own budget's (the later of the two). The whole
    cool-off when neither record says (a lock that has just ended, or a permanent one)."""
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    phone = _phone((credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD))
    ends = [_pair_lock_ends(request, credentials or {}, cool_off)]
    if password:
        ends.append(_number_lock_ends(phone))
    known = [end for end in ends if end is not None]
    if not known:
        return cool_off
    return max(known) - timezone.now()


def minutes_up(left: timedelta) -> int:
    """Whole minutes, rounded up, at least 1: "через 1 мин." for the last seconds of a lock."""
    return max(1, math.ceil(left.total_seconds() / 60))


class NumberLockoutBackend:
    """Refuses a password sign-in for a number over its budget, before the password is checked
    (after axes' pair lockout). Marks the request so AxesMiddleware answers with the lockout page.

    Only `authenticate`: with no get_user it is never the backend a session is tied to
    (force_login and login() pick the first backend that has one)."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **kwargs: Any) -> None:
        if number_locked(_phone(username)):
            if request is not None:
                request.axes_locked_out = True  # type: ignore[attr-defined]
                # The number, for the lockout page's time left (the API's request has no POST to read).
                request.axes_credentials = {settings.AXES_USERNAME_FORM_FIELD: _phone(username)}  # type: ignore[attr-defined]
            raise PermissionDenied
        return None
