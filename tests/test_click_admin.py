"""Operators' admin for Click: callback filters, the payment timeline, re-check and refund actions (PostgreSQL)."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from auctions.lifecycle import auction_cancel
from auctions.models import Auction
from clickuz.models import ClickCallback
from fees.models import AuctionPayment, FeeRefund, PaymentStatus, RefundState, RefundStatus
from fees.refunds import refund_process
from tests.test_click_jobs import _day, click_pay, click_prepare

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
CHANGELIST = "/admin/fees/auctionpayment/"


@pytest.fixture
def operator(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def _action(client, action: str, *payments: AuctionPayment):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [p.pk for p in payments], "index": 0},
        follow=True,
    )


def test_callback_log_filters_by_error_code_and_time(operator, payment):
    ok = ClickCallback.objects.create(stage="prepare", method="POST", error=0, merchant_trans_id="AUCTION_OK")
    bad = ClickCallback.objects.create(stage="prepare", method="POST", error=-1, merchant_trans_id="AUCTION_BADSIGN")
    old = ClickCallback.objects.create(stage="complete", method="POST", error=-8, merchant_trans_id="AUCTION_OLD")
    ClickCallback.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(days=2))
    url = "/admin/clickuz/clickcallback/"

    page = operator.get(url, {"error_code": "-1"}).content.decode()
    assert bad.merchant_trans_id in page and ok.merchant_trans_id not in page and "AUCTION_OLD" not in page
    page = operator.get(url, {"error_code": "errors"}).content.decode()
    assert bad.merchant_trans_id in page and "AUCTION_OLD" in page and ok.merchant_trans_id not in page
    page = operator.get(url, {"within": "1h"}).content.decode()
    assert bad.merchant_trans_id in page and ok.merchant_trans_id in page and "AUCTION_OLD" not in page
    assert "-1 SIGN CHECK FAILED!" in page  # the filter names each code with its note
    detail = operator.get(reverse("admin:clickuz_clickcallback_change", args=[bad.pk])).content.decode()
    assert "CLICK_SECRET_KEY" in detail  # what it means and the fix


def test_payment_timeline_shows_every_step(operator, click_merchant, payment):
    attempt = click_pay(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment))
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    # The on_commit task's work, run here inside the test transaction.
    refund_process(refund_id=FeeRefund.objects.get(payment=payment).pk)

    page = operator.get(reverse("admin:fees_auctionpayment_change", args=[payment.pk])).content.decode()
    order = [page.index(f'data-timeline="{step}"') for step in ("initiated", "prepared", "completed", "refunded")]
    assert order == sorted(order)
    assert "reversed Click payment" in page and 'data-timeline="refund done"' in page


def test_recheck_with_click_settles_a_stuck_payment_and_is_idempotent(operator, click_merchant, payment):
    attempt = click_prepare(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=2)

    page = _action(operator, "recheck_with_click", payment).content.decode()
    assert f"{payment.merchant_trans_id}: paid" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED and Auction.objects.get(pk=payment.auction_id).is_paid

    page = _action(operator, "recheck_with_click", payment).content.decode()
    assert f"{payment.merchant_trans_id}: confirmed" in page
    page = operator.get(reverse("admin:fees_auctionpayment_change", args=[payment.pk])).content.decode()
    assert page.count('data-timeline="reconciled"') == 2 and page.count('data-timeline="completed"') == 1


def test_staff_without_the_permission_cannot_recheck_or_refund(client, make_user, click_merchant, payment):
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_auctionpayment"))
    client.force_login(viewer)
    attempt = click_prepare(payment)
    click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment), status=2)
    assert client.get(CHANGELIST).status_code == 200
    _action(client, "recheck_with_click", payment)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and click_merchant.requests == []


def test_retry_refund_action_reverses_a_failed_refund(operator, click_merchant, payment, settings):
    attempt = click_pay(payment)
    fake = click_merchant.add_payment(int(attempt.gateway_trans_id), payment.merchant_trans_id, _day(payment))
    fake.reversal_error = (-4045, "Reversal is not allowed")
    auction = Auction.objects.get(pk=payment.auction_id)
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    refund = FeeRefund.objects.get(payment=payment)
    # A refusal is final until an operator retries: more runs send nothing more.
    for _ in range(settings.CLICK_REFUND_MAX_ATTEMPTS):
        refund_process(refund_id=refund.pk)
    assert len(click_merchant.calls("DELETE")) == 1
    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.FAILED and payment.needs_refund
    page = operator.get(CHANGELIST + "?" + urlencode({"refund_status": "failed"})).content.decode()
    assert payment.merchant_trans_id in page

    fake.reversal_error = None
    page = _action(operator, "retry_refund", payment).content.decode()
    assert f"{payment.merchant_trans_id}: Возвращён" in page
    payment.refresh_from_db()
    assert payment.refund_status == RefundStatus.REFUNDED and not payment.needs_refund
    refund.refresh_from_db()
    assert refund.state == RefundState.DONE and len(click_merchant.calls("DELETE")) == 2


@pytest.mark.parametrize(
    "model", ["fees/paymentevent", "fees_click/clickinvoice", "fees/feerefund", "fees/paymentattempt"]
)
def test_new_changelists_load(operator, model):
    assert operator.get(f"/admin/{model}/", {"q": "AUCTION_"}).status_code == 200
