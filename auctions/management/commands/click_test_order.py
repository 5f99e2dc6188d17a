"""Create a payable auction fee for Click's certification tester."""

from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from auctions.services import auction_create, payment_initiate
from listings.models import District
from listings.services import listing_create

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
            listing = listing_create(
                seller=seller,
                title="Click test: 1-комнатная квартира",
                district=District.objects.filter(slug="mirzo-ulugbek").first(),
                address="Тестовый адрес, 1",
                rooms=1,
                area=Decimal("40"),
                floor=1,
                floors_total=5,
                price=Decimal("400000000"),
            )
            starts_at = now + timedelta(minutes=starts_in_minutes)
            auction = auction_create(
                seller=seller,
                listing=listing,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(days=days),
                starting_price=Decimal("400000000"),
                bid_step=Decimal("1000000"),
            )
        payment = payment_initiate(auction_id=auction.pk, user=seller)
        self.stdout.write(f"auction #{auction.pk}, amount {payment.amount}")
        self.stdout.write(payment.merchant_trans_id)
