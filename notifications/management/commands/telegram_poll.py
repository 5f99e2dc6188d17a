import time

from django.core.management.base import BaseCommand, CommandParser

from notifications.services import telegram_updates_process
from notifications.telegram import TelegramClient, TelegramError


class Command(BaseCommand):
    help = "Link users' Telegram chats: read the bot's updates (/start <token>). --loop keeps polling."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true")

    def handle(self, *args: object, loop: bool, **options: object) -> None:
        client = TelegramClient()
        if not client.configured:
            self.stderr.write("TELEGRAM_BOT_TOKEN is not set")
            return
        offset: int | None = None
        while True:
            try:
                updates = client.get_updates(offset=offset, timeout=25 if loop else 0)
            except TelegramError as exc:
                if not loop:
                    raise
                self.stderr.write(str(exc))
                time.sleep(5)
                continue
            linked = telegram_updates_process(updates=updates)
            ids = [u["update_id"] for u in updates if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
            if ids:
                offset = max(ids) + 1
            self.stdout.write(f"telegram_poll: {len(updates)} update(s), {linked} chat(s) linked")
            if not loop:
                return
