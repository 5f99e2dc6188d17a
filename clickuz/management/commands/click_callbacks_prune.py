"""Drop Click callback log rows older than CLICK_CALLBACK_LOG_RETENTION_DAYS (for cron)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clickuz.retention import callbacks_prune


class Command(BaseCommand):
    help = "Delete Click callback log rows older than CLICK_CALLBACK_LOG_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="override the setting for this run")

    def handle(self, *args: object, days: int | None, **options: object) -> None:
        if days is not None and not 0 < days <= 36_500:  # beyond that timedelta overflowed
            raise CommandError("--days must be from 1 to 36500")
        deleted = callbacks_prune(days=days)
        self.stdout.write(f"click_callbacks_prune: deleted {deleted} callback rows")
