"""Who may do what with an account: the rules other apps' services check."""

from typing import Any

from django.utils.translation import gettext as _

PHONE_UNCONFIRMED = "phone_unconfirmed"
# A session signed in by SMS code this recently sets a new password without the old one.
PHONE_PROOF_FOR_PASSWORD_SECONDS = 15 * 60


def user_phone_confirmed(user: Any) -> bool:
    """True when the account's number was confirmed by an SMS code: only then may it publish, bid or pay."""
    return bool(getattr(user, "is_active", False) and getattr(user, "phone_verified_at", None) is not None)


def phone_unconfirmed_message() -> str:
    return _(
        "Подтвердите номер телефона кодом из SMS: без этого нельзя публиковать объявления, делать ставки и платить."
    )


def password_change_needs_old(user: Any, *, phone_proven_at: object, now: float) -> bool:
    """Whether a new password must come with the current one: yes when the account has one, unless
    this session signed in by SMS code (`phone_proven_at`, a Unix time) in the last 15 minutes; the
    code proved the number, which is how a forgotten password is replaced."""
    proven = isinstance(phone_proven_at, float) and now - phone_proven_at < PHONE_PROOF_FOR_PASSWORD_SECONDS
    return bool(user.has_usable_password()) and not proven
