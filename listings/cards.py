"""The result cards' shared HTML, cached: a search page renders 24 cards, and a card is the same
for every visitor (the heart and its CSRF token are not part of it: templates/includes/listing_card.html
renders those per request around the cached `includes/listing_card_body.html`).

The key is every value the card's template reads (a change of price, auction state, photos, wording,
time zone or "ends in …" gives a new key: nothing has to be invalidated), plus a digest of the
template itself so a deploy that changes it never serves the old HTML.
"""

import hashlib
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.http import HttpRequest
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.timesince import timeuntil
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from listings.models import Listing

CARD_TEMPLATE = "includes/listing_card_body.html"
HEART_TEMPLATE = "includes/favorite_heart.html"
CARD_CACHE_SECONDS = 60 * 60


@cache
def _template_digest() -> str:
    source = get_template(CARD_TEMPLATE).template.source  # type: ignore[attr-defined]
    # The cover is keyed by its file's name (its URL cost ~14 µs a card): where the storage serves
    # files from is part of what the HTML says, like the template.
    served_from = repr((settings.MEDIA_URL, settings.STORAGES.get("default")))
    return hashlib.blake2b((source + served_from).encode(), digest_size=6).hexdigest()


def card_key(listing: Listing, *, viewer: str) -> str:
    """`viewer`: card_viewer(), the language and time zone, the same for every card of a page."""
    photos = list(listing.photos.all())  # prefetched by the selectors that feed cards
    ends_at = getattr(listing, "auction_ends_at", None)
    values = (
        listing.pk,
        listing.updated_at,
        listing.status,
        listing.title,
        listing.price,
        listing.currency,
        listing.sold_price,
        listing.price_per_m2_uzs,
        listing.market,
        listing.rooms,
        listing.area,
        listing.floor,
        listing.floors_total,
        listing.location,
        (photos[0].thumbnail or photos[0].image).name if photos else "",
        len(photos),
        ends_at,
        timeuntil(ends_at) if ends_at else "",
        getattr(listing, "auction_starts_at", None),
        getattr(listing, "auction_price", None),
        getattr(listing, "auction_start_price", None),
        viewer,
    )
    digest = hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()
    return f"card:{_template_digest()}:{listing.pk}:{digest}"


def card_viewer() -> str:
    return f"{get_language()}:{get_current_timezone_name()}"


def cards_render(listings: Iterable[Listing]) -> None:
    """Sets `card_html` on each listing: from the cache, or rendered and cached (one round trip each way)."""
    listings = list(listings)
    viewer = card_viewer()
    keys = {listing.pk: card_key(listing, viewer=viewer) for listing in listings}
    found = django_cache.get_many(list(keys.values()))
    missing = {}
    for listing in listings:
        html = found.get(keys[listing.pk])
        if html is None:
            html = render_to_string(CARD_TEMPLATE, {"listing": listing})
            missing[keys[listing.pk]] = html
        listing.card_html = mark_safe(html)  # type: ignore[attr-defined]  # noqa: S308 (our template's output)
    if missing:
        django_cache.set_many(missing, CARD_CACHE_SECONDS)


class _HeartStub:
    """What favorite_heart.html reads of a listing, for rendering it once per page."""

    def __init__(self, pk: int, seller_id: Any) -> None:
        self.pk, self.seller_id = pk, seller_id


_STUB_PK = 987654321


def hearts_render(request: HttpRequest, listings: Iterable[Listing]) -> None:
    """Sets `heart_html` on each listing: templates/includes/favorite_heart.html rendered once per
    state (on, off, the visitor's own listing) for the whole page, the listing's URL put in after;
    its CSRF token is one for the page (as the home page's cached cards share theirs)."""
    user = request.user
    rendered: dict[Any, str] = {}
    stub_url = reverse("listings:favorite", args=[_STUB_PK])
    stub_action = f'action="{stub_url}"'

    def variant(state: Any) -> str:
        if state not in rendered:
            stub = _HeartStub(_STUB_PK, user.pk if state == "own" else -1)
            context = {"listing": stub, "on": state is True}
            rendered[state] = render_to_string(HEART_TEMPLATE, context, request=request)
        return rendered[state]

    for listing in listings:
        if listing.seller_id == user.pk:
            html = variant("own")
        else:
            on = bool(getattr(listing, "is_favorite", False))
            # The listing's own URL from the stub's (a reverse() per card cost ~13 µs).
            action = f'action="{stub_url.replace(str(_STUB_PK), str(listing.pk))}"'
            html = variant(on).replace(stub_action, action)
        listing.heart_html = mark_safe(html)  # type: ignore[attr-defined]  # noqa: S308 (our template's output)
