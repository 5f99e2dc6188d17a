"""Play Payme's part: JSON-RPC calls to our endpoint over real HTTP, with Payme's Basic
auth and its `text/json` content type, the way Payme's sandbox does (Create, Perform and
Cancel are sent twice: the second answer must equal the first).

Used by the sandbox pay page, `manage.py payme_simulate`, payme_doctor's self-test and the
benchmark, so they all speak exactly what Payme sends."""

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from paymeuz.protocol import authorization_header

CONTENT_TYPE = "text/json; charset=UTF-8"
# Payme's reason for a payer who gave up (its sandbox's "cancel" button).
DECLINE_REASON = 3

_request_ids = itertools.count(1)


def payme_transaction_id() -> str:
    """A fresh 24-character id, like Payme's own."""
    return secrets.token_hex(12)


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Exchange:
    method: str
    sent: dict[str, Any]
    status_code: int | None = None
    answer: dict[str, Any] | None = None
    raw_answer: str = ""

    @property
    def error(self) -> int | None:
        if self.answer is None:
            return None
        error = self.answer.get("error")
        return error.get("code") if isinstance(error, dict) else None

    @property
    def result(self) -> dict[str, Any] | None:
        result = self.answer.get("result") if self.answer else None
        return result if isinstance(result, dict) else None

    @property
    def summary(self) -> str:
        if self.result is not None:
            return f"{self.method}: {self.result}"
        if self.answer is not None and isinstance(self.answer.get("error"), dict):
            error = self.answer["error"]
            message = error.get("message")
            text = message.get("ru", "") if isinstance(message, dict) else str(message)
            return f"{self.method}: error {error.get('code')} — {text}"
        return f"{self.method}: HTTP {self.status_code} {self.raw_answer[:200]}"


@dataclass
class SimulationResult:
    exchanges: list[Exchange] = field(default_factory=list)
    transaction_id: str = ""

    @property
    def paid(self) -> bool:
        performs = [ex for ex in self.exchanges if ex.method == "PerformTransaction"]
        return bool(performs) and all(ex.result is not None and ex.result.get("state") == 2 for ex in performs)

    @property
    def repeats_matched(self) -> bool:
        """Every repeated call got the same result as its first copy."""
        seen: dict[str, Any] = {}
        for ex in self.exchanges:
            key = f"{ex.method}:{ex.sent.get('id', '')}"
            if ex.method in ("CreateTransaction", "PerformTransaction", "CancelTransaction"):
                if key in seen and seen[key] != (ex.result, ex.error):
                    return False
                seen[key] = (ex.result, ex.error)
        return True


class PaymeCaller:
    """Sends JSON-RPC calls to one endpoint with one key."""

    def __init__(self, *, endpoint_url: str, key: str, client: httpx.Client | None = None, timeout: float = 30.0):
        self.endpoint_url = endpoint_url
        self.key = key
        self.owns_client = client is None
        self.client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Close the connection we opened (a kept-alive one would hold a server thread)."""
        if self.owns_client:
            self.client.close()

    def call(self, method: str, params: dict[str, Any], *, headers: dict[str, str] | None = None) -> Exchange:
        exchange = Exchange(method=method, sent=params)
        body = {"method": method, "params": params, "id": next(_request_ids)}
        try:
            response = self.client.post(
                self.endpoint_url,
                json=body,
                headers={"Authorization": authorization_header(self.key), "Content-Type": CONTENT_TYPE}
                | (headers or {}),
            )
        except httpx.HTTPError as exc:
            exchange.raw_answer = f"{type(exc).__name__}: {exc}"
            return exchange
        exchange.status_code = response.status_code
        exchange.raw_answer = response.text[:2000]
        try:
            answer = response.json()
        except ValueError:
            return exchange
        exchange.answer = answer if isinstance(answer, dict) else None
        return exchange


def simulate_payment(
    *,
    endpoint_url: str,
    key: str,
    order_id: str,
    amount_tiyin: int,
    decline: bool = False,
    repeat: bool = True,
    client: httpx.Client | None = None,
) -> SimulationResult:
    """CheckPerformTransaction, CreateTransaction, then PerformTransaction (or, declined,
    CancelTransaction with reason 3) — Create, Perform and Cancel twice when `repeat`."""
    caller = PaymeCaller(endpoint_url=endpoint_url, key=key, client=client)
    try:
        return _simulate(caller, order_id=order_id, amount_tiyin=amount_tiyin, decline=decline, repeat=repeat)
    finally:
        caller.close()


def _simulate(
    caller: PaymeCaller, *, order_id: str, amount_tiyin: int, decline: bool, repeat: bool
) -> SimulationResult:
    result = SimulationResult(transaction_id=payme_transaction_id())
    account = {"order_id": order_id}
    copies = 2 if repeat else 1
    check = caller.call("CheckPerformTransaction", {"amount": amount_tiyin, "account": account})
    result.exchanges.append(check)
    if check.result is None:
        return result
    create = {"id": result.transaction_id, "time": now_ms(), "amount": amount_tiyin, "account": account}
    for _ in range(copies):
        result.exchanges.append(caller.call("CreateTransaction", create))
    if result.exchanges[-1].result is None:
        return result
    if decline:
        for _ in range(copies):
            cancel = {"id": result.transaction_id, "reason": DECLINE_REASON}
            result.exchanges.append(caller.call("CancelTransaction", cancel))
        return result
    for _ in range(copies):
        result.exchanges.append(caller.call("PerformTransaction", {"id": result.transaction_id}))
    return result
