"""Play Payme's part against any deployment: CheckPerformTransaction, CreateTransaction and
PerformTransaction (or CancelTransaction), each repeated as Payme's sandbox does."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.commands import http_url, int_between
from paymeuz.keys import current_key
from paymeuz.simulator import simulate_payment


class Command(BaseCommand):
    help = "Send Payme's Merchant API calls to BASE_URL for an order id and print each exchange."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", required=True, type=http_url, help="e.g. https://kvartirabar.uz")
        parser.add_argument("--order-id", required=True, help="the fee's merchant_trans_id (payme_test_order)")
        parser.add_argument(
            "--amount", type=int_between(1, 10**14), default=None, help="in tiyin; default: AUCTION_FEE × 100"
        )
        parser.add_argument("--decline", action="store_true", help="cancel the created transaction (reason 3)")
        parser.add_argument("--once", action="store_true", help="send each call once, not twice")
        parser.add_argument("--key", default=None, help="default: this server's current Payme key")

    def handle(self, *args: object, **options: object) -> None:
        base = str(options["base_url"]).rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise CommandError("--base-url must start with http:// or https://")
        key = str(options["key"] or current_key())
        if not key:
            raise CommandError("no Payme key: set PAYME_KEY (or PAYME_TEST_KEY with PAYME_TEST_MODE=1), or pass --key")
        amount = options["amount"] if options["amount"] is not None else int(settings.AUCTION_FEE * 100)
        if not settings.DEBUG and not settings.PAYME_SANDBOX:
            # With the real key, a Perform marks a fee paid although no money moved.
            self.stderr.write(self.style.WARNING("Calling with this server's real Payme key: use test orders only."))
        result = simulate_payment(
            endpoint_url=base + settings.PAYME_ENDPOINT_PATH,
            key=key,
            order_id=str(options["order_id"]),
            amount_tiyin=int(amount),  # type: ignore[call-overload]
            decline=bool(options["decline"]),
            repeat=not options["once"],
        )
        for exchange in result.exchanges:
            self.stdout.write(f"→ {exchange.method} " + json.dumps(exchange.sent, ensure_ascii=False))
            answer = json.dumps(exchange.answer, ensure_ascii=False) if exchange.answer else exchange.raw_answer[:500]
            self.stdout.write(f"← HTTP {exchange.status_code}: {answer}")
        if not result.repeats_matched:
            raise CommandError("a repeated call got a different answer than the first")
        if result.paid:
            self.stdout.write(self.style.SUCCESS(f"paid: transaction {result.transaction_id} performed"))
        elif options["decline"] and result.exchanges and result.exchanges[-1].result is not None:
            self.stdout.write(f"declined: transaction {result.transaction_id} cancelled")
        else:
            raise CommandError("the merchant did not accept the payment (see the answers above)")
