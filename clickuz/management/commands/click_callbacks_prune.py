"""Drop Click callback log rows older than CLICK_CALLBACK_LOG_RETENTION_DAYS (for cron)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clickuz.retention import callbacks_prune


class Command(BaseCommand):
    help = "Delete Click callback log rows older than CLICK_CALLBACK_LOG_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="override the setting for this run")

    def handle(self, *args: object, days: int | None, **options: object) -> None:
        if days is not None and days <= 0:
            raise CommandError("--days must be a positive number of days")
        deleted = callbacks_prune(days=days)
        self.stdout.write(f"click_callbacks_prune: deleted {deleted} callback rows")
