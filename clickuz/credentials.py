"""Is a Click credential real? (start-up checks and click_doctor share this.)"""

from collections.abc import Mapping

CLICK_PLACEHOLDERS = frozenset(
    {
        "ваш_service_id",
        "ваш_secret_key",
        "your_service_id",
        "your_secret_key",
        "your_merchant_id",
        "your_merchant_user_id",
        "abc123def456",
        "sandbox-secret",
        "changeme",
    }
)
REQUIRED_CLICK_SETTINGS = ("CLICK_SERVICE_ID", "CLICK_MERCHANT_ID", "CLICK_SECRET_KEY")
NUMERIC_CLICK_SETTINGS = ("CLICK_SERVICE_ID", "CLICK_MERCHANT_ID", "CLICK_MERCHANT_USER_ID")


def click_settings_problems(click: Mapping[str, str]) -> list[str]:
    """Return one message per Click setting that is missing or not real."""
    problems = []
    for name, value in click.items():
        value = value.strip()
        if not value:
            if name in REQUIRED_CLICK_SETTINGS:
                problems.append(f"{name} is not set: copy it from the Click merchant cabinet.")
            continue
        if value.lower() in CLICK_PLACEHOLDERS or value.lower().startswith(("ваш_", "your_")):
            problems.append(f"{name} is a placeholder ({value!r}): set the real value from the Click merchant cabinet.")
        elif name in NUMERIC_CLICK_SETTINGS and not value.isdigit():
            problems.append(f"{name} must be a number, got {value!r}.")
    return problems
