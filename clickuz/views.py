"""Click SHOP API callback endpoints: HTTP 200 and a JSON object, always."""

import logging
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from clickuz.callback_log import callback_log_insert, callback_log_update
from clickuz.errors import ClickError, ClickProtocolError
from clickuz.handlers import ClickAnswer, ClickPaymentHandler
from clickuz.models import BODY_EXCERPT_BYTES, ClickCallback
from clickuz.probe import PROBE_META_KEY, probe_header_valid
from clickuz.protocol import MAX_BODY_BYTES, Action, build_response, form_fields, parse_body, verify_request

logger = logging.getLogger("clickuz.callbacks")

_LOGGED_HEADERS = ("Content-Type", "User-Agent", "X-Forwarded-For", "X-Real-Ip", "Content-Length")
# merchant_trans_id is at most 255 characters (protocol.py); longer unsigned values are cut.
_FIELD_CHARS = 255
# Each stored header value is cut to this many characters (nginx lets a header reach 8 KB).
_HEADER_CHARS = 256
# Our answers that need a person: a forged or misconfigured signature, and our own failure.
_ERROR_LEVEL_CODES = frozenset({ClickError.SIGN_CHECK_FAILED, ClickError.FAILED_TO_UPDATE})


def _printable(text: str) -> str:
    # PostgreSQL text cannot store NUL: keep the evidence, visibly escaped.
    return text.replace("\x00", "\\x00")


def _cut(text: str) -> str:
    return text.encode()[:BODY_EXCERPT_BYTES].decode("utf-8", errors="ignore")


def _excerpt(body: bytes) -> tuple[str, bool]:
    """At most BODY_EXCERPT_BYTES of stored text, and whether that is less than the whole body."""
    whole = len(body) <= BODY_EXCERPT_BYTES
    text = _printable(body[:BODY_EXCERPT_BYTES].decode("utf-8", errors="replace"))
    # Invalid bytes (U+FFFD) and NULs (\x00) take more room as text than as bytes: bound the text.
    stored = _cut(text)
    return stored, not (whole and stored == text)


def _declared_length(request: HttpRequest) -> int | None:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    return declared if 0 <= declared < 2**31 else None


def _log_level(error: ClickError, *, is_probe: bool) -> int:
    """The callback line's level: the operator's probes stay out of the way, failures stand out."""
    if is_probe:
        return logging.DEBUG
    if error in _ERROR_LEVEL_CODES:
        return logging.ERROR
    return logging.INFO if error == ClickError.SUCCESS else logging.WARNING


