"""Invoice by phone in a real browser: the seller sends the fee to their Click app and
pays there. Click's Prepare reaches us, its Complete is lost; the fake Click Merchant API
records the payment, the Click jobs follow the invoice, reconcile the attempt, and the
page shows the auction open."""

import httpx
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from clickuz.protocol import Action
from clickuz.simulator import callback_fields_signed
from fees_click.models import ClickInvoice
from tests.browser import launch_browser
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_seller_pays_the_fee_through_an_invoice_in_the_click_app(live_server, click_merchant, auction):
    seller = auction.seller
    with launch_browser() as browser:
        page = browser.new_context(locale="ru-RU").new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", seller.phone)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}{auction.get_absolute_url()}")
        expect(page.get_by_test_id("auction-status")).to_have_text("Ожидает оплаты")

        page.click("#click-invoice summary")
        page.fill("#id_invoice_phone", "+998 93 777 66 55")
        page.click("#click-invoice button[type=submit]")
        expect(page.get_by_test_id("invoice-status")).to_contain_text("+998937776655")

        # The payer confirms in the Click app: Click marks the invoice and the payment paid.
        invoice = ClickInvoice.objects.get()
        payment = invoice.payment
        fields = callback_fields_signed(
            action=Action.PREPARE,
            click_trans_id="6200000001",
            service_id=settings.CLICK_SERVICE_ID,
            secret_key=settings.CLICK_SECRET_KEY,
            merchant_trans_id=payment.merchant_trans_id,
            amount="50000.00",
            paydoc_id="6300000001",
        )
        prepared = httpx.post(f"{live_server.url}/api/auctions/click/prepare/", data=fields).json()
        assert prepared["error"] == 0  # Click's Prepare arrived; its Complete never will
        click_merchant.invoices[invoice.invoice_id].invoice_status = 2
        click_merchant.add_payment(
            6_200_000_001, payment.merchant_trans_id, timezone.localdate(payment.created_at).isoformat()
        )
        call_command("auction_jobs")  # the embedded loop's run: it follows the invoice

        page.reload()
        expect(page.get_by_test_id("payment-status")).to_have_text("Оплачен")
        expect(page.get_by_test_id("auction-status")).to_have_text("Запланирован")
    sent = click_merchant.calls("POST")[0].body
    assert sent["phone_number"] == "998937776655" and sent["amount"] == 50000.0
