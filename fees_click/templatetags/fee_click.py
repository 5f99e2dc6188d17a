"""The auction page's fee block, paid through Click. The auction page knows nothing of
the fee: its template loads this library, so the dependency stays one way."""

from datetime import datetime
from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from auctions.models import Auction
from clickuz.merchant import ClickMerchantClient
from core.templatetags.money import soum
from fees.models import AttemptStatus, AuctionPayment, Gateway
from fees.rules import fee_refunded_on_cancel, payment_expires_at
from fees.selectors import fee_declined_at, fee_payments_of_auction, fee_refund_newest
from fees_click.models import ClickInvoiceStatus
from fees_click.paylink import RETURNED_FROM_CLICK, fee_pay_url

register = template.Library()


# Every gateway returns the payer with ?from=<gateway> (fees_payme.paylink: from=payme).
RETURNED_FROM_PAYME = "payme"


def _returned_from(request: Any) -> str:
    return request.GET.get("from", "") if request is not None else ""


def _returned_from_click(request: Any) -> bool:
    return _returned_from(request) == RETURNED_FROM_CLICK.split("=", 1)[1]


def _returned_from_a_gateway(request: Any) -> bool:
    return _returned_from_click(request) or _returned_from(request) == RETURNED_FROM_PAYME


def _awaiting(request: Any, open_payment: AuctionPayment | None) -> tuple[str, bool]:
    """The gateway (a Gateway value) the seller came back from while the fee is still open, and
    whether the payer's try there was declined; ("", False) when the page waits for nothing."""
    if open_payment is None or not _returned_from_a_gateway(request):
        return "", False
    gateway = Gateway.CLICK if _returned_from_click(request) else Gateway.PAYME
    return gateway, fee_declined_at(open_payment, gateway=gateway)


def _paid_via(payment: AuctionPayment | None) -> str:
    if payment is None:
        return ""
    attempt = payment.attempts.filter(status=AttemptStatus.COMPLETED).first()
    return attempt.get_gateway_display() if attempt is not None else "Click"


@register.inclusion_tag("fees_click/_fee_panel.html", takes_context=True)
def fee_panel(context: dict[str, Any], auction: Auction) -> dict[str, Any]:
    """The seller's fee block: paid, waiting for Click, or the button that starts paying."""
    request = context.get("request")
    fee = fee_payments_of_auction(auction)
    gateway, declined = _awaiting(request, fee.open_payment)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "auction": auction,
        "returned": _returned_from_a_gateway(request),
        "open_payment": fee.open_payment,
        "completed_payment": fee.completed_payment,
        "pay_url": fee_pay_url(request, fee.open_payment) if fee.open_payment and request is not None else "",
        "awaiting_click": gateway == Gateway.CLICK and not declined,
        "awaiting_payme": gateway == Gateway.PAYME and not declined,
        "declined_via": Gateway(gateway).label if declined else "",
        "paid_via": _paid_via(fee.completed_payment),
        "refund": fee_refund_newest(fee.completed_payment),
        "fee": settings.AUCTION_FEE,
        "sandbox": settings.CLICK_SANDBOX,
    }


@register.simple_tag
def fee_on_cancel(auction: Auction) -> str:
    """What cancelling does to the fee, said before the seller confirms (fees.rules decides it)."""
    fee = soum(settings.AUCTION_FEE)
    if not auction.is_paid:
        return _("Сбор не был оплачен: ничего не списывается.")
    if fee_refunded_on_cancel(auction, now=timezone.now()):
        return _("Аукцион ещё не начался: сбор %(fee)s вернётся на карту, с которой вы платили.") % {"fee": fee}
    return _("Аукцион уже начался: сбор %(fee)s не возвращается.") % {"fee": fee}


@register.simple_tag(takes_context=True)
def fee_awaiting_refresh(context: dict[str, Any], auction: Auction) -> str:
    """Back from Click or Payme with the fee still open: the page reloads until the gateway's
    Complete (Perform) arrives, or until it is known the payer's try was declined."""
    request = context.get("request")
    if not context.get("is_seller") or not _returned_from_a_gateway(request):
        return ""
    gateway, declined = _awaiting(request, fee_payments_of_auction(auction).open_payment)
    if not gateway or declined:
        return ""
    return mark_safe('<meta http-equiv="refresh" content="5">')  # a constant


@register.inclusion_tag("fees_click/_click_invoice.html", takes_context=True)
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
