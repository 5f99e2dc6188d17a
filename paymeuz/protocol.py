"""Payme Merchant API requests and answers (merchant-api.md §1–§4), framework-free.

A request body is parsed into an RpcRequest; each method's params are read with the
`param_*` helpers, which raise PaymeRpcError with the protocol's code. Nothing here
knows what is being paid for.
"""

import base64
import binascii
import hmac
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from paymeuz.errors import PaymeError, PaymeRpcError

LOGIN = "Paycom"
# 12 hours in milliseconds: a created transaction not performed by then is cancelled (reason 4).
TIMEOUT_MS = 43_200_000
# Payme's ids are 24 characters; anything longer than this is not Payme's.
MAX_ID_CHARS = 64
# No Payme request is anywhere near this size.
MAX_BODY_BYTES = 64 * 1024
# Larger integers than a tiyin amount or a millisecond timestamp can be (PostgreSQL bigint).
MAX_INTEGER = 2**62
# What a bigint column holds (a cancel's reason, a statement's bounds).
BIGINT_MAX = 2**63 - 1

METHODS = (
    "CheckPerformTransaction",
    "CreateTransaction",
    "PerformTransaction",
    "CancelTransaction",
    "CheckTransaction",
    "GetStatement",
    "ChangePassword",
    "SetFiscalData",
)


class State:
    CREATED = 1
    PERFORMED = 2
    CANCELLED = -1
    CANCELLED_AFTER_PERFORM = -2


class Reason:
    RECEIVERS_NOT_FOUND = 1
    DEBIT_ERROR = 2
    EXECUTION_ERROR = 3
    TIMEOUT = 4
    REFUND = 5
    UNKNOWN = 10


@dataclass(frozen=True)
class RpcRequest:
    method: str
    params: Mapping[str, Any]
    id: Any


# --- Auth ----------------------------------------------------------------------


def credentials_of(header: str | None) -> tuple[bytes, bytes] | None:
    """The login and key of a `Basic` header (None if it is missing or malformed). The key is taken
    verbatim after the first colon (it may hold `&%#?@:`)."""
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    login, colon, password = decoded.partition(b":")
    return (login, password) if colon else None


def authorization_valid(header: str | None, keys: Iterable[str]) -> bool:
    """`Basic base64("Paycom:" + KEY)` with one of `keys`, compared in constant time."""
    credentials = credentials_of(header)
    if credentials is None:
        return False
    login, password = credentials
    matched = False
    for key in keys:
        if key:
            # Every key is compared, whatever matched: the time says nothing about which one.
            matched |= hmac.compare_digest(password, key.encode())
    return hmac.compare_digest(login, LOGIN.encode()) and matched


def authorization_header(key: str) -> str:
    """What Payme sends (for our sandbox, simulator and tests)."""
    return "Basic " + base64.b64encode(f"{LOGIN}:{key}".encode()).decode()


# --- Requests ------------------------------------------------------------------


def _not_json(constant: str) -> Any:
    # Python's json reads NaN and Infinity; JSON has no such values (and our answer must be JSON).
    raise ValueError(f"{constant} is not JSON")


def parse_request(body: bytes) -> RpcRequest:
    """The JSON-RPC object in a raw body, whatever the Content-Type said."""
    try:
        data = json.loads(body.decode("utf-8-sig"), parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PaymeRpcError(PaymeError.PARSE_ERROR, detail=f"body is not JSON: {type(exc).__name__}") from exc
    if not isinstance(data, dict):
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, detail="the body is not a JSON-RPC object")
    request_id = data.get("id")
    method = data.get("method")
    params = data.get("params")
    if request_id is None:
        # Every Payme call carries its id (§1); without one nothing is done (a JSON-RPC notification).
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="id", detail="id is missing")
    if not _answerable_id(request_id):
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="id", detail="id is a number JSON cannot carry back")
    if not isinstance(method, str) or not method:
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="method", detail="method is missing")
    if method not in METHODS:
        # `data` is the name as sent (§3); the log keeps its first characters.
        raise PaymeRpcError(PaymeError.METHOD_NOT_FOUND, data=method, detail=f"unknown method {method[:64]!r}")
    if not isinstance(params, dict):
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="params", detail="params is not an object")
    return RpcRequest(method=method, params=params, id=request_id)


