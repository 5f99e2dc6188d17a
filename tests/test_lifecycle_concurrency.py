"""Lifecycle writes racing each other, on PostgreSQL row locks."""

import threading
import time

import pytest
from django.db import connection

from auctions import lifecycle
from auctions.models import AuctionStatus
from clickuz.errors import ClickError
from clickuz.protocol import Action, ClickRequest
from fees import services as fee_services
from fees.models import PaymentStatus
from fees_click.adapter import click_complete, click_prepare

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def click_request(payment, action: Action, merchant_prepare_id: int | None = None) -> ClickRequest:
    return ClickRequest(
        action=action,
        click_trans_id=4242424242,
        service_id=12345,
        click_paydoc_id=None,
        merchant_trans_id=payment.merchant_trans_id,
        merchant_prepare_id=merchant_prepare_id,
        amount=payment.amount,
        amount_raw=str(payment.amount),
        error=0,
        error_note="Success",
        sign_time="2026-01-01 12:00:00",
    )


def test_cancel_racing_click_complete_does_not_deadlock(auction, payment, monkeypatch):
    """Complete locks payment then auction; cancel must take the same order (the fee's hook locks
    the payments before the auction). The Complete is held with its locks while the seller cancels:
    with the opposite order PostgreSQL would abort one of them as a deadlock."""
    prepared = click_prepare(click_request(payment, Action.PREPARE))
    assert prepared.error == ClickError.SUCCESS

    payment_locked = threading.Event()
    real_fee_paid = fee_services.auction_fee_paid

    def slow_fee_paid(**kwargs: object) -> bool:
        # The Complete holds its locks (payment and auction, one statement) while the seller cancels.
        if threading.current_thread().name == "click-complete":
            payment_locked.set()
            time.sleep(0.5)
        return real_fee_paid(**kwargs)

    monkeypatch.setattr(fee_services, "auction_fee_paid", slow_fee_paid)
    outcome: dict[str, object] = {}

    def complete() -> None:
        try:
            outcome["complete"] = click_complete(click_request(payment, Action.COMPLETE, prepared.merchant_id))
        except Exception as exc:  # reported below
            outcome["complete"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=complete, name="click-complete")
    thread.start()
    assert payment_locked.wait(5)
    try:
        lifecycle.auction_cancel(auction_id=auction.pk, user=auction.seller)
    except Exception as exc:  # reported below
        outcome["cancel"] = exc
    thread.join(10)

    assert "cancel" not in outcome, f"cancel failed: {outcome['cancel']!r}"
    assert getattr(outcome["complete"], "error", outcome["complete"]) == ClickError.SUCCESS
    auction.refresh_from_db()
    payment.refresh_from_db()
    # Click was paid first, then the seller cancelled the paid auction.
    assert payment.status == PaymentStatus.COMPLETED
    assert auction.is_paid and auction.status == AuctionStatus.CANCELLED
