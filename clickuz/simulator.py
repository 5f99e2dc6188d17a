"""Play Click's part: signed Prepare then Complete over real HTTP.

Used by the sandbox pay page and by `manage.py click_simulate`, so both
speak exactly what real Click sends: form-encoded POSTs, raw-string
signatures, `sign_time` in Tashkent time.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from clickuz.protocol import Action
from clickuz.signing import sign_string

TASHKENT = ZoneInfo("Asia/Tashkent")
# Click's own code for a card with too little money; any negative code declines.
DECLINE_ERROR = -5017
DECLINE_NOTE = "Insufficient funds"


@dataclass
class Exchange:
    """One request Click sent and what the merchant answered."""

    stage: str
    url: str
    sent: dict[str, str]
    status_code: int | None = None
    answer: dict[str, Any] | None = None
    raw_answer: str = ""


@dataclass
class SimulationResult:
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def paid(self) -> bool:
        last = self.exchanges[-1] if self.exchanges else None
        return bool(
            last
            and last.stage == "complete"
            and last.answer
            and last.answer.get("error") == 0
            and last.sent.get("error") == "0"
        )


def callback_fields_signed(
    *,
    action: Action,
    click_trans_id: str,
    service_id: str,
    secret_key: str,
    merchant_trans_id: str,
    amount: str,
    paydoc_id: str,
    merchant_prepare_id: str | None = None,
    error: int = 0,
    error_note: str = "Success",
) -> dict[str, str]:
    """The form fields of a Prepare or Complete exactly as Click sends them, signed with secret_key."""
    sign_time = datetime.now(TASHKENT).strftime("%Y-%m-%d %H:%M:%S")
    fields = {
        "click_trans_id": click_trans_id,
        "service_id": service_id,
        "click_paydoc_id": paydoc_id,
        "merchant_trans_id": merchant_trans_id,
        "amount": amount,
        "action": str(int(action)),
        "error": str(error),
        "error_note": error_note,
        "sign_time": sign_time,
    }
    if merchant_prepare_id is not None:
        fields["merchant_prepare_id"] = merchant_prepare_id
    fields["sign_string"] = sign_string(
        click_trans_id=click_trans_id,
        service_id=service_id,
        secret_key=secret_key,
        merchant_trans_id=merchant_trans_id,
        merchant_prepare_id=merchant_prepare_id,
        amount=amount,
        action=fields["action"],
        sign_time=sign_time,
    )
    return fields


def _post(client: httpx.Client, stage: str, url: str, fields: dict[str, str]) -> Exchange:
    exchange = Exchange(stage=stage, url=url, sent=fields)
    try:
        response = client.post(url, data=fields)
    except httpx.HTTPError as exc:
        exchange.raw_answer = f"{type(exc).__name__}: {exc}"
        return exchange
    exchange.status_code = response.status_code
    exchange.raw_answer = response.text
    try:
        body = response.json()
        exchange.answer = body if isinstance(body, dict) else None
    except ValueError:
        exchange.answer = None
    return exchange


def simulate_payment(
    *,
    prepare_url: str,
    complete_url: str,
    service_id: str,
    secret_key: str,
    merchant_trans_id: str,
    amount: str,
    decline: bool = False,
    timeout: float = 15.0,
    on_exchange: Callable[[Exchange], None] | None = None,
) -> SimulationResult:
    """Send Prepare; if it succeeds, send Complete (a decline sends a negative `error`)."""
    result = SimulationResult()
    click_trans_id = str(secrets.randbelow(9 * 10**9) + 10**9)
    paydoc_id = str(secrets.randbelow(9 * 10**9) + 10**9)
    sign = partial(
        callback_fields_signed,
        click_trans_id=click_trans_id,
        service_id=service_id,
        secret_key=secret_key,
        merchant_trans_id=merchant_trans_id,
        amount=amount,
        paydoc_id=paydoc_id,
    )
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:

        def send(stage: str, url: str, fields: dict[str, str]) -> Exchange:
            exchange = _post(client, stage, url, fields)
            result.exchanges.append(exchange)
            if on_exchange:
                on_exchange(exchange)
            return exchange

        prepare = send("prepare", prepare_url, sign(action=Action.PREPARE))
        if not prepare.answer or prepare.answer.get("error") != 0:
            return result
        send(
            "complete",
            complete_url,
            sign(
                action=Action.COMPLETE,
                merchant_prepare_id=str(prepare.answer.get("merchant_prepare_id")),
                error=DECLINE_ERROR if decline else 0,
                error_note=DECLINE_NOTE if decline else "Success",
            ),
        )
    return result
