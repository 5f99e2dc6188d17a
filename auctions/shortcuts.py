"""get_object_or_404 for auctions: one rule (auctions_visible) for every page that takes an auction id,
so an auction this visitor may not see (an unpaid one, to anybody but its seller) is a 404 everywhere,
and a 403 or a refusal never tells that it exists."""

from collections.abc import Sequence

from django.http import Http404, HttpRequest

from auctions.models import Auction
from auctions.selectors import AUCTION_PAGE_RELATED, auction_visible_to


def auction_visible_or_404(request: HttpRequest, pk: int, related: Sequence[str] = AUCTION_PAGE_RELATED) -> Auction:
    auction = auction_visible_to(pk=pk, user=request.user, related=related)
    if auction is None:
        raise Http404
    return auction
