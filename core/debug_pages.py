"""The site's own 404 and 500 pages with DEBUG on too (issue 14, item 10).

With DEBUG on, Django answers a missing page or an error with its technical pages; people trying the
site on the embedded default (`make run`, DEBUG=1) then meet a yellow page in English instead of the
site's own, translated one. So with DEBUG on this middleware answers as production does:

- a missing page (no URL matches, or a view raises Http404): the site's 404 page (handler404);
- an unexpected error: the site's 500 page, which with DEBUG on also shows the developer the error
  and its traceback (folded), logged to the console as usual.

A developer who wants Django's page adds `?_debug` to the address (a GET shows Django's page for
that one request), or sets DEBUG_ERROR_PAGES=technical to have Django's pages throughout. With DEBUG
off this middleware does nothing: Django already uses the site's pages. PermissionDenied, BadRequest
and SuspiciousOperation keep Django's own handling (which for PermissionDenied, DEBUG on or off, is
the site's 403.html; a failed CSRF check is core.forbidden's page).
"""

import logging
import traceback
from collections.abc import Callable

from django.conf import settings
from django.core import signals
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.urls import Resolver404, get_resolver, resolve

logger = logging.getLogger("django.request")
TECHNICAL_PARAM = "_debug"


def _wanted(request: HttpRequest) -> bool:
    """True when this request should get the site's page rather than Django's technical one."""
    return (
        settings.DEBUG
        and getattr(settings, "DEBUG_ERROR_PAGES", "site") == "site"
        and TECHNICAL_PARAM not in request.GET
    )


def _not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return get_resolver().resolve_error_handler(404)(request, exception)


def _server_error(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return get_resolver().resolve_error_handler(500)(request)  # the API's error format
    # Like handler500: no request context (the database may be why we are here).
    details = "".join(traceback.format_exception(exception))
    page = render_to_string("500.html", {"debug_error": details, "debug_param": TECHNICAL_PARAM})
    return HttpResponseServerError(page)


class SiteErrorPagesInDebugMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # No URL matched: Django answered before any view ran, so process_exception never saw it.
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None and _wanted(request):
            try:
                resolve(request.path_info)
            except Resolver404 as exc:
                return _not_found(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _wanted(request):
            return None
        if isinstance(exception, Http404):
            return _not_found(request, exception)
        from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation

        if isinstance(exception, PermissionDenied | BadRequest | SuspiciousOperation):
            return None  # Django's own answers (403, 400)
        # What Django does for an uncaught error: tell the receivers (the test client, the outage
        # check in core.errors), log it with its traceback, answer 500.
        signals.got_request_exception.send(sender=None, request=request)
        response = _server_error(request, exception)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=(type(exception), exception, exception.__traceback__),
            extra={"status_code": 500, "request": request},
        )
        response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own marker
        return response
