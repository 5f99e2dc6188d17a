"""Paying the fee through the Payme sandbox in a real browser.

The seller opens the auction page, starts paying, picks Payme beside Click, pays on the
sandbox pay page (which calls our Payme endpoint over HTTP exactly as Payme does:
CheckPerform, Create twice, Perform twice), returns and sees the fee paid. Screenshots
of the fee block at 1280 px and 390 px, in Russian and Uzbek, go to /tmp/shots-payme/."""

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from auctions.models import Auction
from fees.models import AuctionPayment
from fees_payme.models import PaymeTransaction
from paymeuz.models import PaymeCall
from paymeuz.paylink import payme_pay_params
from tests.browser import launch_browser
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("PAYME_SHOTS") or Path(tempfile.gettempdir()) / "shots-payme")


def _sign_in(page, base: str, phone: str, next_url: str) -> None:
    page.goto(f"{base}/login/?next={next_url}")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:visible >> nth=-1")


def _fee_block_shots(browser, base: str, phone: str, path: str, language: str) -> None:
    """The fee block at 1280 px and 390 px in one language."""
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()
        _sign_in(page, base, phone, path)
        expect(page.get_by_test_id("pay-payme")).to_have_text(
            {"ru": "Оплатить через Payme", "uz": "Payme orqali to‘lash"}[language]
        )
        page.locator("#payment").screenshot(path=str(SHOTS / f"fee-block-{language}-{width}.png"))
        if width == 390:
            page.get_by_test_id("pay-payme").click()
            page.get_by_test_id("sandbox-order").wait_for()
            page.screenshot(path=str(SHOTS / f"sandbox-{language}-390.png"))
        context.close()


def test_seller_pays_the_fee_through_the_payme_sandbox(live_server, seller, listing, make_listing, make_auction):
    auction = make_auction(listing)
    auction_path = f"/auctions/{auction.pk}/"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with launch_browser() as browser:
        page = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(20_000)
        _sign_in(page, live_server.url, seller.phone, auction_path)
        expect(page.get_by_test_id("auction-status")).to_have_text("Ожидает оплаты")
        page.click("button:has-text('Инициировать оплату')")
        order_id = page.get_by_test_id("payment-number").inner_text().strip()

        # Click and Payme side by side; the Payme link is Payme's checkout format.
        expect(page.get_by_test_id("pay-click")).to_be_visible()
        payme_link = page.get_by_test_id("pay-payme")
        expect(payme_link).to_have_text("Оплатить через Payme")
        href = payme_link.get_attribute("href")
        params = payme_pay_params(href.split("/payme-sandbox/", 1)[1])
        assert params["ac.order_id"] == order_id and params["a"] == "5000000"

        page.locator("#payment").screenshot(path=str(SHOTS / "fee-block-ru-1280.png"))
        _fee_block_shots(browser, live_server.url, seller.phone, auction_path, "ru")

        # Pay on the sandbox pay page, which calls our endpoint as Payme does.
        payme_link.click()
        expect(page.get_by_test_id("sandbox-order")).to_have_text(order_id)
        expect(page.get_by_test_id("sandbox-amount")).to_have_text("50\u00a0000\u00a0сум")
        page.screenshot(path=str(SHOTS / "sandbox-ru-1280.png"))
        page.click("button:has-text('Оплатить')")

        # Back on the auction page: Payme performed, the fee is paid.
        expect(page.get_by_test_id("payment-status")).to_have_text("Оплачен")
        expect(page.locator("#payment")).to_contain_text("оплачен через Payme")
        page.locator("#payment").screenshot(path=str(SHOTS / "fee-paid-ru-1280.png"))

        # The same block in Uzbek (the seller's language is saved on sign-in: last).
        other = make_auction(make_listing(seller))
        page.goto(f"{live_server.url}/auctions/{other.pk}/")
        page.click("button:has-text('Инициировать оплату')")
        _fee_block_shots(browser, live_server.url, seller.phone, f"/auctions/{other.pk}/", "uz")

    payment = AuctionPayment.objects.get(merchant_trans_id=order_id)
    assert payment.status == "completed"
    assert Auction.objects.get(pk=auction.pk).is_paid
    assert PaymeTransaction.objects.get().state == 2
    methods = list(PaymeCall.objects.order_by("id").values_list("method", "error"))
    assert methods == [
        ("CheckPerformTransaction", None),
        ("CreateTransaction", None),
        ("CreateTransaction", None),
        ("PerformTransaction", None),
        ("PerformTransaction", None),
    ]
