"""Paying a fee without Click, for demo data and tests only.

Runs the fee through the very services Click's callbacks call (Prepare,
then Complete), with a verified-looking request built in memory. Never
wired to a URL: in production only a signed Complete from Click pays.
"""

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from auctions.models import AuctionPayment
from auctions.services import auction_create, payment_complete, payment_initiate, payment_prepare
from clickuz.errors import ClickError
from clickuz.protocol import Action, ClickRequest
from listings.models import District
from listings.services import listing_create


def fee_pay_offline(payment: AuctionPayment) -> None:
    fields: dict[str, Any] = {
        # 13 digits: never one of Click's or the sandbox's (10-digit) ids.
        "click_trans_id": 10**12 + secrets.randbelow(9 * 10**12),
        "service_id": int(settings.CLICK_SERVICE_ID),
        "click_paydoc_id": None,
        "merchant_trans_id": payment.merchant_trans_id,
        "amount": payment.amount,
        "amount_raw": f"{payment.amount:.2f}",
        "error": 0,
        "error_note": "Success",
        "sign_time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
    }
    prepared = payment_prepare(click=ClickRequest(action=Action.PREPARE, merchant_prepare_id=None, **fields))
    if prepared.error != ClickError.SUCCESS:
        raise RuntimeError(f"Prepare refused the fee: {prepared}")
    completed = payment_complete(
        click=ClickRequest(action=Action.COMPLETE, merchant_prepare_id=prepared.merchant_id, **fields)
    )
    if completed.error != ClickError.SUCCESS:
        raise RuntimeError(f"Complete refused the fee: {completed}")


def test_fee_payment_create(*, seller: User, title: str, starts_at: datetime, ends_at: datetime) -> AuctionPayment:
    """A published test listing, its auction and a pending fee payment: for Click's
    certification tester (click_test_order), click_doctor's self-test and benchmarks."""
    listing = listing_create(
        seller=seller,
        operator_test=True,
        title=title,
        district=District.objects.order_by("pk").first(),
        address="—",
        rooms=1,
        area=Decimal(40),
        floor=1,
        floors_total=5,
        price=Decimal(400_000_000),
    )
    auction = auction_create(
        seller=seller,
        listing=listing,
        starts_at=starts_at,
        ends_at=ends_at,
        starting_price=Decimal(400_000_000),
    )
    return payment_initiate(auction_id=auction.pk, user=seller)
