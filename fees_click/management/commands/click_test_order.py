"""Create a payable auction fee for Click's certification tester."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from fees.demo import test_fee_payment_create

TEST_SELLER_PHONE = "+998900000099"


class Command(BaseCommand):
    help = "Create a test seller, listing, auction and fee payment; print its merchant_trans_id as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--starts-in-minutes", type=int, default=60)
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args: object, starts_in_minutes: int, days: int, **options: object) -> None:
        now = timezone.now()
        with transaction.atomic():
            seller, created = User.objects.get_or_create(
                phone=TEST_SELLER_PHONE, defaults={"first_name": "Click test seller"}
            )
            if created:
                seller.set_unusable_password()
                seller.save(update_fields=["password"])
            starts_at = now + timedelta(minutes=starts_in_minutes)
            payment = test_fee_payment_create(
                seller=seller,
                title="Click test: 1-комнатная квартира",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(days=days),
            )
        self.stdout.write(f"auction #{payment.auction_id}, amount {payment.amount}")
        self.stdout.write(payment.merchant_trans_id)
