"""Keeps the callback log bounded in time: rows older than CLICK_CALLBACK_LOG_RETENTION_DAYS go.

Run daily by Celery beat (clickuz.tasks.click_callbacks_prune) or by cron with
`manage.py click_callbacks_prune`.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from clickuz.models import ClickCallback

# Each batch is its own short statement (autocommit): callbacks keep being written meanwhile.
PRUNE_BATCH_SIZE = 2000


def callbacks_prune(*, now: datetime | None = None, days: int | None = None, batch_size: int = PRUNE_BATCH_SIZE) -> int:
    """Delete callback rows received more than `days` (default: the setting) ago; return how many.

    0 or fewer days keeps everything.
    """
    days = settings.CLICK_CALLBACK_LOG_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            ClickCallback.objects.filter(created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        # Nothing refers to a callback row, so this is one plain DELETE ... WHERE id IN (...).
        deleted += ClickCallback.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch_size:
            return deleted
