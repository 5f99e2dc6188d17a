"""Notification tasks, enqueued after commit by auctions.effects (through the listener notifications.apps registers)."""

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import translation

from accounts.models import User
from auctions.models import Auction, AuctionWatch, Bid
from notifications.services import message_build, notification_send

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _bidders(auction: Auction) -> set[int]:
    return set(Bid.objects.filter(auction=auction, removed_at__isnull=True).values_list("bidder_id", flat=True))


def _watchers(auction: Auction) -> set[int]:
    return set(AuctionWatch.objects.filter(auction=auction).values_list("user_id", flat=True))


def auction_recipients(*, kind: str, auction: Auction, user_id: int | None = None) -> list[tuple[str, int]]:
    """(message kind, user id) pairs for one auction event."""
    if kind == "outbid":
        return [("outbid", user_id)] if user_id is not None else []
    if kind == "started":
        return [("started", uid) for uid in sorted(_watchers(auction) - {auction.seller_id})]
    if kind in ("ending_soon", "extended"):
        people = (_watchers(auction) | _bidders(auction)) - {auction.seller_id}
        return [(kind, uid) for uid in sorted(people)]
    if kind == "fee_paid":
        return [("fee_paid", auction.seller_id)]
    if kind == "cancelled":
        # user_id: who cancelled (the seller, or an operator) — they already know.
        people = (_bidders(auction) | _watchers(auction) | {auction.seller_id}) - {user_id}
        return [("cancelled", uid) for uid in sorted(people)]
    if kind == "ended":
        pairs = [("sold" if auction.winner_id else "unsold", auction.seller_id)]
        if auction.winner_id:
            pairs.append(("won", auction.winner_id))
        pairs += [("lost", uid) for uid in sorted(_bidders(auction) - {auction.winner_id})]
        return pairs
    raise ValueError(f"unknown auction event {kind!r}")


@shared_task(name="notifications.tasks.notify_auction_event", ignore_result=True)
def notify_auction_event(*, kind: str, auction_id: int, user_id: int | None = None) -> int:
    auction = Auction.objects.select_related("listing", "seller", "winner").filter(pk=auction_id).first()
    if auction is None or auction.listing.operator_test:
        return 0  # gone, or the operator's test auction (click_test_order): nobody is told
    pairs = auction_recipients(kind=kind, auction=auction, user_id=user_id)
    # Preferences and Telegram links come with the users: no per-recipient queries.
    recipients = User.objects.filter(Q(pk__in=[uid for _k, uid in pairs])).select_related(
        "notification_preference", "telegram_link"
    )
    users = {u.pk: u for u in recipients}
    sent = 0
    for message_kind, uid in pairs:
        user = users.get(uid)
        if user is None:
            continue
        context = {
            "auction": auction,
            "listing": auction.listing,
            "user": user,
            "url": _absolute(auction.get_absolute_url()),
            "seller": auction.seller,
            "winner": auction.winner,
        }
        # Each person reads the message in the language they last picked on the site.
        with translation.override(user.language):
            message = message_build(kind=message_kind, context=context)
        if notification_send(user=user, message=message):
            sent += 1
    return sent


def auction_event_enqueue(kind: str, **kwargs: Any) -> None:
    """The auctions.effects listener: a Celery worker sends the messages (in-process without a broker)."""
    notify_auction_event.delay(kind=kind, **kwargs)
