"""Click's payment page link (shop-api.md §7)."""

from decimal import Decimal
from urllib.parse import urlencode


def click_pay_url(
    *,
    base_url: str,
    service_id: str,
    merchant_id: str,
    amount: Decimal,
    transaction_param: str,
    return_url: str,
    merchant_user_id: str = "",
) -> str:
    """Build the unsigned pay link; `amount` is written as N.NN."""
    params = {
        "service_id": service_id,
        "merchant_id": merchant_id,
        "amount": f"{amount.quantize(Decimal('0.01'))}",
        "transaction_param": transaction_param,
        "return_url": return_url,
    }
    if merchant_user_id:
        params["merchant_user_id"] = merchant_user_id
    return f"{base_url}?{urlencode(params)}"
