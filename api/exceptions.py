"""One error format for the whole API: {"error": {"code", "message", "fields"}}.

`code` is machine-readable (DRF's codes, or an AuctionRuleError code such as
"too_low"), `message` is for people (in the site's language), `fields` maps a
request field to its messages (empty when the error is not about one field).
"""

import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from auctions.errors import AuctionRuleError

# AuctionRuleError codes that are about the request itself (400); the rest are
# conflicts with the auction's current state (409), e.g. "too_low", "ended".
INPUT_CODES = frozenset({"invalid_amount", "max_below_amount", "no_amount"})
FORBIDDEN_CODES = frozenset({"not_owner", "own_auction", "phone_unconfirmed"})
NOT_FOUND_CODES = frozenset({"not_found"})


class ApiError(exceptions.APIException):
    """An error with our own code and status."""

    def __init__(self, *, message: str, code: str, status_code: int) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code


def rule_error(exc: AuctionRuleError) -> ApiError:
    if exc.code in INPUT_CODES:
        status_code = status.HTTP_400_BAD_REQUEST
    elif exc.code in FORBIDDEN_CODES:
        status_code = status.HTTP_403_FORBIDDEN
    elif exc.code in NOT_FOUND_CODES:
        status_code = status.HTTP_404_NOT_FOUND
    else:
        status_code = status.HTTP_409_CONFLICT
    return ApiError(message=exc.message, code=exc.code, status_code=status_code)


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [text for value in detail.values() for text in _flatten(value)]
    if isinstance(detail, list):
        return [text for value in detail for text in _flatten(value)]
    return [str(detail)]


def _fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"field": [messages]}, nested fields as "a.b"; errors not tied to a field under "non_field_errors"."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(_fields(value, name))
            else:
                out[name] = _flatten(value)
    elif isinstance(detail, list):
        out[prefix or "non_field_errors"] = _flatten(detail)
    return out


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, AuctionRuleError):
        exc = rule_error(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # an unexpected exception: Django's 500 handling and logging
    if isinstance(exc, exceptions.ValidationError):
        error: dict[str, Any] = {
            "code": "invalid",
            "message": _("Проверьте введённые данные."),
            "fields": _fields(exc.detail),
        }
    else:
        error = {"code": _code(exc), "message": " ".join(_flatten(exc.detail)), "fields": {}}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        error["retry_after"] = math.ceil(exc.wait)
    response.data = {"error": error}
    return response


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """handler500: the API's error format under /api/v1/, Django's page elsewhere (the error is logged as usual)."""
    if request.path.startswith("/api/v1/"):
        error = {"code": "server_error", "message": str(exceptions.APIException.default_detail), "fields": {}}
        return JsonResponse({"error": error}, status=500)
    return defaults.server_error(request, *args, **kwargs)
