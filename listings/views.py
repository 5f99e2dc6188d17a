from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from auctions.selectors import auction_open_for_listing, auction_panel, auctions_active, auctions_upcoming
from listings import services
from listings.forms import ListingForm
from listings.selectors import listings_newest, listings_with_photos


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "active_auctions": list(auctions_active()[:8]),
            "upcoming_auctions": list(auctions_upcoming()[:8]),
            "listings": list(listings_newest(limit=12)),
        },
    )


def listing_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(listings_with_photos(), 24).get_page(request.GET.get("page"))
    return render(request, "listings/listing_list.html", {"page": page})


def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(listings_with_photos(), pk=pk)
    auction = auction_open_for_listing(listing_id=listing.pk)
    return render(
        request,
        "listings/listing_detail.html",
        {
            "listing": listing,
            "photos": list(listing.photos.all()),
            "auction": auction,
            "panel": auction_panel(auction) if auction else None,
            "is_seller": request.user.is_authenticated and request.user.pk == listing.seller_id,
        },
    )


@login_required
def listing_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ListingForm(request.POST, request.FILES)
        if form.is_valid():
            photos = form.cleaned_data.pop("photos")
            listing = services.listing_create(seller=request.user, photos=photos, **form.cleaned_data)
            messages.success(request, _("Объявление опубликовано. Теперь можно выставить квартиру на аукцион."))
            return redirect(listing)
    else:
        form = ListingForm()
    return render(request, "listings/listing_create.html", {"form": form})
