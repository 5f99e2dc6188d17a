import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from auctions.services import auctions_ending_soon_mark, auctions_sync_due
from auctions.services_click import click_jobs_run

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Record time-driven auction changes (start, end, winner). Idempotent; --loop runs it periodically."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running every --interval seconds")
        parser.add_argument("--interval", type=int, default=settings.AUCTION_JOBS_INTERVAL)

    def handle(self, *args: object, loop: bool, interval: int, **options: object) -> None:
        while True:
            if loop:
                close_old_connections()  # a long-running loop must not keep a dead connection
            try:
                changed = auctions_sync_due()
                auctions_ending_soon_mark()
                # Click in production: reconciliation, invoices, expiry, refunds (auctions/services_click.py).
                click_jobs_report(self, click_jobs_run())
            except Exception:
                if not loop:
                    raise
                # The next run retries: nothing is decided by this job alone.
                logger.exception("auction_jobs: run failed")
                changed = 0
            if changed or not loop:
                self.stdout.write(f"auction_jobs: {changed} auction(s) updated")
            if not loop:
                return
            time.sleep(max(1, interval))


def click_jobs_report(command: BaseCommand, summary: dict[str, int]) -> None:
    if any(summary.values()):
        command.stdout.write("click_jobs: " + ", ".join(f"{name} {count}" for name, count in summary.items()))
