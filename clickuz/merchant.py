"""Click's Merchant API client (shop-api.md §8): our server asks Click.

Payment status (by Click's payment id or by our merchant_trans_id), reversal,
invoice by phone. Auction-agnostic: callers pass a `payment_ref` (our
merchant_trans_id) that goes into every log line.

Every call has a timeout and a bounded number of retries. A read (GET) is
retried on any transport failure or a 5xx; a call that changes something at
Click (reversal, invoice) is retried only when the request never reached Click
(the connection failed), so a reversal is never sent twice by us.
Nothing here raises on a Click or network failure: the result says what
happened and the caller records it.
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings

logger = logging.getLogger("clickuz.merchant")

# payment_status values (shop-api.md §8): only 2 means the money moved.
PAYMENT_STATUS_PAID = 2
PAYMENT_STATUS_PROCESSING = 1
PAYMENT_STATUS_CREATED = 0
# invoice_status follows the same convention: 2 paid, negative failed.
INVOICE_STATUS_PAID = 2


class MerchantApiNotConfigured(Exception):
    """CLICK_MERCHANT_API_URL (or the credentials) are not set."""


def json_dumps_exact(body: dict[str, Any]) -> bytes:
    """JSON with Decimals written as the numbers they are (json.dumps would need a float)."""
    decimals: dict[str, str] = {}

    def encode(value: object) -> str:
        if not isinstance(value, Decimal) or not value.is_finite():
            raise TypeError(f"cannot encode {type(value).__name__} as JSON")
        marker = f"__decimal_{len(decimals)}__"
        decimals[marker] = str(value)
        return marker

    text = json.dumps(body, default=encode, ensure_ascii=False)
    for marker, number in decimals.items():
        text = text.replace(f'"{marker}"', number)
    return text.encode()


def auth_header(*, merchant_user_id: str, secret_key: str, timestamp: int) -> str:
    """`Auth: merchant_user_id:sha1(timestamp + secret_key):timestamp` with a 10-digit UNIX timestamp."""
    stamp = str(int(timestamp))
    digest = hashlib.sha1((stamp + secret_key).encode(), usedforsecurity=False).hexdigest()
    return f"{merchant_user_id}:{digest}:{stamp}"


@dataclass(frozen=True)
class MerchantConfig:
    base_url: str
    service_id: str
    merchant_user_id: str
    secret_key: str
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5

    @classmethod
    def from_settings(cls) -> "MerchantConfig":
        return cls(
            base_url=settings.CLICK_MERCHANT_API_URL,
            service_id=str(settings.CLICK_SERVICE_ID),
            merchant_user_id=str(settings.CLICK_MERCHANT_USER_ID),
            secret_key=settings.CLICK_SECRET_KEY,
            timeout=settings.CLICK_MERCHANT_API_TIMEOUT,
            retries=max(0, settings.CLICK_MERCHANT_API_RETRIES),
            backoff=max(0.0, settings.CLICK_MERCHANT_API_BACKOFF),
        )

    def problems(self) -> list[str]:
        missing = [
            name
            for name, value in (
                ("CLICK_MERCHANT_API_URL", self.base_url),
                ("CLICK_SERVICE_ID", self.service_id),
                ("CLICK_MERCHANT_USER_ID", self.merchant_user_id),
                ("CLICK_SECRET_KEY", self.secret_key),
            )
            if not value.strip()
        ]
        return [f"{name} is not set" for name in missing]


@dataclass(frozen=True)
class MerchantResult:
    """What one Merchant API call returned (after retries)."""

    http_status: int | None
    error_code: int | None
    error_note: str
    data: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """Click answered and `error_code` is 0: the call worked."""
        # Click answers 200, and 201 for what it creates: both are success.
        return self.http_status in (200, 201) and self.error_code == 0

    @property
    def answered(self) -> bool:
        """Click answered with its JSON (whatever the error code)."""
        return self.error_code is not None

    def int_field(self, name: str) -> int | None:
        value = self.data.get(name)
        if isinstance(value, bool):
            return None
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def summary(self) -> str:
        if self.http_status is None:
            return f"no answer from Click: {self.error_note}"
        if self.error_code is None:
            return f"HTTP {self.http_status}: {self.error_note}"
        return f"error_code {self.error_code}: {self.error_note}"


class ClickMerchantClient:
    def __init__(self, config: MerchantConfig | None = None, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config or MerchantConfig.from_settings()
        self._transport = transport

    @property
    def configured(self) -> bool:
        return not self.config.problems()

    # --- The calls -------------------------------------------------------------

    def payment_status(self, *, payment_id: int, payment_ref: str) -> MerchantResult:
        return self._call("GET", f"payment/status/{self.config.service_id}/{int(payment_id)}", payment_ref=payment_ref)

    def payment_status_by_mti(self, *, merchant_trans_id: str, created_on: date, payment_ref: str) -> MerchantResult:
        path = f"payment/status_by_mti/{self.config.service_id}/{merchant_trans_id}/{created_on:%Y-%m-%d}"
        return self._call("GET", path, payment_ref=payment_ref)

    def payment_reversal(self, *, payment_id: int, payment_ref: str) -> MerchantResult:
        path = f"payment/reversal/{self.config.service_id}/{int(payment_id)}"
        return self._call("DELETE", path, payment_ref=payment_ref)

    def invoice_create(
        self, *, amount: Decimal, phone_number: str, merchant_trans_id: str, payment_ref: str
    ) -> MerchantResult:
        body = {
            "service_id": int(self.config.service_id),
            "amount": amount.quantize(Decimal("0.01")),  # written as the JSON number 50000.00, never via float
            "phone_number": phone_number,
            "merchant_trans_id": merchant_trans_id,
        }
        return self._call("POST", "invoice/create", json_body=body, payment_ref=payment_ref)

    def invoice_status(self, *, invoice_id: int, payment_ref: str) -> MerchantResult:
        return self._call("GET", f"invoice/status/{self.config.service_id}/{int(invoice_id)}", payment_ref=payment_ref)

    # --- Transport -------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Auth": auth_header(
                merchant_user_id=self.config.merchant_user_id,
                secret_key=self.config.secret_key,
                timestamp=int(time.time()),
            ),
        }

    def _call(
        self, method: str, path: str, *, payment_ref: str, json_body: dict[str, Any] | None = None
    ) -> MerchantResult:
        if not self.configured:
            raise MerchantApiNotConfigured(", ".join(self.config.problems()))
        url = self.config.base_url.rstrip("/") + "/" + path
        reads_only = method == "GET"
        attempts = 0
        result: MerchantResult
        with httpx.Client(timeout=self.config.timeout, transport=self._transport, follow_redirects=False) as client:
            while True:
                attempts += 1
                started = time.monotonic()
                retryable = False
                try:
                    content = json_dumps_exact(json_body) if json_body is not None else None
                    response = client.request(method, url, headers=self._headers(), content=content)
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    # The request never reached Click: safe to send again.
                    result = MerchantResult(None, None, f"{type(exc).__name__}: {exc}", attempts=attempts)
                    retryable = True
                except httpx.HTTPError as exc:
                    # Sent, but no answer: Click may have acted on it.
                    result = MerchantResult(None, None, f"{type(exc).__name__}: {exc}", attempts=attempts)
                    retryable = reads_only
                else:
                    result = self._parse(response, attempts)
                    retryable = reads_only and response.status_code >= 500
                self._log(method, path, payment_ref, result, started)
                if not retryable or attempts > self.config.retries:
                    return result
                time.sleep(self.config.backoff * attempts)

    @staticmethod
    def _parse(response: httpx.Response, attempts: int) -> MerchantResult:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return MerchantResult(
                response.status_code, None, f"not a JSON object: {response.text[:200]!r}", {}, attempts
            )
        code = data.get("error_code")
        try:
            error_code = int(code) if code is not None and not isinstance(code, bool) else None
        except (TypeError, ValueError):
            error_code = None
        note = str(data.get("error_note") or "")[:255]
        if error_code is None:
            note = note or "the answer has no error_code"
        return MerchantResult(response.status_code, error_code, note, data, attempts)

    @staticmethod
    def _log(method: str, path: str, payment_ref: str, result: MerchantResult, started: float) -> None:
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        level = logging.INFO if result.ok else logging.WARNING
        logger.log(
            level,
            "click merchant %s %s payment=%s → %s (%.1fms)",
            method,
            path,
            payment_ref,
            "ok" if result.ok else result.summary,
            duration_ms,
            extra={
                "event": "click_merchant_call",
                "merchant_trans_id": payment_ref,
                "http_method": method,
                "endpoint": path,
                "http_status": result.http_status,
                "error_code": result.error_code,
                "error_note": result.error_note,
                "attempt": result.attempts,
                "duration_ms": duration_ms,
            },
        )
