"""The Payme choice in the auction page's fee block (loaded by the fee panel's template, so
no Python module of another gateway imports this one)."""

from typing import Any

from django import template
from django.conf import settings

from fees.models import AuctionPayment
from fees_payme.paylink import fee_payme_pay_url, payme_enabled

register = template.Library()


@register.inclusion_tag("fees_payme/_payme_pay.html", takes_context=True)
def payme_pay_button(context: dict[str, Any], payment: AuctionPayment | None) -> dict[str, Any]:
    request = context.get("request")
    enabled = payme_enabled() and payment is not None and request is not None
    return {
        "enabled": enabled,
        "pay_url": fee_payme_pay_url(request, payment) if enabled and payment is not None else "",
        "sandbox": settings.PAYME_SANDBOX,
        "test_mode": settings.PAYME_TEST_MODE,
    }


@register.simple_tag
def payme_is_enabled() -> bool:
    return payme_enabled()


@register.inclusion_tag("fees_payme/_payme_note.html")
def payme_mode_note() -> dict[str, Any]:
    """Under the pay buttons: the sandbox or Payme's test mode is on."""
    return {"sandbox": payme_enabled() and settings.PAYME_SANDBOX, "test_mode": settings.PAYME_TEST_MODE}
