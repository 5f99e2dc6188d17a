"""Create a payable auction fee for Payme's sandbox (test.paycom.uz) or a manual test, or
remove every test order (the same operator test objects as click_test_order)."""

from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from core.commands import int_between
from fees.demo import TEST_ORDER_START_MINUTES, test_fee_payment_create, test_seller_ensure
from fees_payme.paylink import fee_amount_tiyin

# The operator's test seller (click_test_order uses the same unassigned number, so one
# --cleanup removes both gateways' test orders).


class Command(BaseCommand):
    help = (
        "Create a test seller, listing, auction and fee payment for Payme; print its order id (account.order_id) "
        "as the last line. --cleanup removes every test order (as click_test_order --cleanup)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--starts-in-minutes", type=int_between(*TEST_ORDER_START_MINUTES), default=60, help="negative: running now"
        )
        parser.add_argument("--days", type=int_between(1, 60), default=7)
        parser.add_argument("--cleanup", action="store_true", help="remove every test order and the test seller")

    def handle(self, *args: object, starts_in_minutes: int, days: int, cleanup: bool, **options: object) -> None:
        if cleanup:
            call_command("click_test_order", "--cleanup", stdout=self.stdout, stderr=self.stderr)
            return
        now = timezone.now()
        with transaction.atomic():
            seller = test_seller_ensure(now=now)
            starts_at = now + timedelta(minutes=starts_in_minutes)
            payment = test_fee_payment_create(
                seller=seller,
                title="Payme test: 1-комнатная квартира",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(days=days),
            )
        self.stdout.write(
            f"auction #{payment.auction_id}, amount {payment.amount} UZS = {fee_amount_tiyin(payment)} tiyin; "
            'Payme account: {"order_id": "' + payment.merchant_trans_id + '"}'
        )
        self.stdout.write(payment.merchant_trans_id)
