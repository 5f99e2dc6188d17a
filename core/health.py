"""`/healthz` for load balancers: JSON, no auth, no HTTPS redirect, any Host header.

Answered by a middleware placed first, so a probe by IP address is not refused
by ALLOWED_HOSTS and never touches sessions or the database beyond the check.
200 when the database and the cache answer, 503 otherwise.
"""

import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

HEALTH_PATHS = frozenset({"/healthz", "/healthz/"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not return 1")


def _check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "1":
        raise RuntimeError("the value written was not read back")


CHECKS: dict[str, Callable[[], None]] = {"database": _check_database, "cache": _check_cache}


def health_status() -> tuple[bool, dict[str, dict[str, object]]]:
    results: dict[str, dict[str, object]] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:
            healthy = False
            # The probe is public: the reason goes to the log, not to the answer.
            results[name] = {"ok": False}
            logger.error(
                "healthz: %s failed: %s: %s", name, type(exc).__name__, exc, extra={"event": "healthz", "check": name}
            )
        else:
            results[name] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    return healthy, results


def healthz(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response: HttpResponse = JsonResponse({"status": "method not allowed"}, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    healthy, checks = health_status()
    response = JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in HEALTH_PATHS:
            return healthz(request)
        return self.get_response(request)
