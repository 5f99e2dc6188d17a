"""Start-up validation of production settings.

Runs while settings load, so a misconfigured server refuses to start and
says which setting to fix instead of failing later at the first payment.
"""

import os
import sys
from collections.abc import Container, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from clickuz.credentials import click_settings_problems
from paymeuz.credentials import payme_settings_problems

# Values copied from the operator's checklist or .env.example that are not
# real credentials.
SECRET_KEY_PLACEHOLDERS = ("change-me", "changeme", "your_secret", "secret_key", "dev-only")
MIN_SECRET_KEY_LENGTH = 50


def served_by_asgi(argv: Sequence[str] | None = None, modules: Container[str] | None = None) -> bool:
    """Whether this process serves requests through ASGI: an ASGI server imports config.asgi,
    whose get_asgi_application() loads the settings; `runserver` is daphne's (INSTALLED_APPS)."""
    argv = sys.argv if argv is None else argv
    modules = sys.modules if modules is None else modules
    return "config.asgi" in modules or list(argv[1:2]) == ["runserver"]


def secret_key_problems(secret_key: str) -> list[str]:
    if not secret_key:
        return ["SECRET_KEY is not set."]
    lowered = secret_key.lower()
    if any(marker in lowered for marker in SECRET_KEY_PLACEHOLDERS):
        return ["SECRET_KEY is a placeholder: generate a long random value."]
    if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 5:
        return [f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} random characters."]
    return []


def auction_fee_parse(raw: str) -> Decimal:
    """AUCTION_FEE in soums: a positive amount with at most two decimals."""
    try:
        fee = Decimal(raw.strip())
    except InvalidOperation:
        fee = Decimal("NaN")
    if not fee.is_finite() or fee <= 0 or fee >= Decimal("1e10") or fee != fee.quantize(Decimal("0.01")):
        raise ImproperlyConfigured(f"AUCTION_FEE must be a positive amount in soums such as 50000.00, got {raw!r}.")
    return fee.quantize(Decimal("0.01"))


def debug_error_pages_parse(raw: str) -> str:
    """DEBUG_ERROR_PAGES: "site" (the site's own 404/500 pages with DEBUG on) or "technical" (Django's)."""
    if raw not in ("site", "technical"):
        raise ImproperlyConfigured(f"DEBUG_ERROR_PAGES must be 'site' or 'technical', not {raw!r}")
    return raw


def log_file_check(path: str) -> None:
    """The log file's folder must exist (or be creatable) and be writable."""
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(f"DJANGO_LOG_FILE: cannot create the folder {folder}: {exc}") from exc
    if not os.access(folder, os.W_OK):
        raise ImproperlyConfigured(f"DJANGO_LOG_FILE: the folder {folder} is not writable.")


def log_format_check(value: str) -> str:
    """LOG_FORMAT: json (one object per line, for collectors) or plain."""
    if value not in ("json", "plain"):
        raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, got {value!r}.")
    return value


def validate_production_settings(
    *,
    debug: bool,
    secret_key: str,
    allowed_hosts: list[str],
    click: Mapping[str, str],
    sandbox: bool,
    sandbox_forced: bool,
    payme: Mapping[str, Any] | None = None,
) -> None:
    if debug:
        return
    problems = secret_key_problems(secret_key)
    if not allowed_hosts:
        problems.append("ALLOWED_HOSTS is not set (for example ALLOWED_HOSTS=kvartirabar.uz).")
    problems += click_settings_problems(click)
    if sandbox and not sandbox_forced:
        problems.append(
            "CLICK_SANDBOX is on while DEBUG is off: payments would not reach Click. "
            "Turn it off, or set CLICK_SANDBOX_FORCE=1 for a staging server."
        )
    if payme is not None:
        problems += payme_settings_problems(
            merchant_id=str(payme.get("merchant_id", "")),
            key=str(payme.get("key", "")),
            test_key=str(payme.get("test_key", "")),
            test_mode=bool(payme.get("test_mode")),
        )
        if payme.get("sandbox") and not sandbox_forced:
            problems.append(
                "PAYME_SANDBOX is on while DEBUG is off: payments would not reach Payme. "
                "Turn it off, or set CLICK_SANDBOX_FORCE=1 for a staging server."
            )
    if problems:
        raise ImproperlyConfigured(
            "kvartirabar cannot start with these settings (environment or .env):\n- " + "\n- ".join(problems)
        )


def messaging_settings_check(
    *, debug: bool, sms_backend: str, eskiz_email: str, eskiz_password: str, site_url: str
) -> None:
    """With DEBUG off: sign-in codes must really go out by SMS (the console backend would write
    them to the log, where anyone reading it could sign in as anybody), and links in messages
    must point at the public site."""
    if debug:
        return
    problems = []
    if sms_backend.rsplit(".", 1)[-1] in {"ConsoleSmsBackend", "LocmemSmsBackend"}:
        problems.append(
            f"SMS_BACKEND is {sms_backend!r} while DEBUG is off: sign-in codes would be logged, not sent. "
            "Use core.sms.EskizSmsBackend with ESKIZ_EMAIL and ESKIZ_PASSWORD."
        )
    elif sms_backend == "core.sms.EskizSmsBackend" and not (eskiz_email and eskiz_password):
        problems.append("ESKIZ_EMAIL and ESKIZ_PASSWORD must be set for the Eskiz SMS backend.")
    if not site_url.startswith("https://"):
        problems.append(f"SITE_URL must be the public https:// address of the site, got {site_url!r}.")
    if problems:
        raise ImproperlyConfigured(
            "kvartirabar cannot start with these settings (environment or .env):\n- " + "\n- ".join(problems)
        )
