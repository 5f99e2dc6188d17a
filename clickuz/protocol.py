"""Turn a raw Click SHOP API request into a verified, typed call.

Nothing here knows what is being paid for. The order of checks follows
shop-api.md §5: fields (-8), then signature and service id (-1), then the
action (-3). The remaining codes depend on the merchant's records and are
decided by the payment handler.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from typing import Any
from urllib.parse import parse_qsl

from clickuz.errors import ClickError, ClickProtocolError
from clickuz.signing import sign_string, signature_matches


class Action(IntEnum):
    PREPARE = 0
    COMPLETE = 1


# ASCII digits only (\d alone accepts any script's digits); always used with fullmatch.
_UNSIGNED_INT = re.compile(r"\d{1,19}", re.ASCII)
_SIGNED_INT = re.compile(r"-?\d{1,10}", re.ASCII)
# Ids are stored as bigint, error codes as int: larger numbers are malformed.
_LIMITS = {_UNSIGNED_INT: 2**63 - 1, _SIGNED_INT: 2**31 - 1}
# An amount as Click writes one ("50000", "50000.00"); Decimal() alone would also read "50_000",
# "+5e4" or another script's digits.
_AMOUNT = re.compile(r"\d{1,20}(?:\.\d{1,20})?", re.ASCII)
_SIGN_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_MERCHANT_TRANS_ID_LENGTH = 255
# Click's requests are a dozen short fields; anything far larger is not Click.
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 64
# Amounts beyond a trillion soums are not amounts.
_MAX_AMOUNT_EXPONENT = 15


@dataclass(frozen=True)
class ClickRequest:
    """A Prepare or Complete whose signature has been verified."""

    action: Action
    click_trans_id: int
    service_id: int
    click_paydoc_id: int | None
    merchant_trans_id: str
    merchant_prepare_id: int | None
    amount: Decimal | None  # None when the text is not a valid amount (-2 later)
    amount_raw: str
    error: int
    error_note: str
    sign_time: str


def parse_body(body: bytes, content_type: str) -> dict[str, str]:
    """Decode a form or JSON body into a flat mapping of strings.

    JSON numbers keep their original text (`50000.00` stays `50000.00`),
    because the signature is computed over the text Click sent.
    """
    if len(body) > MAX_BODY_BYTES:
        raise ClickProtocolError(ClickError.BAD_REQUEST, "body is too large")
    text = body.decode("utf-8", errors="strict") if body else ""
    stripped = text.lstrip()
    # A form body labelled JSON is still read as the form it is (Click's encoding is not documented).
    looks_like_form = "=" in stripped and not stripped.startswith(("{", "[", '"'))
    if stripped.startswith("{") or ("json" in content_type.lower() and not looks_like_form):
        if not stripped:
            return {}
        try:
            data: Any = json.loads(text, parse_float=str, parse_int=str)
        except (ValueError, RecursionError) as exc:
            raise ClickProtocolError(ClickError.BAD_REQUEST, "body is not valid JSON") from exc
        if not isinstance(data, dict) or len(data) > MAX_FIELDS:
            raise ClickProtocolError(ClickError.BAD_REQUEST, "JSON body is not an object of Click's fields")
        fields = {}
        for key, value in data.items():
            if value is None:
                continue
            if isinstance(value, bool | dict | list):
                raise ClickProtocolError(ClickError.BAD_REQUEST, f"field {key} has a wrong type")
            fields[str(key)] = str(value)
        return _without_nul(fields)
    try:
        return form_fields(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS))
    except ValueError as exc:
        raise ClickProtocolError(ClickError.BAD_REQUEST, "too many form fields") from exc


def form_fields(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Form fields (a urlencoded or multipart body, a query string) as Click's flat mapping; the last
    of a repeated name wins."""
    fields = dict(pairs)
    if len(fields) > MAX_FIELDS:
        raise ClickProtocolError(ClickError.BAD_REQUEST, "too many form fields")
    return _without_nul(fields)


def _without_nul(fields: dict[str, str]) -> dict[str, str]:
    # PostgreSQL text cannot hold NUL; no Click field contains one.
    if any("\x00" in key or "\x00" in value for key, value in fields.items()):
        raise ClickProtocolError(ClickError.BAD_REQUEST, "a field contains a NUL character")
    return fields


def _require(fields: dict[str, str], name: str, pattern: re.Pattern[str] | None = None) -> str:
    value = fields.get(name)
    if value is None or value.strip() == "":
        raise ClickProtocolError(ClickError.BAD_REQUEST, f"{name} is missing")
    if pattern is not None and not _matches(pattern, value):
        raise ClickProtocolError(ClickError.BAD_REQUEST, f"{name} is malformed")
    return value


def _matches(pattern: re.Pattern[str], value: str) -> bool:
    if not pattern.fullmatch(value):
        return False
    limit = _LIMITS.get(pattern)
    return limit is None or abs(int(value)) <= limit


