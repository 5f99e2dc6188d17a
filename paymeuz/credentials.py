"""Are the Payme settings real? (start-up checks and payme_doctor share this.)"""

import re

PAYME_PLACEHOLDERS = frozenset(
    {
        "ваш_merchant_id",
        "ваш_ключ",
        "your_merchant_id",
        "your_key",
        "your_test_key",
        "sandbox-payme-key",
        "sandbox-payme-test-key",
        "changeme",
    }
)
# Payme's cashbox (merchant) id: 24 hexadecimal characters, as in its cabinet.
MERCHANT_ID = re.compile(r"[0-9a-f]{24}")
SANDBOX_MERCHANT_ID = "000000000000000000000000"


def _placeholder(value: str) -> bool:
    lowered = value.lower()
    return lowered in PAYME_PLACEHOLDERS or lowered.startswith(("ваш_", "your_"))


def payme_settings_problems(*, merchant_id: str, key: str, test_key: str, test_mode: bool) -> list[str]:
    """One message per Payme setting that is missing or not real. Payme is off while
    PAYME_MERCHANT_ID is empty; once it is set, the key it needs must be real too."""
    merchant_id, key, test_key = merchant_id.strip(), key.strip(), test_key.strip()
    if not merchant_id:
        if key or test_key:
            return ["PAYME_MERCHANT_ID is not set while a Payme key is: copy it from the Payme merchant cabinet."]
        return []
    problems = []
    if _placeholder(merchant_id) or merchant_id == SANDBOX_MERCHANT_ID:
        problems.append(f"PAYME_MERCHANT_ID is a placeholder ({merchant_id!r}): set the cashbox id from Payme.")
    elif not MERCHANT_ID.fullmatch(merchant_id):
        problems.append(f"PAYME_MERCHANT_ID must be the 24-character cashbox id from Payme, got {merchant_id!r}.")
    name, value = ("PAYME_TEST_KEY", test_key) if test_mode else ("PAYME_KEY", key)
    if not value:
        problems.append(f"{name} is not set: copy the cashbox key from the Payme merchant cabinet.")
    elif _placeholder(value):
        problems.append(f"{name} is a placeholder ({value!r}): set the real key from the Payme merchant cabinet.")
    return problems
