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

from django.core.cache import cache as django_cache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe
from django.utils.timesince import timeuntil
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from listings.models import Listing

CARD_TEMPLATE = "includes/listing_card_body.html"
CARD_CACHE_SECONDS = 60 * 60


@cache
def _template_digest() -> str:
    source = get_template(CARD_TEMPLATE).template.source  # type: ignore[attr-defined]
    return hashlib.blake2b(source.encode(), digest_size=6).hexdigest()


def card_key(listing: Listing) -> str:
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
        photos[0].thumb_url if photos else "",
        len(photos),
        ends_at,
        timeuntil(ends_at) if ends_at else "",
        getattr(listing, "auction_starts_at", None),
        getattr(listing, "auction_price", None),
        getattr(listing, "auction_start_price", None),
        get_language(),
        get_current_timezone_name(),
    )
    digest = hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()
    return f"card:{_template_digest()}:{listing.pk}:{digest}"


def cards_render(listings: Iterable[Listing]) -> None:
    """Sets `card_html` on each listing: from the cache, or rendered and cached (one round trip each way)."""
    listings = list(listings)
    keys = {listing.pk: card_key(listing) for listing in listings}
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
