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


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """'1 попытка', '3 попытки', '11 попыток', '21 попытка': Russian noun forms after a number,
    for operator texts written in Russian and English side by side (not through gettext)."""
    if n % 10 == 1 and n % 100 != 11:
        form = one
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        form = few
    else:
        form = many
    return f"{n} {form}"


def plural_en(n: int, one: str, other: str) -> str:
    """'1 attempt', '2 attempts'."""
    return f"{n} {one if n == 1 else other}"
