"""Keeps the Payme call log bounded in time: rows older than PAYME_CALL_LOG_RETENTION_DAYS go."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from paymeuz.models import PaymeCall

PRUNE_BATCH_SIZE = 2000


def calls_prune(*, now: datetime | None = None, days: int | None = None, batch_size: int = PRUNE_BATCH_SIZE) -> int:
    """Delete call rows received more than `days` (default: the setting) ago; 0 or fewer keeps all."""
    days = settings.PAYME_CALL_LOG_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            PaymeCall.objects.filter(created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        deleted += PaymeCall.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch_size:
            return deleted
