import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from auctions.lifecycle import auctions_ending_soon_mark, auctions_sync_due
from clickuz.retention import callbacks_prune
from core.commands import int_between
from fees.tasks import fee_jobs_run
from fees_click.services import click_jobs_run

logger = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 24 * 3600
T = TypeVar("T")


class Command(BaseCommand):
    help = "Record time-driven auction changes (start, end, winner). Idempotent; --loop runs it periodically."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running every --interval seconds")
        parser.add_argument("--interval", type=int_between(1, 3600), default=settings.AUCTION_JOBS_INTERVAL)

    def handle(self, *args: object, loop: bool, interval: int, **options: object) -> None:
        last_prune = float("-inf")
        while True:
            if loop:
                close_old_connections()  # a long-running loop must not keep a dead connection
            changed = self._run("auctions", auctions_sync_due, loop=loop)
            self._run("ending soon", auctions_ending_soon_mark, loop=loop)
            # The fee: expiry, cancelled auctions' fees, refunds; Click: reconciliation and invoices.
            for name, job in (("fee", fee_jobs_run), ("click", click_jobs_run)):
                summary = self._run(name, job, loop=loop)
                if summary:
                    jobs_report(self, name, summary)
            # The callback log's retention, once a day (Celery beat does this in production).
            if time.monotonic() - last_prune >= PRUNE_EVERY_SECONDS:
                self._run("click_callbacks_prune", callbacks_prune, loop=loop)
                last_prune = time.monotonic()
            if changed or not loop:
                self.stdout.write(f"auction_jobs: {changed or 0} auction(s) updated")
            if not loop:
                return
            time.sleep(max(1, interval))

    def _run(self, name: str, job: Callable[[], T], *, loop: bool) -> T | None:
        """One job; in the loop a failing job is logged and retried next time, and never stops the others."""
        try:
            return job()
        except Exception:
            if not loop:
                raise
            logger.exception("auction_jobs: %s failed", name)
            return None


def jobs_report(command: BaseCommand, name: str, summary: dict[str, int]) -> None:
    if any(summary.values()):
        command.stdout.write(f"{name}_jobs: " + ", ".join(f"{step} {count}" for step, count in summary.items()))