def request_id_of(body: bytes | None) -> Any:
    """The request's id for an answer to a request that failed before it was parsed (null if none)."""
    if not body:
        return None
    try:
        data = json.loads(body.decode("utf-8-sig"), parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    request_id = data.get("id") if isinstance(data, dict) else None
    return request_id if _answerable_id(request_id) else None


REDACTED = "[redacted]"


def without_secrets(body: bytes) -> str:
    """The body as text for the call log, with ChangePassword's new key replaced: the log is kept
    for months and shown in the admin, the key is the endpoint's only credential."""
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(body.decode("utf-8-sig"), parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return text  # not a call: nothing is done with it
    if not isinstance(data, dict) or data.get("method") != "ChangePassword":
        return text
    params = data.get("params")
    if isinstance(params, dict) and "password" in params:
        params["password"] = REDACTED
        return json.dumps(data, ensure_ascii=False)
    return text


def _answerable_id(request_id: Any) -> bool:
    """Whether an answer can echo this id: 1e400 parses to infinity, which JSON has no text for."""
    return not (isinstance(request_id, float) and not math.isfinite(request_id))


# A NUL (PostgreSQL's text refuses it) or half of a surrogate pair (UTF-8 has no bytes for it;
# json joins a whole pair into one character): JSON's escapes carry both, no column or log line can.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None


def storable(value: Any) -> Any:
    """`value` (a JSON object Payme sent: `account`, `fiscal_data`) with every string, key or value,
    made storable: a NUL or a lone surrogate becomes U+FFFD, the rest is kept as sent."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def _integer(value: Any, limit: float = MAX_INTEGER) -> int | None:
    """An integer, or an integral float (5000000.0), of magnitude below `limit`; None for anything
    else (bool, str, null, a fraction)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < limit else None
    if isinstance(value, float) and value.is_integer() and abs(value) < limit:
        return int(value)
    return None


def param_int(params: Mapping[str, Any], name: str, *, limit: float = MAX_INTEGER) -> int:
    value = _integer(params.get(name), limit)
    if value is None:
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data=name, detail=f"{name} must be an integer")
    return value


def param_reason(params: Mapping[str, Any]) -> int:
    """CancelTransaction's reason: any integer (merchant-api.md §2: never refuse a cancel for it)."""
    return param_int(params, "reason", limit=math.inf)


def param_id(params: Mapping[str, Any]) -> str:
    value = params.get("id")
    if not isinstance(value, str) or not value or len(value) > MAX_ID_CHARS or _unstorable(value):
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="id", detail="id must be a transaction id string")
    return value


def param_time(params: Mapping[str, Any], name: str = "time", *, limit: float = MAX_INTEGER) -> int:
    value = param_int(params, name, limit=limit)
    if value < 0:
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data=name, detail=f"{name} must not be negative")
    return value


def param_bound(params: Mapping[str, Any], name: str) -> int:
    """GetStatement's `from`/`to`: a non-negative integer; one past any stored time means "all"."""
    return min(param_time(params, name, limit=math.inf), BIGINT_MAX)


def param_amount(params: Mapping[str, Any]) -> int | None:
    """The amount in tiyin; None when it is a number but no valid amount (≤ 0, a fraction): -31001
    once the order is known. A string, bool or null is a mistyped param (-32600)."""
    value = params.get("amount")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="amount", detail="amount must be a number")
    amount = _integer(value)
    if amount is None or amount <= 0:
        return None
    return amount


def param_account(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `account` object, storable (kept as sent but for what no column can hold: `storable`)."""
    value = params.get("account")
    if not isinstance(value, dict):
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data="account", detail="account must be an object")
    return storable(value)


def account_order_id(account: Mapping[str, Any], pattern: re.Pattern[str]) -> str:
    """The cashbox's `order_id` field; missing or malformed → -31050 (an account error)."""
    value = account.get("order_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise PaymeRpcError(PaymeError.ORDER_NOT_FOUND, detail="order_id is missing or malformed")
    return value


def param_string(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value or _unstorable(value):
        raise PaymeRpcError(PaymeError.INVALID_REQUEST, data=name, detail=f"{name} must be a non-empty string")
    return value


# --- Answers -------------------------------------------------------------------


def result_payload(request_id: Any, result: Mapping[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def error_payload(request_id: Any, error: PaymeRpcError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": int(error.code), "message": error.code.message}
    if error.data is not None:
        body["data"] = error.data
    return {"jsonrpc": "2.0", "id": request_id, "error": body}


def encode(payload: Mapping[str, Any]) -> bytes:
    """The answer as UTF-8 JSON; with a string UTF-8 cannot carry (a lone surrogate Payme sent in
    the id or the method's name, echoed back), as ASCII JSON with \\u escapes instead."""
    try:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(payload, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode("ascii")
