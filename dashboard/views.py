"""The seller's own pages: listings, auctions, fee payments and receipts (reads only)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from auctions.selectors import auctions_of_seller
from fees.models import AuctionPayment, PaymentStatus
from fees.selectors import auctions_with_payments, fee_payments_of_seller
from listings.selectors import listings_of_seller


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/dashboard.html",
        {
            "listings": list(listings_of_seller(seller_id=request.user.pk)),
            "auctions": list(auctions_with_payments(auctions_of_seller(seller_id=request.user.pk))),
            "payments": fee_payments_of_seller(seller_id=request.user.pk),
        },
    )


@login_required
def payment_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(
        AuctionPayment.objects.select_related("auction", "auction__listing").prefetch_related("attempts"),
        pk=pk,
        auction__seller_id=request.user.pk,
        status=PaymentStatus.COMPLETED,
    )
    return render(request, "accounts/receipt.html", {"payment": payment})
