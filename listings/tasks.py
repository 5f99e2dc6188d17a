"""Celery tasks of listings (found by the app's autodiscovery)."""

from celery import shared_task

from listings.services import photo_drafts_purge
from listings.view_counts import view_counts_flush


@shared_task(name="listings.tasks.photo_drafts_purge")
def photo_drafts_purge_task() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE['photo-drafts-purge']): photos of refused forms never sent again."""
    return photo_drafts_purge()


@shared_task(name="listings.tasks.view_counts_flush")
def view_counts_flush_task() -> int:
    """Every VIEW_COUNTS_FLUSH_SECONDS (CELERY_BEAT_SCHEDULE['view-counts-flush']): the views counted
    in Redis added to the listings (listings/view_counts.py)."""
    return view_counts_flush()
