from decimal import Decimal

NBSP = "\u00a0"


def format_amount(amount: Decimal | int | None) -> str:
    """50000 -> '50 000' (groups of three with no-break spaces, the local way)."""
    if amount is None:
        return ""
    value = Decimal(amount)
    text = f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    return text.replace(",", NBSP).replace(".", ",")