@method_decorator(csrf_exempt, name="dispatch")
class ClickCallbackView(View):
    """One Click stage (Prepare or Complete) for one payment handler."""

    action: Action = Action.PREPARE
    handler: ClickPaymentHandler | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        # Any method, any body: Click gets JSON. The signature is the only auth.
        started = time.monotonic()
        body = self._read_body(request)
        is_probe = probe_header_valid(request.META.get(PROBE_META_KEY), secret_key=settings.CLICK_SECRET_KEY)
        fields: dict[str, str] = {}
        unreadable: Exception | None = None
        try:
            if request.method != "POST":
                raise ClickProtocolError(ClickError.BAD_REQUEST, f"{request.method} instead of POST")
            if body is None:
                raise ClickProtocolError(ClickError.BAD_REQUEST, "body is too large")
            fields = self._fields(request, body)
        except (ClickProtocolError, UnicodeDecodeError) as exc:
            unreadable = exc
        # The design's rule: the raw request is stored before it is processed, outside the payment's
        # transaction, so it survives whatever happens next.
        callback = self._record(request, body, fields, is_probe=is_probe)
        signed = False
        try:
            if unreadable is not None:
                raise unreadable
            click_request = verify_request(
                fields,
                expected_action=self.action,
                service_id=settings.CLICK_SERVICE_ID,
                secret_key=settings.CLICK_SECRET_KEY,
            )
            signed = True
            answer = self._handle(click_request)
        except ClickProtocolError as exc:
            # verify_request checks the action (-3) only after the signature matched.
            signed = signed or exc.code == ClickError.ACTION_NOT_FOUND
            answer = ClickAnswer(exc.code, detail=exc.detail)
        except UnicodeDecodeError:
            answer = ClickAnswer(ClickError.BAD_REQUEST, detail="body is not UTF-8")
        except Exception as exc:
            # Our side failed to record the result: Click retries on -7.
            logger.exception(
                "Click %s failed for %s", self.action.name, (fields.get("merchant_trans_id") or "")[:_FIELD_CHARS]
            )
            answer = ClickAnswer(ClickError.FAILED_TO_UPDATE, detail=f"{type(exc).__name__}: {exc}")
        payload = build_response(action=self.action, fields=fields, error=answer.error, merchant_id=answer.merchant_id)
        self._finish(callback, fields, payload, answer, started, full_body=body if signed else None, is_probe=is_probe)
        return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})

    def _handle(self, click_request: Any) -> ClickAnswer:
        if self.handler is None:
            raise ImproperlyConfigured("ClickCallbackView needs a handler")
        if self.action is Action.PREPARE:
            return self.handler.prepare(click_request)
        return self.handler.complete(click_request)

    @staticmethod
    def _fields(request: HttpRequest, body: bytes) -> dict[str, str]:
        """Click's fields from the body, whichever encoding carried them (urlencoded and JSON; a
        multipart form too), else from a query string: Click does not document its encoding."""
        if request.content_type == "multipart/form-data":
            try:
                pairs = [(name, str(value)) for name, value in request.POST.items()]
            except Exception as exc:  # Django's multipart parser refuses what it cannot read
                raise ClickProtocolError(ClickError.BAD_REQUEST, f"multipart body: {type(exc).__name__}") from exc
            fields = form_fields(pairs)
        else:
            fields = parse_body(body, request.content_type or "")
        if not fields and request.GET:
            fields = form_fields((name, str(value)) for name, value in request.GET.items())
        return fields

    @staticmethod
    def _read_body(request: HttpRequest) -> bytes | None:
        """The raw body, or None when it is larger than any Click request."""
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_BODY_BYTES:
            return None
        try:
            body = request.body
        except RequestDataTooBig:
            return None
        return body if len(body) <= MAX_BODY_BYTES else None

    def _record(
        self, request: HttpRequest, body: bytes | None, fields: dict[str, str], *, is_probe: bool
    ) -> ClickCallback | None:
        """Store the request before it is processed, with at most an excerpt of its body.

        Nothing is verified yet, so nothing here may grow with what the sender chose to send;
        _finish stores the whole body once the signature has matched. The ids go in now (cut
        to their columns): the answer's update then touches no indexed column.
        """
        if body is None:
            # Not read at all (larger than any Click request): its declared size is all we know.
            text, size, truncated = "", _declared_length(request), True
        else:
            text, truncated = _excerpt(body)
            size = len(body)
        try:
            row = ClickCallback(
                stage=ClickCallback.Stage.PREPARE if self.action is Action.PREPARE else ClickCallback.Stage.COMPLETE,
                method=(request.method or "")[:10],
                content_type=_printable(request.META.get("CONTENT_TYPE", ""))[:200],
                body=text,
                body_bytes=size,
                body_truncated=truncated,
                headers={
                    name: _printable(value[:_HEADER_CHARS])
                    for name in _LOGGED_HEADERS
                    if (value := request.headers.get(name))
                },
                remote_addr=request.META.get("REMOTE_ADDR") or None,
                is_probe=is_probe,
                # Unsigned fields may be any length: the row keeps a bounded part.
                merchant_trans_id=_printable(fields.get("merchant_trans_id") or "")[:_FIELD_CHARS],
                click_trans_id=_printable(fields.get("click_trans_id") or "")[:32],
            )
            callback_log_insert(row)
            return row
        except Exception:
            # The log must never stop a payment from being answered.
            logger.exception("could not store a Click callback")
            return None

    def _finish(
        self,
        callback: ClickCallback | None,
        fields: dict[str, str],
        payload: dict[str, Any],
        answer: ClickAnswer,
        started: float,
        *,
        full_body: bytes | None,
        is_probe: bool,
    ) -> None:
        duration_ms = (time.monotonic() - started) * 1000
        # Unsigned fields may be any length: the log line keeps a bounded part.
        merchant_trans_id = (fields.get("merchant_trans_id") or "")[:_FIELD_CHARS]
        click_trans_id = (fields.get("click_trans_id") or "")[:32]
        detail = answer.detail[:_FIELD_CHARS]
        logger.log(
            _log_level(answer.error, is_probe=is_probe),
            "click %s merchant_trans_id=%s click_trans_id=%s error=%s detail=%s %.1fms",
            self.action.name.lower(),
            merchant_trans_id or None,
            click_trans_id or None,
            int(answer.error),
            detail,
            duration_ms,
            extra={
                "event": "click_callback",
                "stage": self.action.name.lower(),
                "merchant_trans_id": merchant_trans_id or None,
                "click_trans_id": click_trans_id or None,
                "click_error": (fields.get("error") or "")[:_FIELD_CHARS] or None,
                "error_code": int(answer.error),
                "detail": detail,
                "remote_addr": callback.remote_addr if callback else None,
                "callback_id": callback.pk if callback else None,
                "duration_ms": round(duration_ms, 1),
                "is_probe": is_probe,
            },
        )
        if callback is None:
            return
        outcome: dict[str, Any] = {
            # Our answer echoes the sender's ids, whatever their length: store an excerpt of each.
            "response": {key: _cut(value) if isinstance(value, str) else value for key, value in payload.items()},
            "error": int(answer.error),
            "detail": detail,
            "duration_ms": round(duration_ms, 3),
        }
        if full_body is not None and callback.body_truncated:
            # Signed with our secret: the whole request is evidence worth keeping.
            outcome |= {"body": _printable(full_body.decode("utf-8", errors="replace")), "body_truncated": False}
        try:
            callback_log_update(callback.pk, outcome)
        except Exception:
            logger.exception("could not update Click callback %s", callback.pk)
