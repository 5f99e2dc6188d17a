"""Celery tasks for Click in production (registered through CELERY_IMPORTS)."""

from celery import shared_task

from auctions.services_click import click_jobs_run, payment_refund


@shared_task(name="auctions.tasks_payments.click_jobs")
def click_jobs() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE['click-jobs']): reconcile, follow invoices, expire, refund."""
    return click_jobs_run()


@shared_task(name="auctions.tasks_payments.payment_refund")
def payment_refund_task(payment_id: int) -> str:
    """Enqueued on commit when a paid fee is flagged for a refund."""
    return str(payment_refund(payment_id=payment_id).refund_status or "pending")
