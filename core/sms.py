"""Pluggable SMS sending, shared by sign-in codes (accounts) and notifications.

Infrastructure, so it lives in core: accounts sits below notifications and may not import it.

`sms_send(phone=..., text=...)` hands the message to the backend named by
settings.SMS_BACKEND:

- ConsoleSmsBackend: development; writes the message to the log.
- LocmemSmsBackend: tests; keeps messages in `sms_outbox` (like mail.outbox).
- EskizSmsBackend: production; Eskiz.uz's HTTP API (notify.eskiz.uz).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The backend could not hand the message over."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str  # E.164, "+998…"
    text: str


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


class ConsoleSmsBackend:
    def send(self, message: SmsMessage) -> None:
        logger.warning("SMS to %s: %s", message.phone, message.text)


sms_outbox: list[SmsMessage] = []


class LocmemSmsBackend:
    def send(self, message: SmsMessage) -> None:
        sms_outbox.append(message)


class EskizSmsBackend:
    """Eskiz.uz: log in with e-mail and password for a bearer token (cached), then send.

    A 401 means the cached token expired: log in again once and retry.
    """

    # The key predates the move from notifications.sms; kept so a cached token survives the deploy.
    token_cache_key = "notifications:eskiz-token"  # noqa: S105 (a cache key, not a secret)

    def __init__(self) -> None:
        self.base_url = settings.ESKIZ_BASE_URL.rstrip("/")
        self.timeout = httpx.Timeout(settings.ESKIZ_TIMEOUT)

    def _login(self, client: httpx.Client) -> str:
        response = client.post(
            f"{self.base_url}/auth/login",
            data={"email": settings.ESKIZ_EMAIL, "password": settings.ESKIZ_PASSWORD},
        )
        if response.status_code != 200:
            raise SmsError(f"Eskiz login failed: HTTP {response.status_code}")
        try:
            token = str(response.json()["data"]["token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SmsError("Eskiz login answered without a token") from exc
        cache.set(self.token_cache_key, token, timeout=settings.ESKIZ_TOKEN_TTL)
        return token

    def send(self, message: SmsMessage) -> None:
        payload = {
            "mobile_phone": message.phone.lstrip("+"),
            "message": message.text,
            "from": settings.ESKIZ_FROM,
        }
        try:
            with httpx.Client(timeout=self.timeout) as client:
                token = cache.get(self.token_cache_key) or self._login(client)
                response = client.post(
                    f"{self.base_url}/message/sms/send",
                    data=payload,
                    headers={"Authorization": f"Bearer {token}"},
                )
                if response.status_code == 401:
                    token = self._login(client)
                    response = client.post(
                        f"{self.base_url}/message/sms/send",
                        data=payload,
                        headers={"Authorization": f"Bearer {token}"},
                    )
        except httpx.HTTPError as exc:
            raise SmsError(f"Eskiz unreachable: {exc}") from exc
        if response.status_code != 200:
            raise SmsError(f"Eskiz refused the message: HTTP {response.status_code} {response.text[:200]}")


def sms_backend() -> SmsBackend:
    backend_class = import_string(settings.SMS_BACKEND)
    backend: SmsBackend = backend_class()
    return backend


def sms_send(*, phone: str, text: str) -> None:
    """Send one SMS now. Callers in a transaction should use transaction.on_commit or a task."""
    sms_backend().send(SmsMessage(phone=phone, text=text))
