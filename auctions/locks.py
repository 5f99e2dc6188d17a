"""The auction row lock: every write to an auction takes it first, inside transaction.atomic().
A fee's payment rows are locked before it (auctions.lifecycle runs the fee's lock hook first)."""

from auctions.models import Auction


def auction_lock(*, auction_id: int) -> Auction:
    """Lock and return the auction row; call inside transaction.atomic()."""
    return Auction.objects.select_for_update().get(pk=auction_id)
