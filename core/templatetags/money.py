from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from core.formatting import NBSP, format_amount, format_phone

register = template.Library()


@register.filter
def amount(value: Decimal | int | None) -> str:
    return format_amount(value)


@register.filter
def soum(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    return f"{format_amount(value)}{NBSP}{_('сум')}"


@register.filter
def price(value: Decimal | int | None, currency: str = "UZS") -> str:
    if value is None:
        return ""
    if currency == "USD":
        return f"${format_amount(value)}"
    return soum(value)


@register.filter
def duration(seconds: int | None) -> str:
    """Seconds -> '2 д 03 ч 15 мин' for countdowns rendered on the server."""
    if seconds is None:
        return ""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)s д %(h)02d ч %(m)02d мин") % {"d": days, "h": hours, "m": minutes}
    return _("%(h)02d:%(m)02d:%(s)02d") % {"h": hours, "m": minutes, "s": secs}


@register.filter
def in_words(value: Decimal | int | None) -> str:
    """850000000 -> 'восемьсот пятьдесят миллионов' (the bid form's typo guard)."""
    if value is None:
        return ""
    from core.numwords import amount_in_words

    return amount_in_words(int(value))


@register.filter
def phone(value: str | None) -> str:
    """+998935551234 -> "+998 93 555 12 34" (the text shown; a tel: link keeps the bare number)."""
    return format_phone(value)
