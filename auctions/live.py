"""Live auction pages: the Channels group per auction and what is pushed to it."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from auctions.models import Auction
from auctions.selectors import auction_live_state, auctions_visible


def auction_group(auction_id: int) -> str:
    return f"auction-{auction_id}"


def auction_state_for(*, auction_id: int, user: Any) -> dict[str, object] | None:
    """The live state for a visitor who may see the auction (auctions_visible), else None."""
    auction = auctions_visible(user=user).select_related("leader").filter(pk=auction_id).first()
    return None if auction is None else auction_live_state(auction)


def auction_state_load(*, auction_id: int) -> dict[str, object] | None:
    """The state broadcast after a change: only pages let in by auction_state_for are in the group."""
    auction = Auction.objects.select_related("leader").filter(pk=auction_id).first()
    return None if auction is None else auction_live_state(auction)


def auction_state_broadcast(*, auction_id: int) -> None:
    """Push the auction's current state to every open page (call after commit)."""
    state = auction_state_load(auction_id=auction_id)
    layer = get_channel_layer()
    if state is None or layer is None:
        return
    async_to_sync(layer.group_send)(auction_group(auction_id), {"type": "auction.state", "state": state})
