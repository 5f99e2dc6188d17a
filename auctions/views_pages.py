"""The home page and the listing page: they show auctions, so they live above listings.

Listings may not import auctions; config/urls.py routes these two under their old names
("home" and "listings:detail").
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from auctions.home_cache import CSRF_SLOT, HOME_CACHE_SECONDS, csrf_slot_fill
from auctions.models import OPEN_AUCTION_STATUSES
from auctions.selectors import auction_open_for_listing, auction_panel, auctions_active, auctions_upcoming
from listings.forms import SearchForm
from listings.models import Listing, ListingStatus
from listings.selectors import (
    listing_ids_favorite_of,
    listing_is_favorite,
    listing_visible_to,
    listings_newest,
    regions_with_districts,
)
from listings.view_counts import view_count

SEEN_COOKIE = "seen"  # the listings an anonymous visitor has seen (signed), instead of a session row
SEEN_COOKIE_SALT = "kvartirabar.seen-listings"
SEEN_KEEP = 200  # the most recent ones remembered
SEEN_COOKIE_MAX_AGE = 60 * 60 * 24 * 365


def _seen_in_cookie(request: HttpRequest) -> list[int]:
    raw = request.get_signed_cookie(SEEN_COOKIE, default="", salt=SEEN_COOKIE_SALT)
    return [int(part) for part in raw.split(".") if part.isdigit()] if raw else []


def listing_view_count(request: HttpRequest, listing: Listing) -> str | None:
    """One view per visitor, whether they open the listing or its auction page (the seller's own
    visits don't count); `listing.views_count` is brought up to date for the page.

    A signed-in visitor's seen listings are kept in their session; an anonymous visitor's in a signed
    cookie, so reading pages creates no session row. Returns the cookie's new value when it must be
    set (pass the response to `seen_cookie_set`), else None."""
    user_id = request.user.pk if request.user.is_authenticated else None
    if listing.status != ListingStatus.PUBLISHED or listing.seller_id == user_id:
        return None
    in_cookie = _seen_in_cookie(request)
    if listing.pk in in_cookie:
        return None
    # Read the session only when the visitor has one (reading it does not create one).
    in_session = request.session.get("seen_listings", []) if user_id or request.session.session_key else []
    if listing.pk in in_session:
        return None
    view_count(listing_id=listing.pk)
    listing.views_count += 1
    if user_id is not None:
        request.session["seen_listings"] = [*in_session[-(SEEN_KEEP - 1) :], listing.pk]
        return None
    return ".".join(str(pk) for pk in [*in_cookie[-(SEEN_KEEP - 1) :], listing.pk])


def seen_cookie_set(response: HttpResponse, value: str | None) -> HttpResponse:
    if value is not None:
        response.set_signed_cookie(
            SEEN_COOKIE,
            value,
            salt=SEEN_COOKIE_SALT,
            max_age=SEEN_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def home(request: HttpRequest) -> HttpResponse:
    # The shared part is cached per language for anonymous visitors (auctions.home_cache); a
    # signed-in visitor's cards carry their own hearts, so theirs is rendered fresh (timeout 0).
    active, upcoming, listings = auctions_active()[:8], auctions_upcoming()[:8], listings_newest(limit=12)
    favorite_ids: set[int] = set()
    viewer = ""
    if request.user.is_authenticated:
        active, upcoming, listings = list(active), list(upcoming), list(listings)
        shown = [listing.pk for listing in listings] + [auction.listing_id for auction in active + upcoming]
        favorite_ids = set(listing_ids_favorite_of(user_id=request.user.pk, listing_ids=shown))
        viewer = str(request.user.pk)
    response = render(
        request,
        "home.html",
        {
            "active_auctions": active,
            "upcoming_auctions": upcoming,
            "listings": listings,
            "favorite_ids": favorite_ids,
            "search_form": SearchForm(),
            "regions": regions_with_districts,
            "home_cache_seconds": 0 if viewer else HOME_CACHE_SECONDS,
            "home_cache_viewer": viewer,
            "language": get_language(),
            "csrf_slot": CSRF_SLOT,
        },
    )
    return csrf_slot_fill(request, response)


def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user_id = request.user.pk if request.user.is_authenticated else None
    listing = listing_visible_to(pk=pk, user=request.user)
    if listing is None:
        raise Http404
    seen = listing_view_count(request, listing)
    auction = auction_open_for_listing(listing_id=listing.pk, user=request.user)
    panel = auction_panel(auction) if auction else None
    is_seller = user_id is not None and user_id == listing.seller_id
    # The seller's buttons: a new auction, "sold" and "archive" only while no auction is open.
    auction_open = panel is not None and panel.status in OPEN_AUCTION_STATUSES
    response = render(
        request,
        "listings/listing_detail.html",
        {
            "listing": listing,
            "photos": list(listing.photos.all()),
            "auction": auction,
            "panel": panel,
            "auction_open": auction_open,
            "seller_may_auction": is_seller and listing.status == ListingStatus.PUBLISHED and not auction_open,
            "is_seller": is_seller,
            "is_favorite": listing_is_favorite(listing_id=listing.pk, user_id=user_id),
        },
    )
    return seen_cookie_set(response, seen)
