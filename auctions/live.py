"""Live auction pages: the Channels group per auction and what is pushed to it."""

import json
from typing import Any

from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder

from auctions.models import Auction
from auctions.selectors import auction_live_state, auction_visible_for, auctions_visible
from core.channel_layer import group_send_blocking


def auction_group(auction_id: int) -> str:
    return f"auction-{auction_id}"


def auction_state_for(*, auction_id: int, user: Any) -> dict[str, object] | None:
    """The live state for a visitor who may see the auction (auctions_visible), else None."""
    auction = auctions_visible(user=user).select_related("leader").filter(pk=auction_id).first()
    return None if auction is None else auction_live_state(auction)


def auction_state_load(*, auction_id: int) -> dict[str, object] | None:
    """The state broadcast after a change: only pages let in by auction_state_for are in the group.
    None when the auction is gone; PRIVATE_NOW when it is not public (each page then asks again)."""
    auction = Auction.objects.select_related("leader", "listing").filter(pk=auction_id).first()
    if auction is None:
        return None
    if not auction_visible_for(auction, None):
        return PRIVATE_NOW
    return auction_live_state(auction)


# The auction stopped being public (its listing archived, sent to moderation or marked a test object
# after the pages opened): its state is not broadcast; each page re-reads it with its own visitor's
# rights, and a page whose visitor may no longer see the auction is closed (the consumer).
PRIVATE_NOW: dict[str, object] = {"private": True}


def auction_state_broadcast(*, auction_id: int, state: dict[str, object] | None = None) -> None:
    """Push the auction's current state (`state` if the caller has just built it) to every open
    page (call after commit). The message is serialised once here for all of them: the consumers
    send its text as it is (auctions.consumers.AuctionConsumer.auction_state)."""
    if state is None:
        state = auction_state_load(auction_id=auction_id)
    layer = get_channel_layer()
    if state is None or layer is None:
        return
    if state is PRIVATE_NOW:
        group_send_blocking(layer, auction_group(auction_id), {"type": "auction.recheck"})
        return
    text = json.dumps({"type": "state", **state}, cls=DjangoJSONEncoder)
    group_send_blocking(layer, auction_group(auction_id), {"type": "auction.state", "text": text})
