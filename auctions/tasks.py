"""Celery tasks for the auction clock.

- `auction_close_task` is scheduled (after commit) with eta = the auction's end;
  an extension schedules another, and the stale one finds nothing to do.
- `auctions_sweep` runs periodically (CELERY_BEAT_SCHEDULE): records every start
  and end the clock has decided and announces auctions ending soon.

Both only record what time has already decided, and are idempotent. The
embedded default (no broker) runs the same functions from `auction_jobs --loop`.
"""

from datetime import datetime

from celery import shared_task

from auctions import effects
from auctions.lifecycle import auction_close, auctions_ending_soon_mark, auctions_sync_due


@shared_task(name="auctions.tasks.auction_close_task", ignore_result=True)
def auction_close_task(*, auction_id: int) -> str:
    auction = auction_close(auction_id=auction_id)
    return auction.status


@shared_task(name="auctions.tasks.auctions_sweep", ignore_result=True)
def auctions_sweep() -> int:
    changed = auctions_sync_due()
    auctions_ending_soon_mark()
    return changed


@shared_task(name=effects.AUCTION_PAID_EFFECTS_TASK, ignore_result=True)
def auction_paid_effects(*, auction_id: int, ends_at: str) -> None:
    """Enqueued once per paid auction (auctions.effects.auction_paid_effects_enqueue)."""
    effects.auction_paid_effects(auction_id=auction_id, ends_at=datetime.fromisoformat(ends_at))
