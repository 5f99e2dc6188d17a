"""Calling our Payme endpoint exactly as Payme does (merchant-api.md §1), from tests."""

import itertools
import json
import secrets
import time
from typing import Any

from django.test import Client

from paymeuz.protocol import authorization_header

URL = "/api/auctions/payme/"
KEY = "test-payme-key&%#?@:k3y"
FEE_TIYIN = 5_000_000
HOUR_MS = 3_600_000

_ids = itertools.count(1001)


def payme_id() -> str:
    """A fresh 24-character id, like Payme's."""
    return secrets.token_hex(12)


def now_ms() -> int:
    return int(time.time() * 1000)


def body(method: str, params: dict[str, Any], request_id: Any = None) -> bytes:
    return json.dumps(
        {"method": method, "params": params, "id": next(_ids) if request_id is None else request_id}
    ).encode()


def raw(
    client: Client,
    data: bytes,
    *,
    key: str | None = KEY,
    content_type: str = "text/json; charset=UTF-8",
    url: str = URL,
    headers: dict[str, str] | None = None,
):
    extra = {}
    if key is not None:
        extra["HTTP_AUTHORIZATION"] = authorization_header(key)
    for name, value in (headers or {}).items():
        extra["HTTP_" + name.upper().replace("-", "_")] = value
    response = client.post(url, data=data, content_type=content_type, **extra)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/json; charset=UTF-8"
    return response


def rpc(client: Client, method: str, params: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    request_id = kwargs.pop("request_id", None)
    data = body(method, params, request_id)
    answer = json.loads(raw(client, data, **kwargs).content)
    assert answer["jsonrpc"] == "2.0"
    assert answer["id"] == json.loads(data)["id"]
    return answer


def account(order_id: str) -> dict[str, str]:
    return {"order_id": order_id}


def create_params(order_id: str, *, tid: str | None = None, time_ms: int | None = None, amount: Any = FEE_TIYIN):
    return {
        "id": tid or payme_id(),
        "time": now_ms() if time_ms is None else time_ms,
        "amount": amount,
        "account": account(order_id),
    }


def error_code(answer: dict[str, Any]) -> int | None:
    return answer["error"]["code"] if "error" in answer else None
