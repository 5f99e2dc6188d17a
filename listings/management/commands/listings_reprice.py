"""Recompute soum prices of dollar listings after USD_UZS_RATE changes."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from listings.services import listings_reprice


class Command(BaseCommand):
    help = "Recompute price_uzs and price per m² of dollar listings at the current USD_UZS_RATE."

    def handle(self, *args: object, **options: object) -> None:
        count, skipped = listings_reprice()
        self.stdout.write(self.style.SUCCESS(f"Repriced {count} dollar listings at {settings.USD_UZS_RATE} UZS/USD."))
        if skipped:
            raise CommandError(
                f"{len(skipped)} listings kept their old soum price: at this rate it would not fit "
                f"(ids {', '.join(map(str, skipped))}); their sellers must lower the dollar price."
            )
