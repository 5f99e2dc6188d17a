"""Who may do what with an account: the rules other apps' services check."""

from typing import Any

from django.utils.translation import gettext as _

PHONE_UNCONFIRMED = "phone_unconfirmed"


def user_phone_confirmed(user: Any) -> bool:
    """True when the account's number was confirmed by an SMS code: only then may it publish, bid or pay."""
    return bool(getattr(user, "is_active", False) and getattr(user, "phone_verified_at", None) is not None)


def phone_unconfirmed_message() -> str:
    return _(
        "Подтвердите номер телефона кодом из SMS: без этого нельзя публиковать объявления, делать ставки и платить."
    )
