"""Celery tasks of listings (found by the app's autodiscovery)."""

from celery import shared_task

from listings.services import photo_drafts_purge


@shared_task(name="listings.tasks.photo_drafts_purge")
def photo_drafts_purge_task() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE['photo-drafts-purge']): photos of refused forms never sent again."""
    return photo_drafts_purge()
