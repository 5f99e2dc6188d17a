"""A per-number backoff for password sign-in, whatever the address.

django-axes locks a (number, address) pair after AXES_FAILURE_LIMIT failures. Someone with many
addresses gets that many tries per address, so a number also has a budget of its own:
SIGNIN_NUMBER_FAILURE_LIMIT failed sign-ins from anywhere within the cool-off, then password
sign-in for that number is refused (429) until it passes. The owner can still sign in by SMS.
"""

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from accounts.phone import phone_normalize


def _key(phone: str) -> str:
    return f"signin-failures:number:{phone}"


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
    if not cache.add(_key(phone), 1, timeout=timeout):
        try:
            cache.incr(_key(phone))
        except ValueError:  # expired between add and incr
            cache.add(_key(phone), 1, timeout=timeout)


def number_failures_reset(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: the owner got in; the number's count starts again."""
    cache.delete(_key(user.phone))


class NumberLockoutBackend:
    """Refuses a password sign-in for a number over its budget, before the password is checked
    (after axes' pair lockout). Marks the request so AxesMiddleware answers with the lockout page.

    Only `authenticate`: with no get_user it is never the backend a session is tied to
    (force_login and login() pick the first backend that has one)."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **kwargs: Any) -> None:
        if number_locked(_phone(username)):
            if request is not None:
                request.axes_locked_out = True  # type: ignore[attr-defined]
            raise PermissionDenied
        return None