def _parse_amount(raw: str) -> Decimal | None:
    text = raw.strip()
    if not _AMOUNT.fullmatch(text):
        return None
    amount = Decimal(text)  # the pattern admits only what Decimal reads
    if not amount.is_finite() or amount <= 0 or amount.adjusted() > _MAX_AMOUNT_EXPONENT:
        return None
    return amount


def verify_request(
    fields: dict[str, str], *, expected_action: Action, service_id: str, secret_key: str
) -> ClickRequest:
    """Check fields, signature, service id and action; raise ClickProtocolError."""
    # -8: every field the stage needs is present and well-formed.
    click_trans_id = _require(fields, "click_trans_id", _UNSIGNED_INT)
    request_service_id = _require(fields, "service_id", _UNSIGNED_INT)
    merchant_trans_id = _require(fields, "merchant_trans_id")
    if len(merchant_trans_id) > MAX_MERCHANT_TRANS_ID_LENGTH:
        raise ClickProtocolError(ClickError.BAD_REQUEST, "merchant_trans_id is too long")
    amount_raw = _require(fields, "amount")
    action_raw = _require(fields, "action", _SIGNED_INT)
    sign_time = _require(fields, "sign_time")
    # Any text: one that is not an md5 at all is a wrong signature (-1) like any other.
    sign = _require(fields, "sign_string")
    try:
        datetime.strptime(sign_time, _SIGN_TIME_FORMAT)  # noqa: DTZ007 - format check only
    except ValueError as exc:
        raise ClickProtocolError(ClickError.BAD_REQUEST, "sign_time is malformed") from exc
    # A Prepare needs no merchant_prepare_id, wherever it is sent: one that reached the Complete
    # URL (the cabinet's two URLs swapped) must get -3, not -8. Anything else: this URL's fields.
    stage = Action.PREPARE if int(action_raw) == Action.PREPARE else expected_action
    merchant_prepare_id: str | None = None
    if stage is Action.COMPLETE:
        merchant_prepare_id = _require(fields, "merchant_prepare_id", _UNSIGNED_INT)
        error_raw = _require(fields, "error", _SIGNED_INT)
    else:
        error_raw = fields.get("error") or "0"
        if not _matches(_SIGNED_INT, error_raw):
            raise ClickProtocolError(ClickError.BAD_REQUEST, "error is malformed")
    paydoc_raw = fields.get("click_paydoc_id") or None
    if paydoc_raw is not None and not _matches(_UNSIGNED_INT, paydoc_raw):
        raise ClickProtocolError(ClickError.BAD_REQUEST, "click_paydoc_id is malformed")

    # -1: the signature over the raw strings, then the service id. The formula
    # follows the action Click signed, whatever URL it reached: a Complete sent
    # to the Prepare URL is signed with its merchant_prepare_id and must get -3.
    signs_complete = int(action_raw) == Action.COMPLETE
    expected_sign = sign_string(
        click_trans_id=click_trans_id,
        service_id=request_service_id,
        secret_key=secret_key,
        merchant_trans_id=merchant_trans_id,
        merchant_prepare_id=fields.get("merchant_prepare_id", "") if signs_complete else None,
        amount=amount_raw,
        action=action_raw,
        sign_time=sign_time,
    )
    if not signature_matches(expected_sign, sign):
        raise ClickProtocolError(ClickError.SIGN_CHECK_FAILED, "signature does not match")
    if int(request_service_id) != int(service_id):
        raise ClickProtocolError(ClickError.SIGN_CHECK_FAILED, "service_id is not ours")

    # -3: this URL serves one action.
    if int(action_raw) != expected_action:
        raise ClickProtocolError(ClickError.ACTION_NOT_FOUND, f"action {action_raw} at the {expected_action.name} URL")

    return ClickRequest(
        action=expected_action,
        click_trans_id=int(click_trans_id),
        service_id=int(request_service_id),
        click_paydoc_id=int(paydoc_raw) if paydoc_raw else None,
        merchant_trans_id=merchant_trans_id,
        merchant_prepare_id=int(merchant_prepare_id) if merchant_prepare_id else None,
        amount=_parse_amount(amount_raw),
        amount_raw=amount_raw,
        error=int(error_raw),
        error_note=fields.get("error_note", ""),
        sign_time=sign_time,
    )


def _echo_int(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if _matches(_UNSIGNED_INT, value) else value


def build_response(
    *, action: Action, fields: dict[str, str], error: ClickError, merchant_id: int | None
) -> dict[str, Any]:
    """Format a Prepare or Complete answer, echoing Click's ids even on errors."""
    if action is Action.PREPARE:
        # An int in every Prepare answer (§4): 0 when there is no attempt to name. Complete's may be null.
        id_field, merchant_id = "merchant_prepare_id", merchant_id or 0
    else:
        id_field = "merchant_confirm_id"
    return {
        "click_trans_id": _echo_int(fields.get("click_trans_id")),
        "merchant_trans_id": fields.get("merchant_trans_id"),
        id_field: merchant_id,
        "error": int(error),
        "error_note": error.note,
    }
