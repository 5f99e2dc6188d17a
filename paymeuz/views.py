"""The Payme Merchant API endpoint: HTTP 200 and a JSON-RPC answer, always (merchant-api.md §1).

Order of checks: authentication (before anything else: a failure changes and stores
nothing), the HTTP method, the JSON, the RPC object, the method, its params."""

import logging
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from paymeuz import protocol
from paymeuz.errors import PaymeError, PaymeRpcError
from paymeuz.handlers import (
    CancelCall,
    CreateCall,
    FiscalCall,
    OrderCall,
    PaymeMerchantHandler,
    StatementCall,
    TransactionCall,
)
from paymeuz.keys import current_key, key_change
from paymeuz.models import BODY_BYTES, KEY_MAX_CHARS, PaymeCall

logger = logging.getLogger("paymeuz.calls")

CONTENT_TYPE = "application/json; charset=UTF-8"
PROBE_HEADER = "X-Payme-Probe"
FISCAL_TYPES = ("PERFORM", "CANCEL")


def _printable(text: str) -> str:
    return text.replace("\x00", "\\x00")


@method_decorator(csrf_exempt, name="dispatch")
class PaymeEndpointView(View):
    handler: PaymeMerchantHandler | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        started = time.monotonic()
        body = self._read_body(request)
        # Every answer echoes the id, even one to a call that fails before it is parsed.
        request_id: Any = protocol.request_id_of(body)
        call: PaymeCall | None = None
        rpc: protocol.RpcRequest | None = None
        error: PaymeRpcError | None = None
        detail = ""
        header = request.META.get("HTTP_AUTHORIZATION")
        try:
            # A missing or malformed header is refused before the key is read (from the database).
            if protocol.credentials_of(header) is None or not protocol.authorization_valid(header, [current_key()]):
                logger.warning(
                    "payme call refused: authorization failed from %s",
                    request.META.get("REMOTE_ADDR"),
                    extra={"event": "payme_call", "error_code": int(PaymeError.INSUFFICIENT_PRIVILEGE)},
                )
                return self._respond(
                    protocol.error_payload(request_id, PaymeRpcError(PaymeError.INSUFFICIENT_PRIVILEGE))
                )
            call = self._record(request, body)
            if request.method != "POST":
                raise PaymeRpcError(PaymeError.NOT_POST, detail=f"{request.method} instead of POST")
            if body is None:
                raise PaymeRpcError(PaymeError.INVALID_REQUEST, detail="the body is too large")
            rpc = protocol.parse_request(body)
            request_id = rpc.id
            payload = protocol.result_payload(rpc.id, self._handle(rpc))
        except PaymeRpcError as exc:
            payload = protocol.error_payload(request_id, exc)
            error, detail = exc, exc.detail
        except Exception as exc:
            # Our side failed (the database is down…): Payme retries on -32400.
            logger.exception("payme %s failed", rpc.method if rpc else "call")
            error = PaymeRpcError(PaymeError.SYSTEM_ERROR, detail=f"{type(exc).__name__}: {exc}")
            payload = protocol.error_payload(request_id, error)
            detail = error.detail
        self._finish(call, rpc, payload, error, detail, started)
        return self._respond(payload)

    @staticmethod
    def _respond(payload: dict[str, Any]) -> HttpResponse:
        return HttpResponse(protocol.encode(payload), content_type=CONTENT_TYPE, status=200)

    @staticmethod
    def _read_body(request: HttpRequest) -> bytes | None:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > protocol.MAX_BODY_BYTES:
            return None
        try:
            body = request.body
        except RequestDataTooBig:
            return None
        return body if len(body) <= protocol.MAX_BODY_BYTES else None

    def _handle(self, rpc: protocol.RpcRequest) -> dict[str, Any]:
        handler = self.handler
        if handler is None:
            raise ImproperlyConfigured("PaymeEndpointView needs a handler")
        params = rpc.params
        method = rpc.method
        if method == "CheckPerformTransaction":
            amount = protocol.param_amount(params)
            account = protocol.param_account(params)
            order_id = protocol.account_order_id(account, handler.order_id_pattern)
            return handler.check_perform(OrderCall(amount=amount, order_id=order_id, account=account))
        if method == "CreateTransaction":
            payme_id = protocol.param_id(params)
            payme_time = protocol.param_time(params)
            amount = protocol.param_amount(params)
            account = protocol.param_account(params)
            try:
                create_order_id: str | None = protocol.account_order_id(account, handler.order_id_pattern)
            except PaymeRpcError:
                # A repeat of a known id answers -31008 first (§4); the handler refuses a new one with -31050.
                create_order_id = None
            return handler.create(
                CreateCall(id=payme_id, time=payme_time, amount=amount, order_id=create_order_id, account=account)
            )
        if method == "PerformTransaction":
            return handler.perform(TransactionCall(id=protocol.param_id(params)))
        if method == "CancelTransaction":
            payme_id = protocol.param_id(params)
            return handler.cancel(CancelCall(id=payme_id, reason=protocol.param_reason(params)))
        if method == "CheckTransaction":
            return handler.check(TransactionCall(id=protocol.param_id(params)))
        if method == "GetStatement":
            from_time = protocol.param_bound(params, "from")
            to_time = protocol.param_bound(params, "to")
            return handler.statement(StatementCall(from_time=from_time, to_time=to_time))
        if method == "ChangePassword":
            password = protocol.param_string(params, "password")
            if not password or len(password) > KEY_MAX_CHARS:
                raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="password", detail="password is empty or too long")
            key_change(password)
            return {"success": True}
        if method == "SetFiscalData":
            payme_id = protocol.param_id(params)
            fiscal_type = params.get("type")
            if fiscal_type not in FISCAL_TYPES:
                raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="type", detail="type must be PERFORM or CANCEL")
            if not isinstance(params.get("fiscal_data"), dict):
                raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="fiscal_data", detail="fiscal_data is missing")
            fiscal_data = protocol.storable(params["fiscal_data"])
            return handler.set_fiscal_data(FiscalCall(id=payme_id, type=fiscal_type, fiscal_data=fiscal_data))
        raise PaymeRpcError(PaymeError.METHOD_NOT_FOUND, data=method, detail=f"unknown method {method[:64]!r}")

    @staticmethod
    def _record(request: HttpRequest, body: bytes | None) -> PaymeCall | None:
        """Store an authenticated call before it is processed."""
        text = "" if body is None else _printable(protocol.without_secrets(body)[:BODY_BYTES])
        try:
            return PaymeCall.objects.create(
                body=text,
                content_type=_printable(request.META.get("CONTENT_TYPE", ""))[:200],
                remote_addr=request.META.get("REMOTE_ADDR") or None,
                is_probe=request.headers.get(PROBE_HEADER) == "1",
            )
        except Exception:
            # The log must never stop a payment from being answered.
            logger.exception("could not store a Payme call")
            return None

    @staticmethod
    def _finish(
        call: PaymeCall | None,
        rpc: protocol.RpcRequest | None,
        payload: dict[str, Any],
        error: PaymeRpcError | None,
        detail: str,
        started: float,
    ) -> None:
        duration_ms = (time.monotonic() - started) * 1000
        # What the log and its row keep is storable (a NUL or a lone surrogate Payme sent is U+FFFD there).
        method = protocol.storable(rpc.method[:40]) if rpc else ""
        params = rpc.params if rpc else {}
        raw_id = params.get("id")
        payme_id = protocol.storable(raw_id) if isinstance(raw_id, str) else ""
        account = params.get("account")
        raw_order = account.get("order_id") if isinstance(account, dict) else None
        order_id = protocol.storable(raw_order) if isinstance(raw_order, str) else ""
        detail = protocol.storable(detail)
        code = int(error.code) if error else None
        level = logging.INFO
        if error is not None:
            level = logging.ERROR if error.code == PaymeError.SYSTEM_ERROR else logging.WARNING
        logger.log(
            level,
            "payme %s id=%s order_id=%s error=%s detail=%s %.1fms",
            method or None,
            payme_id[:64] or None,
            order_id[:64] or None,
            code,
            detail[:255],
            duration_ms,
            extra={
                "event": "payme_call",
                "method": method,
                "payme_id": payme_id[:64] or None,
                "order_id": order_id[:64] or None,
                "error_code": code,
                "detail": detail[:255],
                "duration_ms": round(duration_ms, 1),
                "callback_id": call.pk if call else None,
            },
        )
        if call is None:
            return
        try:
            PaymeCall.objects.filter(pk=call.pk).update(
                method=method,
                payme_id=payme_id[:64],
                order_id=order_id[:64],
                response=protocol.storable(payload),
                error=code,
                detail=detail[:255],
                duration_ms=duration_ms,
            )
        except Exception:
            logger.exception("could not update Payme call %s", call.pk)
