"""Small rules about the fee payment shared by the callback services and the
Click jobs (imports only models, so both can use it without a cycle)."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from auctions.models import AuctionPayment, ClickTransactionStatus, PaymentEvent, PaymentStatus

logger = logging.getLogger(__name__)


def payment_expires_at(payment: AuctionPayment) -> datetime:
    return payment.created_at + timedelta(seconds=settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS)


def payment_is_expired(payment: AuctionPayment, *, now: datetime | None = None) -> bool:
    """An initiated fee nobody is paying expires; one with a Click attempt in flight does not
    (reconciliation settles that attempt first)."""
    now = now or timezone.now()
    if payment.status != PaymentStatus.PENDING or now < payment_expires_at(payment):
        return False
    return not payment.click_transactions.filter(status=ClickTransactionStatus.PREPARED).exists()


def payment_mark_expired(payment: AuctionPayment, *, now: datetime) -> None:
    """Expire a locked pending payment: Click's Prepare now gets -9, and a new one can be initiated."""
    payment.status = PaymentStatus.CANCELLED
    payment.save(update_fields=["status", "updated_at"])
    PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEvent.Kind.EXPIRED,
        data={"initiated_at": payment.created_at.isoformat(), "expired_at": now.isoformat()},
    )


def payment_refund_on_commit(*, payment_ids: Iterable[int]) -> None:
    """After the surrounding transaction commits, send each flagged fee to the refund task.

    The periodic job picks up anything this misses (a crash, a broker outage),
    so a flagged payment is never lost.
    """
    ids = list(payment_ids)
    if not ids:
        return

    def enqueue() -> None:
        # Imported here: the task module imports the services that call this.
        from auctions.tasks_payments import payment_refund_task

        for payment_id in ids:
            try:
                payment_refund_task.delay(payment_id)
            except Exception:  # the periodic job retries
                logger.exception("could not enqueue the refund of payment %s", payment_id)

    transaction.on_commit(enqueue)
