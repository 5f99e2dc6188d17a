"""The signed-in user's own pages (reads only): the seller's listings, auctions, fee payments and
receipts, and the buyer's bids."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from auctions.selectors import auction_bid_row, auctions_bid_on, auctions_of_seller
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


MY_BIDS_PAGE_SIZE = 20


@login_required
def my_bids(request: HttpRequest) -> HttpResponse:
    """The buyer's auctions: one row per auction they bid on, where they stand in it."""
    page = Paginator(auctions_bid_on(user=request.user), MY_BIDS_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [auction_bid_row(auction, user_id=request.user.pk, now=now) for auction in page.object_list]
    return render(request, "accounts/my_bids.html", {"page": page, "rows": rows})
