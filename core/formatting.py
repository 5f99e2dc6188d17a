from decimal import Decimal

from django.utils.translation import gettext_noop

NBSP = "\u00a0"


def format_amount(amount: Decimal | int | None) -> str:
    """50000 -> '50 000' (groups of three with no-break spaces, the local way)."""
    if amount is None:
        return ""
    value = Decimal(amount)
    text = f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    return text.replace(",", NBSP).replace(".", ",")


def format_phone(phone: str | None) -> str:
    """'+998935551234' -> '+998 93 555 12 34', the way numbers are written in Uzbekistan;
    anything that is not an Uzbek number in E.164 is returned as it is."""
    if not phone:
        return ""
    if len(phone) == 13 and phone.startswith("+998") and phone[1:].isdigit():
        return f"{phone[:4]} {phone[4:6]} {phone[6:9]} {phone[9:11]} {phone[11:]}"
    return phone


# Django's own Uzbek catalogue joins list parts and durations with a bare "," ("2 soat,59 daqiqa").
# Naming the separator here keeps it in our catalogues, where uz says ", " like ru and en do.
# Translators: the separator between the parts of a duration or a list ("2 soat, 59 daqiqa").
LIST_SEPARATOR = gettext_noop(", ")
