"""Small rules about the fee shared by the services, the selectors and the jobs."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from auctions.models import Auction
from fees.models import AttemptStatus, AuctionPayment, PaymentEvent, PaymentStatus


def payment_expires_at(payment: AuctionPayment) -> datetime:
    return payment.created_at + timedelta(seconds=settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS)


def payment_is_expired(payment: AuctionPayment, *, now: datetime | None = None) -> bool:
    """An initiated fee nobody is paying expires; one with an attempt in flight does not
    (reconciliation settles that attempt first)."""
    now = now or timezone.now()
    if payment.status != PaymentStatus.PENDING or now < payment_expires_at(payment):
        return False
    return not payment.attempts.filter(status=AttemptStatus.PREPARED).exists()


def payment_mark_expired(payment: AuctionPayment, *, now: datetime) -> None:
    """Expire a locked pending payment: a late Prepare is refused, and a new one can be initiated."""
    payment.status = PaymentStatus.CANCELLED
    payment.save(update_fields=["status", "updated_at"])
    PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEvent.Kind.EXPIRED,
        data={"initiated_at": payment.created_at.isoformat(), "expired_at": now.isoformat()},
    )


def fee_refunded_on_cancel(auction: Auction, *, now: datetime) -> bool:
    """A paid fee goes back when its auction is cancelled before it started; once bidding
    could begin, the fee is kept. (The cancel button tells the seller which, before they press it.)"""
    return auction.is_paid and now < auction.starts_at
