"""Play Click's part against any deployment: signed Prepare, then Complete."""

import json

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clickuz.simulator import Exchange, simulate_payment


class Command(BaseCommand):
    help = "Send Click's signed Prepare and Complete to BASE_URL for a merchant_trans_id and print each exchange."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", required=True, help="e.g. https://kvartirabar.uz")
        parser.add_argument("--merchant-trans-id", required=True)
        parser.add_argument("--amount", default=None, help="default: AUCTION_FEE")
        parser.add_argument("--decline", action="store_true", help="Complete with a negative error (payment failed)")
        parser.add_argument("--timeout", type=float, default=15.0)

    def handle(self, *args: object, **options: object) -> None:
        base = str(options["base_url"]).rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise CommandError("--base-url must start with http:// or https://")
        try:
            httpx.URL(base)
        except httpx.InvalidURL as exc:
            raise CommandError(f"--base-url is not a URL: {exc}") from None
        timeout = float(options["timeout"])  # type: ignore[arg-type]
        if not 0 < timeout <= 600:  # NaN fails this too
            raise CommandError("--timeout must be more than 0 and at most 600 seconds")
        amount = str(options["amount"] or f"{settings.AUCTION_FEE:.2f}")
        if not settings.DEBUG and not settings.CLICK_SANDBOX:
            # Signed with the real secret, a Complete marks a fee paid although no money moved.
            self.stderr.write(
                self.style.WARNING("Signing with this server's real CLICK_SECRET_KEY: use test orders only.")
            )

        def show(exchange: Exchange) -> None:
            self.stdout.write(f"→ {exchange.stage.upper()} POST {exchange.url}")
            self.stdout.write("  " + json.dumps(exchange.sent, ensure_ascii=False))
            answer = json.dumps(exchange.answer, ensure_ascii=False) if exchange.answer else exchange.raw_answer[:500]
            self.stdout.write(f"← HTTP {exchange.status_code}: {answer}")

        result = simulate_payment(
            prepare_url=base + settings.CLICK_PREPARE_PATH,
            complete_url=base + settings.CLICK_COMPLETE_PATH,
            service_id=str(settings.CLICK_SERVICE_ID),
            secret_key=settings.CLICK_SECRET_KEY,
            merchant_trans_id=str(options["merchant_trans_id"]),
            amount=amount,
            decline=bool(options["decline"]),
            timeout=timeout,
            on_exchange=show,
        )
        if result.paid:
            self.stdout.write(self.style.SUCCESS("paid: the merchant confirmed the payment"))
        elif options["decline"] and len(result.exchanges) == 2:
            self.stdout.write("declined: Complete sent with a negative error")
        else:
            raise CommandError("the merchant did not accept the payment (see the answers above)")
