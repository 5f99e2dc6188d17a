import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from auctions.services import auctions_sync_due


class Command(BaseCommand):
    help = "Record time-driven auction changes (start, end, winner). Idempotent; --loop runs it periodically."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running every --interval seconds")
        parser.add_argument("--interval", type=int, default=settings.AUCTION_JOBS_INTERVAL)

    def handle(self, *args: object, loop: bool, interval: int, **options: object) -> None:
        while True:
            changed = auctions_sync_due()
            if changed or not loop:
                self.stdout.write(f"auction_jobs: {changed} auction(s) updated")
            if not loop:
                return
            time.sleep(max(1, interval))
