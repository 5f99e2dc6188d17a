"""Uzbek phone numbers, normalised to E.164 (+998XXXXXXXXX)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-()]")
_UZ_E164 = re.compile(r"\+998\d{9}", re.ASCII)  # ASCII digits only; used with fullmatch


def phone_normalize(raw: str) -> str:
    """Return the number as +998XXXXXXXXX or raise ValidationError.

    Accepts what people type: "+998 90 123-45-67", "998901234567",
    "90 123 45 67" (a local number without the country code).
    """
    digits = _SEPARATORS.sub("", raw or "")
    if digits.startswith("+"):
        candidate = digits
    elif digits.startswith("998") and len(digits) == 12:
        candidate = "+" + digits
    elif len(digits) == 9:
        candidate = "+998" + digits
    else:
        candidate = digits
    if not _UZ_E164.fullmatch(candidate):
        raise ValidationError(
            _("Введите номер телефона Узбекистана, например +998 90 123 45 67."), code="invalid_phone"
        )
    return candidate


def phone_mask(phone: str) -> str:
    """+998901234567 -> +998 90 *** ** 67, for public bid histories."""
    if len(phone) != 13:
        return "***"
    return f"{phone[:4]} {phone[4:6]} *** ** {phone[-2:]}"
