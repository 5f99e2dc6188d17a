"""The seller's fee pages, paid through Click: start paying, and the invoice to the Click app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from auctions.errors import AuctionRuleError
from auctions.models import Auction
from auctions.shortcuts import auction_visible_or_404
from core.ratelimit import rate_limit_allows, rate_limited_message
from fees.services import fee_initiate
from fees_click.services import payment_invoice_create

MAX_PHONE_INPUT = 32


def _back_to_fee(auction: Auction) -> HttpResponse:
    return redirect(reverse("auctions:detail", args=[auction.pk]) + "#payment")


@login_required
@require_POST
def payment_initiate(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Инициировать оплату" button (design §1, the checklist's step 5): open the fee, or keep the
    open one; the fee block then shows its merchant_trans_id and the gateways' pay buttons."""
    auction = auction_visible_or_404(request, pk, related=())
    if not rate_limit_allows(scope="payment_initiate", request=request):
        messages.error(request, rate_limited_message())
        return _back_to_fee(auction)
    try:
        fee_initiate(auction_id=auction.pk, user=request.user)  # type: ignore[arg-type]
    except AuctionRuleError as exc:
        messages.error(request, exc.message)
    return _back_to_fee(auction)


@login_required
@require_POST
def payment_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the fee as an invoice to the seller's Click app (the service checks the seller and the auction)."""
    auction = auction_visible_or_404(request, pk, related=())
    phone = request.POST.get("phone", "")[:MAX_PHONE_INPUT]
    if not rate_limit_allows(scope="payment_initiate", request=request):
        messages.error(request, rate_limited_message())
        return _back_to_fee(auction)
    try:
        invoice = payment_invoice_create(auction_id=auction.pk, user=request.user, phone=phone)  # type: ignore[arg-type]
    except AuctionRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Счёт отправлен в приложение Click на номер %(phone)s. Подтвердите оплату в Click.")
            % {"phone": invoice.phone_number},
        )
    return _back_to_fee(auction)
