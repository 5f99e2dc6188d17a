"""Marks the operator's own test requests (click_doctor) so the callback log can tell
them from Click's: `X-Click-Probe: <unix time>.<hmac>`, keyed by the Click secret.

A marker that does not verify (wrong secret, too old) is ignored: the request is
then handled and logged like any other.
"""

import hashlib
import hmac
import time

PROBE_HEADER = "X-Click-Probe"
# Django's request.META key for the header above.
PROBE_META_KEY = "HTTP_X_CLICK_PROBE"
PROBE_MAX_AGE_SECONDS = 300


def _mac(secret_key: str, stamp: str) -> str:
    return hmac.new(secret_key.encode(), f"click-probe:{stamp}".encode(), hashlib.sha256).hexdigest()


def probe_header_value(*, secret_key: str, now: float | None = None) -> str:
    stamp = str(int(now if now is not None else time.time()))
    return f"{stamp}.{_mac(secret_key, stamp)}"


def probe_header_valid(value: str | None, *, secret_key: str, now: float | None = None) -> bool:
    if not value or not secret_key or "." not in value:
        return False
    stamp, _sep, mac = value.partition(".")
    if not stamp.isdigit() or len(stamp) > 12:
        return False
    now = now if now is not None else time.time()
    if abs(now - int(stamp)) > PROBE_MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(_mac(secret_key, stamp).encode(), mac.strip().lower().encode())
