"""Start-up validation of production settings.

Runs while settings load, so a misconfigured server refuses to start and
says which setting to fix instead of failing later at the first payment.
"""

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# Values copied from the operator's checklist or .env.example that are not
# real credentials.
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


def validate_production_settings(
    *,
    debug: bool,
    secret_key: str,
    allowed_hosts: list[str],
    click: Mapping[str, str],
    sandbox: bool,
    sandbox_forced: bool,
) -> None:
    if debug:
        return
    problems = []
    if not secret_key:
        problems.append("SECRET_KEY is not set.")
    if not allowed_hosts:
        problems.append("ALLOWED_HOSTS is not set (for example ALLOWED_HOSTS=kvartirabar.uz).")
    problems += click_settings_problems(click)
    if sandbox and not sandbox_forced:
        problems.append(
            "CLICK_SANDBOX is on while DEBUG is off: payments would not reach Click. "
            "Turn it off, or set CLICK_SANDBOX_FORCE=1 for a staging server."
        )
    if problems:
        raise ImproperlyConfigured(
            "kvartirabar cannot start with these settings (environment or .env):\n- " + "\n- ".join(problems)
        )
