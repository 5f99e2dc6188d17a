"""Celery tasks of the Click protocol package (found by the app's autodiscovery)."""

from celery import shared_task

from clickuz.retention import callbacks_prune


@shared_task(name="clickuz.tasks.click_callbacks_prune")
def click_callbacks_prune() -> int:
    """Daily (CELERY_BEAT_SCHEDULE['click-callbacks-prune']): drop callback rows past the retention."""
    return callbacks_prune()
