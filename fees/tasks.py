"""Celery tasks of the fee core (registered through CELERY_IMPORTS)."""

import logging

from celery import shared_task

from core.jobs import jobs_run
from fees.refunds import refunds_process_due
from fees.services import fees_expire_due, fees_settle_cancelled_due

logger = logging.getLogger("fees.jobs")


def fee_jobs_run() -> dict[str, int]:
    """One run of the fee's periodic work; each step fails on its own."""
    return jobs_run(
        (
            ("expired", fees_expire_due),
            ("cancelled_settled", fees_settle_cancelled_due),
            ("refunded", refunds_process_due),
        ),
        logger=logger,
    )


@shared_task(name="fees.tasks.fee_jobs")
def fee_jobs() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE['fee-jobs']): expire, settle cancelled auctions, refunds."""
    return fee_jobs_run()
