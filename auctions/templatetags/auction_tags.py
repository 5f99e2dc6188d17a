from django import template

from auctions.models import Auction, AuctionStatus
from auctions.selectors import auction_effective_status

register = template.Library()


@register.filter
def effective_status(auction: Auction) -> str:
    """The status the clock has decided (the recorded one may lag a few seconds)."""
    return auction_effective_status(auction)


@register.filter
def status_label(status: str) -> str:
    return str(AuctionStatus(status).label)


@register.simple_tag
def auction_status_choices() -> list[tuple[str, str]]:
    """(value, label) of every status, in the page's language: the live panel relabels the badge with them."""
    return [(value, str(label)) for value, label in AuctionStatus.choices]
