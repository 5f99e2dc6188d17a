"""The fee panel's Click extras (Click in production): the invoice-by-phone block and the payment's expiry."""

from datetime import datetime
from typing import Any

from django import template

from auctions.models import Auction, AuctionPayment, ClickInvoiceStatus
from auctions.payment_rules import payment_expires_at
from clickuz.merchant import ClickMerchantClient

register = template.Library()


@register.inclusion_tag("auctions/_click_invoice.html", takes_context=True)
def click_invoice_block(context: dict[str, Any], auction: Auction, payment: AuctionPayment | None) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    latest = payment.invoices.order_by("-created_at", "-id").first() if payment is not None else None
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "auction": auction,
        "enabled": ClickMerchantClient().configured,
        "invoice": latest,
        "phone": latest.phone_number if latest else getattr(user, "phone", ""),
        "waiting": latest is not None and latest.status == ClickInvoiceStatus.WAITING,
    }


@register.filter
def payment_expiry(payment: AuctionPayment | None) -> datetime | None:
    """When an open fee payment expires (CLICK_PAYMENT_EXPIRES_AFTER_SECONDS)."""
    return payment_expires_at(payment) if payment is not None else None
