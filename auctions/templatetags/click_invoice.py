"""The "send the invoice to my Click app" block in the fee panel (Click in production)."""

from typing import Any

from django import template

from auctions.models import Auction, AuctionPayment, ClickInvoiceStatus
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
