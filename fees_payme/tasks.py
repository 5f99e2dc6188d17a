"""Celery tasks of the Payme adapter (registered through CELERY_IMPORTS)."""

import logging

from celery import shared_task

from core.jobs import jobs_run
from fees_payme.adapter import payme_expire_due
from paymeuz.retention import calls_prune

logger = logging.getLogger("fees_payme.jobs")


def payme_jobs_run() -> dict[str, int]:
    return jobs_run((("expired", payme_expire_due), ("calls_pruned", calls_prune)), logger=logger)


@shared_task(name="fees_payme.tasks.payme_jobs")
def payme_jobs() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE['payme-jobs']): cancel transactions past their 12 hours,
    prune the call log past PAYME_CALL_LOG_RETENTION_DAYS."""
    return payme_jobs_run()
