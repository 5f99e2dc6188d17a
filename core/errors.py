"""A database that is down or restarting answers 503 + Retry-After, not 500."""

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 + Retry-After. Nothing was decided (every write runs in a transaction), so the
    client may send the same request again. JSON for the API and JSON clients; for people a
    small page rendered without touching the database."""
    message = _("Сервис временно недоступен. Повторите через минуту — ничего не потеряно.")
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {"error": {"code": "unavailable", "message": message, "fields": {}}}, status=503
        )
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# SQLSTATEs of a server that went away or is not accepting connections: class 08 (connection
# exception), and an administrator's or a crash's shutdown, or a server still starting (57P01-03).
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def database_lost(exc: BaseException | None) -> bool:
    """Whether an error means the database is out of reach (retry later), not that it refused
    this request (a real error: a 500, logged as such)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    # No SQLSTATE: the server never answered (PostgreSQL), or SQLite's file is busy or gone.
    return sqlstate is None or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


def database_error_mark(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """got_request_exception receiver: note that this request failed because the database is out of reach."""
    if request is not None and database_lost(sys.exc_info()[1]):
        request.database_unavailable = True  # type: ignore[attr-defined]


class DatabaseUnavailableMiddleware:
    """Outermost middleware: a request that failed because the database is down or restarting
    answers 503 + Retry-After instead of a 500, wherever the error was raised (a view or a
    middleware that read the session or the user), with DEBUG on or off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            logger.warning("database unavailable: %s %s answered 503", request.method, request.path)
            return database_unavailable(request)
        return response
