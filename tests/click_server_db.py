"""Seed and inspect the database of a server process the test started (PostgreSQL or a SQLite file).

Run in its own process with that server's environment (DATABASE_URL), so a test on the
PostgreSQL test database can also drive a SQLite file that its own connection never sees:

    python -m tests.click_server_db seed 12   # prints the new fees as JSON
    python -m tests.click_server_db state     # prints every fee's outcome as JSON
"""

import json
import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

from tests.procs import ROOT


def run(env: dict[str, str], *args: str) -> object:
    """Run this module with `args` in a process with `env`; its JSON answer."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "tests.click_server_db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _seed(count: int) -> list[dict[str, object]]:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from auctions.lifecycle import auction_create
    from fees.services import fee_initiate
    from listings.geo import geo_ensure
    from listings.models import District, Listing, ListingStatus
    from listings.services import listing_prices

    geo_ensure()
    fees = []
    with transaction.atomic():  # one commit: fast on SQLite too
        seller = User.objects.create_user(
            phone=f"+99890{User.objects.count() + 5000000:07d}", first_name="Продавец", phone_verified_at=timezone.now()
        )
        district = District.objects.get(name_ru="Юнусабадский район")
        now = timezone.now()
        for i in range(count):
            listing = Listing(
                seller=seller,
                title=f"Квартира {i}",
                district=district,
                address="ул. Амира Темура, 10",
                rooms=2,
                area=Decimal("64.50"),
                floor=3,
                floors_total=9,
                price=Decimal("850000000"),
                status=ListingStatus.PUBLISHED,
            )
            listing.price_uzs, listing.price_per_m2_uzs = listing_prices(
                price=listing.price, currency=listing.currency, area=listing.area
            )
            listing.save()
            auction = auction_create(
                seller=seller,
                listing=listing,
                starts_at=now + timedelta(hours=1),
                ends_at=now + timedelta(days=3),
                starting_price=Decimal("800000000"),
                bid_step=Decimal("1000000"),
            )
            payment = fee_initiate(auction_id=auction.pk, user=seller)
            fees.append({"merchant_trans_id": payment.merchant_trans_id, "amount": f"{payment.amount:.2f}"})
    return fees


def _state() -> dict[str, dict[str, object]]:
    from auctions.models import AuctionEvent
    from clickuz.models import ClickCallback
    from fees.models import AuctionPayment, PaymentAttempt

    outcome = {}
    for payment in AuctionPayment.objects.select_related("auction"):
        attempts = PaymentAttempt.objects.filter(payment=payment)
        outcome[payment.merchant_trans_id] = {
            "status": payment.status,
            "completed_at": payment.completed_at is not None,
            "auction_paid": payment.auction.is_paid,
            "auction_status": payment.auction.status,
            "attempts": attempts.count(),
            "completed_attempts": sorted(attempts.filter(status="completed").values_list("pk", flat=True)),
            "paid_events": AuctionEvent.objects.filter(auction=payment.auction, kind=AuctionEvent.Kind.PAID).count(),
            "callback_errors": sorted(
                ClickCallback.objects.filter(merchant_trans_id=payment.merchant_trans_id).values_list(
                    "error", flat=True
                ),
                key=lambda e: (e is None, e),
            ),
        }
    return outcome


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command = sys.argv[1]
    answer = _seed(int(sys.argv[2])) if command == "seed" else _state()
    print(json.dumps(answer))
