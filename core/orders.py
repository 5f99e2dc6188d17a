"""Order ids that gateways carry back to us (Click's merchant_trans_id, Payme's order_id)."""

import secrets
import string

MERCHANT_TRANS_ID_PREFIX = "AUCTION_"
_MERCHANT_TRANS_ID_ALPHABET = string.ascii_uppercase + string.digits


def merchant_trans_id_generate() -> str:
    """AUCTION_ + 20 upper-case letters/digits, from a CSPRNG."""
    return MERCHANT_TRANS_ID_PREFIX + "".join(secrets.choice(_MERCHANT_TRANS_ID_ALPHABET) for _ in range(20))
