"""The home page's shared part (hero counters, regions, auctions, new listings) is the same for
every visitor in a language: it is rendered once into the cache ({% cache %} in home.html) and
dropped when a listing, its photos or an auction change, after the change commits.

HOME_CACHE_SECONDS bounds what only the clock changes (an auction starting or ending with no
write yet, "ends in 2 hours"): the page is never older than that.
"""

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.template.backends.utils import csrf_input
from django.utils.safestring import SafeString, mark_safe

HOME_CACHE_SECONDS = 30
HOME_FRAGMENTS = ("home_hero", "home_content")

# The cards' heart forms need the visitor's own CSRF token, which a page shared by every visitor
# cannot hold: the cached HTML carries this slot (includes/favorite_heart.html) and each response
# gets its token put in after rendering ("donut" caching).
CSRF_SLOT: SafeString = mark_safe("<!--kb:csrf-->")


def csrf_slot_fill(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    response.content = response.content.replace(CSRF_SLOT.encode(), csrf_input(request).encode())
    return response


def home_cache_keys() -> list[str]:
    # The anonymous visitors' copies: home_content varies on the viewer too ("" for a visitor;
    # a signed-in visitor's copy, with their hearts, is never stored).
    return [
        make_template_fragment_key(fragment, [language] if fragment == "home_hero" else [language, ""])
        for fragment in HOME_FRAGMENTS
        for language, _name in settings.LANGUAGES
    ]


def home_cache_invalidate() -> None:
    cache.delete_many(home_cache_keys())


def _changed(sender: Any, **kwargs: Any) -> None:
    # At once, so that this transaction's own later reads see the change, and again after the commit:
    # a request in between could have cached the old rows again. (Two Redis deletes, a fraction of a ms.)
    home_cache_invalidate()
    transaction.on_commit(home_cache_invalidate)


def home_cache_connect() -> None:
    """Called by AuctionsConfig.ready: every saved or deleted listing, photo or auction drops the page."""
    from auctions.models import Auction
    from listings.models import Listing, ListingPhoto

    for model in (Listing, ListingPhoto, Auction):
        post_save.connect(_changed, sender=model, dispatch_uid=f"home_cache_{model.__name__}_save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"home_cache_{model.__name__}_delete")
