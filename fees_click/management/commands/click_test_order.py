"""Create a payable auction fee for Click's certification tester, or remove every one made.

The test listing is an operator test object (Listing.operator_test): published so its
fee can be paid, yet never on the home page, in search or in the API, and its auction
notifies nobody. The test seller's phone is in an unassigned range and has every
notification channel off.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from accounts.models import User
from core.commands import int_between
from fees.demo import TEST_ORDER_START_MINUTES, TEST_SELLER_PHONE, test_fee_payment_create, test_seller_ensure
from listings.models import Listing

# Operator code 00 is not assigned in Uzbekistan: no real person can own this number.


def _purge(model: type[models.Model], pks: list[object], removed: dict[str, int]) -> None:
    """Delete these rows and, first, every row that PROTECTs them (payments, attempts, events, refunds...).

    Found through the models' own relations, so a new table that guards a fee is removed too.
    """
    if not pks:
        return
    for relation in model._meta.related_objects:
        if relation.on_delete in (models.PROTECT, models.RESTRICT):
            dependent = relation.related_model
            dependent_pks = list(
                dependent._base_manager.filter(**{f"{relation.field.name}__in": pks}).values_list("pk", flat=True)
            )
            _purge(dependent, dependent_pks, removed)
    _count, per_model = model._base_manager.filter(pk__in=pks).delete()
    for label, count in per_model.items():
        if count:
            removed[label] = removed.get(label, 0) + count


class Command(BaseCommand):
    help = (
        "Create a test seller, listing, auction and fee payment; print its merchant_trans_id as the last line. "
        "--cleanup removes every test order (and the test seller)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--starts-in-minutes", type=int_between(*TEST_ORDER_START_MINUTES), default=60, help="negative: running now"
        )
        parser.add_argument("--days", type=int_between(1, 60), default=7)
        parser.add_argument(
            "--cleanup",
            action="store_true",
            help="remove every test order made by this command: payments, attempts, events, auctions, listings, "
            "the test seller",
        )

    def handle(self, *args: object, starts_in_minutes: int, days: int, cleanup: bool, **options: object) -> None:
        if cleanup:
            self._cleanup()
            return
        now = timezone.now()
        with transaction.atomic():
            seller = test_seller_ensure(now=now)
            starts_at = now + timedelta(minutes=starts_in_minutes)
            payment = test_fee_payment_create(
                seller=seller,
                title="Click test: 1-комнатная квартира",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(days=days),
            )
        self.stdout.write(f"auction #{payment.auction_id}, amount {payment.amount}")
        self.stdout.write(payment.merchant_trans_id)

    def _cleanup(self) -> None:
        removed: dict[str, int] = {}
        with transaction.atomic():
            listings = list(Listing.objects.filter(operator_test=True).values_list("pk", flat=True))
            for payment in self._payments_of(listings):
                self.stdout.write(f"payment {payment[0]}: {payment[1]}, {payment[2]}")
            _purge(Listing, list(listings), removed)
            seller = User.objects.filter(phone=TEST_SELLER_PHONE).first()
            if seller is not None:
                try:
                    with transaction.atomic():
                        _count, per_model = seller.delete()
                    for label, count in per_model.items():
                        removed[label] = removed.get(label, 0) + count
                except ProtectedError:
                    # Something real refers to the test seller: keep the account, say so.
                    self.stderr.write(f"the test seller {TEST_SELLER_PHONE} is still referenced and was kept")
        for label, count in sorted(removed.items()):
            self.stdout.write(f"removed {count} {label}")
        if not removed:
            self.stdout.write("nothing to remove")

    @staticmethod
    def _payments_of(listing_pks: list[int]) -> list[tuple[str, str, str]]:
        """What is about to go, printed first: a paid test fee is real money in production."""
        rows = []
        for listing in Listing.objects.filter(pk__in=listing_pks).prefetch_related("auctions__payments"):
            for auction in listing.auctions.all():
                for payment in auction.payments.all():
                    rows.append((payment.merchant_trans_id, payment.status, f"{payment.amount}"))
        return rows
