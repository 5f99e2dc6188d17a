"""Click SHOP API signatures: md5 over the raw strings, as received."""

import hashlib
import hmac


def sign_string(
    *,
    click_trans_id: str,
    service_id: str,
    secret_key: str,
    merchant_trans_id: str,
    amount: str,
    action: str,
    sign_time: str,
    merchant_prepare_id: str | None = None,
) -> str:
    """Return the lower-case md5 Click sends in `sign_string`.

    Complete (action 1) includes `merchant_prepare_id` between the order id
    and the amount; Prepare does not. Every argument is the exact text of the
    field, never a re-formatted number.
    """
    parts = [click_trans_id, service_id, secret_key, merchant_trans_id]
    if merchant_prepare_id is not None:
        parts.append(merchant_prepare_id)
    parts += [amount, action, sign_time]
    return hashlib.md5("".join(parts).encode(), usedforsecurity=False).hexdigest()


def signature_matches(expected: str, received: str) -> bool:
    """Constant-time, case-insensitive comparison of two hex digests."""
    return hmac.compare_digest(expected.lower().encode(), received.strip().lower().encode())
