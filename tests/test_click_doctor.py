"""`manage.py click_doctor`: every finding, its level, both languages and the exit status (PostgreSQL)."""

from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client

from accounts.models import User
from auctions.models import Auction, AuctionStatus
from clickuz.models import ClickCallback
from fees.demo import fee_pay_offline
from fees.models import AuctionPayment, PaymentAttempt, RefundStatus
from fees.services import fee_initiate
from fees_click.doctor import doctor_run

FORM = "application/x-www-form-urlencoded"
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


class MaintenanceMiddleware:
    """A site-wide HTML page in front of everything, as a misconfigured proxy or maintenance mode would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return HttpResponse("<h1>Maintenance</h1>", status=503)


@pytest.fixture
def production_like(settings, click_merchant):
    """A healthy production-like setup: no sandbox, HTTPS site, Merchant API on, one callback seen."""
    settings.DEBUG = False
    settings.LISTINGS_AUTO_APPROVE = False  # production: listings wait for a moderator
    settings.CLICK_SANDBOX = False
    settings.SITE_URL = "https://testserver"
    ClickCallback.objects.create(stage="prepare", method="POST", error=0)
    return settings


def codes(findings) -> dict[str, str]:
    return {f.code: f.level for f in findings}


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("click_doctor", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_a_healthy_setup_passes_strictly_and_leaves_nothing_behind(production_like):
    users, callbacks = User.objects.count(), ClickCallback.objects.count()
    found = codes(doctor_run())
    assert found == {"routes.ok": "ok", "selftest.ok": "ok"}
    status, out = run("--strict")
    assert status == 0 and "ошибок 0, предупреждений 0" in out
    # The probes and the self-test were rolled back.
    assert User.objects.count() == users and ClickCallback.objects.count() == callbacks
    assert not Auction.objects.exists() and not AuctionPayment.objects.exists()


def test_placeholder_credentials_are_an_error_outside_the_sandbox(production_like):
    production_like.CLICK_SECRET_KEY = "your_secret_key"
    production_like.CLICK_MERCHANT_USER_ID = ""
    found = [f for f in doctor_run(self_test=False) if f.code == "config.click"]
    assert {f.level for f in found} == {"error"}
    assert any("CLICK_SECRET_KEY is a placeholder" in f.en for f in found)
    assert any("CLICK_MERCHANT_USER_ID is not set" in f.ru for f in found)
    status, out = run("--lang", "en", "--no-self-test")
    assert status == 1 and "[ERROR] Click setting: CLICK_SECRET_KEY" in out and "Summary: 2 error(s)" in out


def test_the_sandbox_is_a_warning_in_development_and_an_error_in_production(production_like):
    production_like.CLICK_SANDBOX = True
    production_like.DEBUG = True
    assert codes(doctor_run(self_test=False))["config.sandbox"] == "warning"
    production_like.DEBUG = False
    assert codes(doctor_run(self_test=False))["config.sandbox"] == "error"


def test_site_url_must_be_https_and_an_allowed_host(production_like):
    production_like.SITE_URL = "http://kvartirabar.uz"
    assert codes(doctor_run(self_test=False))["config.site_url"] == "error"
    production_like.SITE_URL = "https://kvartirabar.uz"
    production_like.ALLOWED_HOSTS = ["testserver"]
    assert codes(doctor_run(self_test=False))["config.site_url_host"] == "error"
    # Django's rule: ".kvartirabar.uz" also allows the bare domain.
    production_like.ALLOWED_HOSTS = ["testserver", ".kvartirabar.uz"]
    assert "config.site_url_host" not in codes(doctor_run(self_test=False))


def test_merchant_api_off_is_reported(production_like):
    production_like.CLICK_MERCHANT_API_URL = ""
    assert codes(doctor_run(self_test=False))["config.merchant_api"] == "warning"
    production_like.CLICK_MERCHANT_API_URL = "http://api.click.uz/v2/merchant/"
    assert codes(doctor_run(self_test=False))["config.merchant_api"] == "error"


def test_a_callback_path_that_does_not_resolve(production_like):
    production_like.CLICK_COMPLETE_PATH = "/api/auctions/click/confirm/"
    found = codes(doctor_run(self_test=False))
    assert found["routes.resolve"] == "error" and "routes.ok" not in found


def test_a_callback_url_that_does_not_answer_json(production_like):
    production_like.MIDDLEWARE = ["tests.test_click_doctor.MaintenanceMiddleware", *production_like.MIDDLEWARE]
    found = [f for f in doctor_run() if f.code in ("routes.json", "selftest.failed")]
    assert [f.code for f in found] == ["routes.json", "routes.json", "selftest.failed"]
    assert "HTTP 503" in found[0].en


def test_a_failing_self_test_is_an_error(production_like):
    production_like.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS = 0  # every fee expires at once: Prepare answers -9
    [failed] = [f for f in doctor_run() if f.code.startswith("selftest")]
    assert failed.code == "selftest.failed" and failed.level == "error" and "-9" in failed.en


def test_no_callback_ever_is_explained(production_like):
    ClickCallback.objects.all().delete()
    [finding] = [f for f in doctor_run(self_test=False) if f.code.startswith("callbacks")]
    assert finding.code == "callbacks.none" and "https://" in finding.fix_ru


def test_recent_callback_errors_are_explained_with_the_fix(production_like, payment):
    fields = {
        "click_trans_id": "1",
        "service_id": "12345",
        "merchant_trans_id": payment.merchant_trans_id,
        "amount": "50000.00",
        "action": "0",
        "sign_time": "2026-11-29 10:00:00",
        "sign_string": "0" * 32,
    }
    for _ in range(2):
        Client().post(
            "/api/auctions/click/prepare/", urlencode(fields), content_type="application/x-www-form-urlencoded"
        )
    Client().post("/api/auctions/click/prepare/", "{}", content_type="application/json")
    found = {f.code: f for f in doctor_run(self_test=False)}
    assert found["callbacks.-1"].level == "error"
    assert "2×" in found["callbacks.-1"].en and "CLICK_SECRET_KEY" in found["callbacks.-1"].fix_en
    assert "секретный ключ отличается" in found["callbacks.-1"].ru
    assert found["callbacks.-8"].level == "warning"
    status, out = run("--no-self-test")
    assert status == 1 and "[ОШИБКА] -1:" in out and "сравните CLICK_SECRET_KEY" in out


def test_a_completed_payment_whose_auction_is_not_running(production_like, auction):
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=auction.seller))
    Auction.objects.filter(pk=auction.pk).update(is_paid=False, status=AuctionStatus.PENDING_PAYMENT)
    assert codes(doctor_run(self_test=False))["consistency.paid_not_active"] == "error"


def test_a_running_auction_without_a_completed_payment(production_like, auction):
    Auction.objects.filter(pk=auction.pk).update(is_paid=True, status=AuctionStatus.SCHEDULED)
    found = [f for f in doctor_run(self_test=False) if f.code == "consistency.active_not_paid"]
    assert len(found) == 1 and f"#{auction.pk}" in found[0].en


def test_refunds_waiting_and_failed(production_like, paid_auction, settings):
    payment = AuctionPayment.objects.get(auction=paid_auction)
    AuctionPayment.objects.filter(pk=payment.pk).update(needs_refund=True)
    assert codes(doctor_run(self_test=False))["refunds.pending"] == "warning"
    AuctionPayment.objects.filter(pk=payment.pk).update(
        refund_status=RefundStatus.FAILED, refund_attempts=settings.CLICK_REFUND_MAX_ATTEMPTS, refund_note="-4045"
    )
    [finding] = [f for f in doctor_run(self_test=False) if f.code == "refunds.pending"]
    assert finding.level == "error" and "-4045" in finding.ru


def test_stale_prepared_attempts_are_reported(production_like, payment):
    production_like.CLICK_RECONCILE_AFTER_SECONDS = 0
    PaymentAttempt.objects.create(payment=payment, gateway_trans_id="55", amount=payment.amount)
    assert codes(doctor_run(self_test=False))["reconcile.stale"] == "warning"


def test_open_payments_for_an_old_fee_are_reported(production_like, payment):
    assert "config.fee_changed" not in codes(doctor_run(self_test=False))
    production_like.AUCTION_FEE = payment.amount * 2
    [finding] = [f for f in doctor_run(self_test=False) if f.code == "config.fee_changed"]
    assert finding.level == "warning" and "1 open payment" in finding.en


def test_a_cancelled_paid_auction_keeping_its_fee_is_a_warning_and_a_refunded_one_is_fine(
    production_like, paid_auction
):
    Auction.objects.filter(pk=paid_auction.pk).update(status=AuctionStatus.CANCELLED)
    assert codes(doctor_run(self_test=False))["consistency.paid_not_active"] == "warning"
    AuctionPayment.objects.filter(auction=paid_auction).update(refund_status=RefundStatus.REFUNDED)
    assert "consistency.paid_not_active" not in codes(doctor_run(self_test=False))


def test_a_fee_paid_too_late_is_accounted_for_once_flagged(production_like, auction):
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=auction.seller))
    Auction.objects.filter(pk=auction.pk).update(is_paid=False, status=AuctionStatus.PENDING_PAYMENT)
    AuctionPayment.objects.filter(auction=auction).update(needs_refund=True)
    found = codes(doctor_run(self_test=False))
    assert "consistency.paid_not_active" not in found and found["refunds.pending"] == "warning"
