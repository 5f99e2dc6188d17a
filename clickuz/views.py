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

from clickuz.errors import ClickError, ClickProtocolError
from clickuz.handlers import ClickAnswer, ClickPaymentHandler
from clickuz.models import ClickCallback
from clickuz.protocol import MAX_BODY_BYTES, Action, build_response, parse_body, verify_request

logger = logging.getLogger("clickuz.callbacks")

_LOGGED_HEADERS = ("Content-Type", "User-Agent", "X-Forwarded-For", "X-Real-Ip", "Content-Length")


def _printable(text: str) -> str:
    # PostgreSQL text cannot store NUL: keep the evidence, visibly escaped.
    return text.replace("\x00", "\\x00")


@method_decorator(csrf_exempt, name="dispatch")
class ClickCallbackView(View):
    """One Click stage (Prepare or Complete) for one payment handler."""

    action: Action = Action.PREPARE
    handler: ClickPaymentHandler | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        # Any method, any body: Click gets JSON. The signature is the only auth.
        started = time.monotonic()
        body = self._read_body(request)
        callback = self._record(request, body)
        fields: dict[str, str] = {}
        try:
            if request.method != "POST":
                raise ClickProtocolError(ClickError.BAD_REQUEST, f"{request.method} instead of POST")
            if body is None:
                raise ClickProtocolError(ClickError.BAD_REQUEST, "body is too large")
            fields = parse_body(body, request.content_type or "")
            click_request = verify_request(
                fields,
                expected_action=self.action,
                service_id=settings.CLICK_SERVICE_ID,
                secret_key=settings.CLICK_SECRET_KEY,
            )
            answer = self._handle(click_request)
        except ClickProtocolError as exc:
            answer = ClickAnswer(exc.code, detail=exc.detail)
        except UnicodeDecodeError:
            answer = ClickAnswer(ClickError.BAD_REQUEST, detail="body is not UTF-8")
        except Exception as exc:
            # Our side failed to record the result: Click retries on -7.
            logger.exception("Click %s failed for %s", self.action.name, fields.get("merchant_trans_id"))
            answer = ClickAnswer(ClickError.FAILED_TO_UPDATE, detail=f"{type(exc).__name__}: {exc}")
        payload = build_response(action=self.action, fields=fields, error=answer.error, merchant_id=answer.merchant_id)
        self._finish(callback, fields, payload, answer, started)
        return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})

    def _handle(self, click_request: Any) -> ClickAnswer:
        if self.handler is None:
            raise ImproperlyConfigured("ClickCallbackView needs a handler")
        if self.action is Action.PREPARE:
            return self.handler.prepare(click_request)
        return self.handler.complete(click_request)

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

    def _record(self, request: HttpRequest, body: bytes | None) -> ClickCallback | None:
        text = "(body larger than 64 KiB, not stored)" if body is None else body.decode("utf-8", errors="replace")
        try:
            return ClickCallback.objects.create(
                stage=ClickCallback.Stage.PREPARE if self.action is Action.PREPARE else ClickCallback.Stage.COMPLETE,
                method=(request.method or "")[:10],
                content_type=_printable(request.META.get("CONTENT_TYPE", ""))[:200],
                body=_printable(text),
                headers={name: _printable(value) for name in _LOGGED_HEADERS if (value := request.headers.get(name))},
                remote_addr=request.META.get("REMOTE_ADDR") or None,
            )
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
    ) -> None:
        duration_ms = (time.monotonic() - started) * 1000
        logger.info(
            "click %s merchant_trans_id=%s click_trans_id=%s error=%s detail=%s %.1fms",
            self.action.name.lower(),
            fields.get("merchant_trans_id"),
            fields.get("click_trans_id"),
            int(answer.error),
            answer.detail,
            duration_ms,
            extra={
                "event": "click_callback",
                "stage": self.action.name.lower(),
                "merchant_trans_id": fields.get("merchant_trans_id"),
                "click_trans_id": fields.get("click_trans_id"),
                "click_error": fields.get("error"),
                "error_code": int(answer.error),
                "detail": answer.detail,
                "remote_addr": callback.remote_addr if callback else None,
                "callback_id": callback.pk if callback else None,
                "duration_ms": round(duration_ms, 1),
            },
        )
        if callback is None:
            return
        try:
            ClickCallback.objects.filter(pk=callback.pk).update(
                merchant_trans_id=(fields.get("merchant_trans_id") or "")[:255],
                click_trans_id=(fields.get("click_trans_id") or "")[:32],
                response=payload,
                error=int(answer.error),
                detail=answer.detail[:255],
                duration_ms=duration_ms,
            )
        except Exception:
            logger.exception("could not update Click callback %s", callback.pk)
