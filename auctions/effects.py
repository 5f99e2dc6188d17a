"""Side effects of auction changes, run after the transaction commits.

Services register these with `transaction.on_commit`; none of them decides
anything: they push the new state to open pages (Channels), schedule the close
at the exact end (Celery) and tell the auction event listeners (notifications
registers one). A failure here is logged and never undoes the committed change.
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models.signals import post_save

if TYPE_CHECKING:
    from auctions.models import Auction

logger = logging.getLogger(__name__)

AUCTION_CLOSE_TASK = "auctions.tasks.auction_close_task"

_background: ThreadPoolExecutor | None = None
_background_lock = threading.Lock()

# Called as listener(kind, auction_id=..., user_id=...) after an auction event commits; a listener only
# enqueues work. notifications registers its task here in AppConfig.ready(): auctions sits below
# notifications and does not import it.
auction_event_listeners: list[Callable[..., None]] = []


def listen_auction_events(fn: Callable[..., None]) -> Callable[..., None]:
    """Register fn for every auction event ("outbid", "started", "ended", ...); registering twice is a no-op."""
    if fn not in auction_event_listeners:
        auction_event_listeners.append(fn)
    return fn


def _safely(name: str, func: Callable[[], object]) -> None:
    try:
        func()
    except Exception:
        logger.exception("auction effect %s failed", name)


def auction_broadcast(*, auction_id: int) -> None:
    from auctions.live import auction_state_broadcast

    _safely("broadcast", lambda: auction_state_broadcast(auction_id=auction_id))


def _listing_saved(sender: object, instance: Any, **kwargs: object) -> None:
    """A listing saved not public (by the admin's hand: the seller's archive and the moderator's
    reject refuse while an auction is open) hides its auctions: their open pages re-check after the
    commit who may still see them (auctions.live.PRIVATE_NOW), and the public's pages close."""
    from auctions.models import Auction
    from listings.selectors import listing_public

    if listing_public(instance):
        return
    for auction_id in Auction.objects.filter(listing_id=instance.pk, is_paid=True).values_list("pk", flat=True):
        transaction.on_commit(partial(auction_broadcast, auction_id=auction_id))


def listing_hidden_connect() -> None:
    """Called by AuctionsConfig.ready."""
    from listings.models import Listing

    post_save.connect(_listing_saved, sender=Listing, dispatch_uid="auctions_listing_hidden")


def auction_close_schedule(*, auction_id: int, ends_at: datetime | None = None) -> None:
    """Schedule the close for the exact (current) end; earlier schedules find nothing to do.
    A caller that has just committed the end passes it (no second read)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded default: `auction_jobs --loop` closes auctions
    from celery import current_app

    from auctions.models import Auction

    if ends_at is None:
        ends_at = Auction.objects.filter(pk=auction_id).values_list("ends_at", flat=True).first()
    if ends_at is not None:
        # By name: the task module imports the services, which import this module.
        _safely(
            "schedule",
            lambda: current_app.send_task(AUCTION_CLOSE_TASK, kwargs={"auction_id": auction_id}, eta=ends_at),
        )


def _background_executor() -> ThreadPoolExecutor:
    global _background
    with _background_lock:
        if _background is None:
            _background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="notify")
        return _background


def _in_background(name: str, func: Callable[[], object]) -> None:
    close_old_connections()
    try:
        _safely(name, func)
    finally:
        connection.close()


def _notify(kind: str, **kwargs: object) -> Future[None] | None:
    """Tell the listeners (notifications enqueues its task). Without a broker that task runs in this
    process: on a background thread (NOTIFY_IN_BACKGROUND, the default), so a bid is not answered only
    after the SMS provider and the mail server have been called for the outbid bidder."""
    listeners = list(auction_event_listeners)
    if not listeners:
        return None

    def send() -> None:
        # One failing listener does not keep the event from the others.
        for listener in listeners:
            _safely(kind, partial(listener, kind, **kwargs))

    if settings.CELERY_TASK_ALWAYS_EAGER and settings.NOTIFY_IN_BACKGROUND:
        return _background_executor().submit(_in_background, kind, send)
    _safely(kind, send)
    return None


def notify_fee_paid(*, auction_id: int) -> None:
    _notify("fee_paid", auction_id=auction_id)


AUCTION_PAID_EFFECTS_TASK = "auctions.tasks.auction_paid_effects"


def auction_paid_effects(*, auction_id: int, ends_at: datetime) -> None:
    """A paid auction: its close is scheduled and the seller told."""
    auction_close_schedule(auction_id=auction_id, ends_at=ends_at)
    notify_fee_paid(auction_id=auction_id)


def auction_paid_effects_enqueue(*, auction_id: int, ends_at: datetime) -> None:
    """With a broker, one message does both in a worker: the gateway's Complete is answered
    without waiting for two publishes. Without one, they run here (eagerly, as every effect)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        auction_paid_effects(auction_id=auction_id, ends_at=ends_at)
        return
    from celery import current_app

    _safely(
        "paid",
        lambda: current_app.send_task(
            AUCTION_PAID_EFFECTS_TASK, kwargs={"auction_id": auction_id, "ends_at": ends_at.isoformat()}
        ),
    )


def notify_ending_soon(*, auction_id: int) -> None:
    _notify("ending_soon", auction_id=auction_id)
    auction_broadcast(auction_id=auction_id)


def bid_effects(
    *, auction: "Auction", outbid_user_id: int | None, extended: bool, started: bool
) -> dict[str, object] | None:
    """After a bid commits: the live state is built once from the auction as the bid left it (one
    query, for the bid history), pushed to the open pages and returned for the bidder's answer."""
    from auctions.live import auction_state_broadcast
    from auctions.selectors import auction_live_state

    auction_id = auction.pk
    state: dict[str, object] | None = None
    try:
        state = auction_live_state(auction)
    except Exception:
        logger.exception("auction effect state failed")
    _safely("broadcast", lambda: auction_state_broadcast(auction_id=auction_id, state=state))
    if outbid_user_id is not None:
        _notify("outbid", auction_id=auction_id, user_id=outbid_user_id)
    if started:
        _notify("started", auction_id=auction_id)
    if extended:
        _notify("extended", auction_id=auction_id)
        auction_close_schedule(auction_id=auction_id, ends_at=auction.ends_at)
    return state


def auction_ended_effects(*, auction_id: int) -> None:
    auction_broadcast(auction_id=auction_id)
    _notify("ended", auction_id=auction_id)


def auction_cancelled_effects(*, auction_id: int, actor_id: int) -> None:
    """Open pages show the cancellation; bidders, watchers and the seller (whoever did not cancel) are told."""
    auction_broadcast(auction_id=auction_id)
    _notify("cancelled", auction_id=auction_id, user_id=actor_id)


def auction_sync_effects(*, auction_id: int, started: bool, ended: bool) -> None:
    if started:
        _notify("started", auction_id=auction_id)
    if ended:
        _notify("ended", auction_id=auction_id)
    auction_broadcast(auction_id=auction_id)
