"""Payme's checkout link (merchant-api.md §7): the host + base64 of `key=value` pairs joined by `;`."""

import base64
import binascii


def payme_pay_url(
    *,
    base_url: str,
    merchant_id: str,
    order_id: str,
    amount_tiyin: int,
    lang: str = "",
    return_url: str = "",
    return_after_ms: int | None = None,
    currency: str = "",
) -> str:
    """`m`, `ac.order_id`, `a`, then the optional `l`, `c`, `ct`, `cr`, in Payme's order."""
    pairs = [("m", merchant_id), ("ac.order_id", order_id), ("a", str(amount_tiyin))]
    if lang:
        pairs.append(("l", lang))
    if return_url:
        pairs.append(("c", return_url))
    if return_after_ms is not None:
        pairs.append(("ct", str(return_after_ms)))
    if currency:
        pairs.append(("cr", currency))
    encoded = base64.b64encode(";".join(f"{key}={value}" for key, value in pairs).encode()).decode()
    return base_url.rstrip("/") + "/" + encoded


def payme_pay_params(encoded: str) -> dict[str, str]:
    """The pairs of a checkout link's last segment ({} when it is not one)."""
    try:
        text = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return {}
    params = {}
    for pair in text.split(";"):
        key, sep, value = pair.partition("=")
        if sep:
            params[key] = value
    return params
