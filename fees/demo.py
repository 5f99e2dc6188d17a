"""Paying a fee without a gateway, for demo data and tests only.

Runs the fee through the very services a gateway's callbacks call (prepare,
then complete), as a Click payment with an id no real Click payment has.
Never wired to a URL: in production only a gateway's signed report pays.
"""

import secrets
from datetime import datetime
from decimal import Decimal

from accounts.models import User
from auctions.lifecycle import MAX_START_AHEAD, MAX_START_IN_PAST, auction_create
from fees.models import AuctionPayment, Gateway
from fees.services import FeeCode, fee_complete, fee_initiate, fee_prepare
from listings.models import District
from listings.services import listing_create
from notifications.services import preference_update

# The starts (minutes from now) auction_create accepts for a test order: negative, already running.
TEST_ORDER_START_MINUTES = (
    -int(MAX_START_IN_PAST.total_seconds() // 60) + 1,
    int(MAX_START_AHEAD.total_seconds() // 60) - 1,
)

# The operator's test seller (click_test_order, payme_test_order): one account for both gateways.
TEST_SELLER_PHONE = "+998000000099"
TEST_SELLER_NAME = "Click test seller"


def test_seller_ensure(*, now: datetime) -> User:
    """The operator's own test seller, made on the server: no SMS round trip to confirm its number,
    and no e-mail, Telegram or SMS for it, whatever happens to its orders. Call in a transaction."""
    seller, created = User.objects.get_or_create(
        phone=TEST_SELLER_PHONE, defaults={"first_name": TEST_SELLER_NAME, "phone_verified_at": now}
    )
    if created:
        seller.set_unusable_password()
        seller.save(update_fields=["password"])
    elif seller.phone_verified_at is None:
        seller.phone_verified_at = now
        seller.save(update_fields=["phone_verified_at"])
    preference_update(user=seller, email=False, telegram=False, sms=False)
    return seller


def fee_pay_offline(payment: AuctionPayment) -> None:
    # 13 digits: never one of Click's or the sandbox's (10-digit) ids.
    trans_id = str(10**12 + secrets.randbelow(9 * 10**12))
    prepared = fee_prepare(
        order=payment.merchant_trans_id, gateway=Gateway.CLICK, gateway_trans_id=trans_id, amount=payment.amount
    )
    if prepared.code != FeeCode.OK or prepared.attempt_id is None:
        raise RuntimeError(f"prepare refused the fee: {prepared}")
    completed = fee_complete(
        order=payment.merchant_trans_id,
        gateway=Gateway.CLICK,
        attempt_id=prepared.attempt_id,
        gateway_trans_id=trans_id,
        amount=payment.amount,
        succeeded=True,
        error=0,
        note="Success",
    )
    if completed.code != FeeCode.OK:
        raise RuntimeError(f"complete refused the fee: {completed}")


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
    return fee_initiate(auction_id=auction.pk, user=seller)
