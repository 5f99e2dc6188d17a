"""The cashbox key Payme authenticates with: PAYME_KEY (PAYME_TEST_KEY in Payme's test mode),
unless Payme's ChangePassword has replaced it."""

import hashlib

from django.conf import settings

from paymeuz.models import PaymeKeyChange


def configured_key() -> str:
    """The key from the settings for the current mode."""
    return settings.PAYME_TEST_KEY if settings.PAYME_TEST_MODE else settings.PAYME_KEY


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def current_key() -> str:
    """The key calls must carry now."""
    key = configured_key()
    if not key:
        return ""
    change = PaymeKeyChange.objects.filter(replaces=_fingerprint(key)).first()
    return change.key if change is not None else key


def key_change(new_key: str) -> None:
    """ChangePassword: later calls must carry `new_key`."""
    PaymeKeyChange.objects.update_or_create(replaces=_fingerprint(configured_key()), defaults={"key": new_key})
