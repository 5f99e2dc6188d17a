"""Celery tasks for Click in production (registered through CELERY_IMPORTS)."""

from celery import shared_task

from fees_click.services import click_jobs_run


@shared_task(name="fees_click.tasks.click_jobs")
def click_jobs() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE['click-jobs']): reconcile attempts, follow invoices."""
    return click_jobs_run()
