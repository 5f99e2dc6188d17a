"""A minimal Telegram Bot API client over httpx (base URL configurable: a local fake in tests)."""

from typing import Any

import httpx
from django.conf import settings


class TelegramError(Exception):
    pass


class TelegramClient:
    def __init__(self, *, token: str | None = None, base_url: str | None = None) -> None:
        self.token = token if token is not None else settings.TELEGRAM_BOT_TOKEN
        self.base_url = (base_url or settings.TELEGRAM_API_URL).rstrip("/")
        self.timeout = httpx.Timeout(settings.TELEGRAM_TIMEOUT)

    @property
    def configured(self) -> bool:
        return bool(self.token)

    def _call(self, method: str, payload: dict[str, Any]) -> Any:
        try:
            response = httpx.post(f"{self.base_url}/bot{self.token}/{method}", json=payload, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise TelegramError(f"Telegram unreachable: {exc.__class__.__name__}") from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise TelegramError(f"Telegram answered HTTP {response.status_code} without JSON") from exc
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("ok"):
            raise TelegramError(f"Telegram refused {method}: HTTP {response.status_code}")
        return body.get("result")

    def send_message(self, *, chat_id: int, text: str) -> None:
        self._call("sendMessage", {"chat_id": chat_id, "text": text, "disable_web_page_preview": True})

    def get_updates(self, *, offset: int | None = None, timeout: int = 0) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"timeout": timeout, "allowed_updates": ["message"]}
        if offset is not None:
            payload["offset"] = offset
        result = self._call("getUpdates", payload)
        return result if isinstance(result, list) else []
