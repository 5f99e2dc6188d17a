"""How fast the Click jobs settle a backlog of stuck payments.

Creates N fee payments whose Complete never arrived (a prepared Click attempt
each), registers half of them as paid and half as failed at a fake Click
Merchant API over local HTTP, and times one run of payments_reconcile_due();
then times a run with nothing left to do. Prints figures; asserts nothing
about speed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_click DEBUG=1 \\
        .venv/bin/python bench/click_reconcile.py [N]

The database is created if missing and emptied of auctions first.
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the project root, not bench/ (bench/click.py would shadow the click package)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_click")
os.environ.setdefault("CLICK_SANDBOX", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("SMS_BACKEND", "core.sms.LocmemSmsBackend")
os.environ.setdefault("EMAIL_URL", "memorymail://")


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    if os.environ["DATABASE_URL"].startswith("postgres"):
        _ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from fees.demo import test_fee_payment_create
    from fees.models import AuctionPayment, PaymentAttempt, PaymentStatus
    from fees_click.services import payments_reconcile_due
    from listings.geo import geo_ensure
    from tests.fake_click_merchant import FakeClickMerchant, FakeClickMerchantServer

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    geo_ensure()  # the flush removed the regions the data migration loaded
    seller = User.objects.create_user(phone="+998900001234", password=None, phone_verified_at=timezone.now())
    now = timezone.now()
    fake = FakeClickMerchant(
        service_id=str(settings.CLICK_SERVICE_ID),
        merchant_user_id=str(settings.CLICK_MERCHANT_USER_ID),
        secret_key=settings.CLICK_SECRET_KEY,
    )
    for i in range(count):
        payment = test_fee_payment_create(
            seller=seller, title=f"bench {i}", starts_at=now + timedelta(hours=1), ends_at=now + timedelta(days=2)
        )
        # A Prepare that reached us and a Complete that did not: the attempt exists, Click knows the payment.
        attempt = PaymentAttempt.objects.create(
            payment=payment, gateway_trans_id=str(8_000_000_000 + i), amount=payment.amount
        )
        fake.add_payment(
            int(attempt.gateway_trans_id),
            payment.merchant_trans_id,
            timezone.localdate(payment.created_at).isoformat(),
            status=2 if i % 2 == 0 else -5017,
        )
    settings.CLICK_RECONCILE_AFTER_SECONDS = 0
    settings.CLICK_MERCHANT_API_BACKOFF = 0
    with FakeClickMerchantServer(fake) as url:
        settings.CLICK_MERCHANT_API_URL = url
        started = time.perf_counter()
        results = payments_reconcile_due()
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = payments_reconcile_due()
        second = time.perf_counter() - started
    paid = AuctionPayment.objects.filter(status=PaymentStatus.COMPLETED).count()
    print(f"stuck payments: {count} (half paid at Click, half failed)")
    print(
        f"first run: {len(results)} reconciled in {first:.2f} s = {first / max(1, count) * 1000:.1f} ms/payment, "
        f"{len(fake.requests)} Merchant API calls; {paid} completed"
    )
    print(f"second run (nothing left): {len(again)} reconciled in {second * 1000:.1f} ms")


if __name__ == "__main__":
    main()
