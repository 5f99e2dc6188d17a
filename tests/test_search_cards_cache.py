"""The search results' cards come from a cache keyed by what they show: a change shows at once,
and what is per visitor (the heart, the CSRF token) is never shared."""

import re
from datetime import timedelta
from decimal import Decimal

from django.core.cache import cache
from django.test import Client

from listings.models import Favorite, Listing


def _cards(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.split('<div class="grid">', 1)[1].split("</section>", 1)[0]


def _fresh(client: Client, url: str) -> str:
    cache.clear()
    return _cards(client.get(url).content.decode())


def test_a_cached_card_is_what_a_fresh_render_shows(client, listing, make_paid_auction):
    url = "/listings/"
    first = _cards(client.get(url).content.decode())
    assert _cards(client.get(url).content.decode()) == first  # from the cache
    assert first == _fresh(client, url)
    # A change that does not touch `updated_at` (a queryset update) still shows at once.
    Listing.objects.filter(pk=listing.pk).update(price=Decimal("123456789"), title="Совсем другой заголовок")
    changed = _cards(client.get(url).content.decode())
    assert "Совсем другой заголовок" in changed and "123" in changed
    assert changed == _fresh(client, url)
    # Its auction starts: the card says so.
    make_paid_auction(listing, starts_in=-timedelta(minutes=5))
    running = _cards(client.get(url).content.decode())
    assert 'data-testid="card-bid"' in running
    assert running == _fresh(client, url)
    # Another language: the card in that language.
    client.cookies["django_language"] = "uz"
    uz = _cards(client.get(url).content.decode())
    assert uz != running
    assert uz == _fresh(client, url)


def test_the_heart_is_each_visitors_own(client, buyer, listing):
    Favorite.objects.create(user=buyer, listing=listing)
    signed_in = Client()
    signed_in.force_login(buyer)
    assert 'aria-pressed="true"' in signed_in.get("/listings/").content.decode()
    anonymous = client.get("/listings/").content.decode()  # the card is cached now
    assert 'aria-pressed="true"' not in anonymous
    assert 'aria-pressed="false"' in anonymous
    assert 'aria-pressed="true"' in signed_in.get("/listings/").content.decode()


def _card(page: str, listing) -> str:
    return page.split(f'<a class="card-link" href="/listings/{listing.pk}/">', 1)[1].split('class="card-wrap"', 1)[0]


def test_each_heart_posts_to_its_own_listing_and_the_seller_gets_none(client, seller, buyer, make_listing):
    own, other = make_listing(seller), make_listing(buyer)
    page = client.get("/listings/").content.decode()
    for listing in (own, other):
        card = page.split(f'<a class="card-link" href="/listings/{listing.pk}/">', 1)[1].split('class="card-wrap"', 1)[
            0
        ]
        assert f'action="/listings/{listing.pk}/favorite/"' in card
    client.force_login(seller)
    page = client.get("/listings/").content.decode()
    own_card = page.split(f'<a class="card-link" href="/listings/{own.pk}/">', 1)[1].split('class="card-wrap"', 1)[0]
    other_card = page.split(f'<a class="card-link" href="/listings/{other.pk}/">', 1)[1].split('class="card-wrap"', 1)[
        0
    ]
    assert 'data-testid="card-favorite"' not in own_card
    assert f'action="/listings/{other.pk}/favorite/"' in other_card and "data-favorite" in other_card
