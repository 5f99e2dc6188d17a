"""Checklist step 6 in a real browser, through the built-in Click sandbox.

A seller signs up, creates a listing with a photo and an auction, presses
"Инициировать оплату", pays on the sandbox pay page (which calls our
Prepare and Complete over HTTP with real signatures), returns and sees the
auction "Активен"; then a buyer bids.
"""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from auctions.models import Auction, Bid
from clickuz.models import ClickCallback
from core.sms import sms_outbox
from fees.models import AuctionPayment
from tests.browser import launch_browser

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _photo(tmp_path) -> str:
    path = tmp_path / "kvartira.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 150, 240)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def _local_minute(delta: timedelta = timedelta()) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in the test thread; the ORM
    # calls this test makes there are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_seller_pays_fee_through_click_sandbox_and_buyer_bids(live_server, make_user, tmp_path):
    buyer = make_user(first_name="Малика")
    with launch_browser() as browser:
        seller_page = browser.new_context(locale="ru-RU").new_page()
        seller_page.set_default_timeout(20_000)

        # Sign up as a seller.
        seller_page.goto(f"{live_server.url}/signup/")
        seller_page.fill("input[name=phone]", "+998 97 555 12 34")
        seller_page.fill("input[name=first_name]", "Дилшод")
        seller_page.fill("input[name=password1]", "Uy-sotaman-2026")
        seller_page.fill("input[name=password2]", "Uy-sotaman-2026")
        seller_page.click("button:has-text('Создать аккаунт')")
        # The account is made once the number is confirmed by the code sent to it.
        expect(seller_page.locator("h1")).to_have_text("Код из SMS")
        code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)  # type: ignore[union-attr]
        seller_page.fill("input[name=code]", code)
        seller_page.click("button:has-text('Подтвердить и создать аккаунт')")
        expect(seller_page.locator("h1")).to_have_text("Кабинет продавца")

        # Create a listing with a photo.
        seller_page.click("text=Подать объявление")
        seller_page.fill("input[name=title]", "2-комнатная квартира в Чиланзаре")
        seller_page.fill("input[name=district]", "Чиланзарский район")
        seller_page.fill("input[name=address]", "квартал 7, дом 3")
        seller_page.fill("input[name=rooms]", "2")
        seller_page.fill("input[name=area]", "58")
        seller_page.fill("input[name=floor]", "3")
        seller_page.fill("input[name=floors_total]", "9")
        seller_page.fill("input[name=price]", "750000000")
        seller_page.set_input_files("input[name=photos]", _photo(tmp_path))
        seller_page.click("button:has-text('Опубликовать')")
        expect(seller_page.locator("h1")).to_have_text("2-комнатная квартира в Чиланзаре")

        # Create an auction starting now.
        seller_page.click("text=Выставить на аукцион")
        seller_page.fill("input[name=starts_at]", _local_minute())
        seller_page.fill("input[name=ends_at]", _local_minute(timedelta(days=3)))
        seller_page.fill("input[name=starting_price]", "700000000")
        seller_page.fill("input[name=bid_step]", "1000000")
        seller_page.click("button:has-text('Создать аукцион')")
        expect(seller_page.get_by_test_id("auction-status")).to_have_text("Ожидает оплаты")

        # Initiate payment: the merchant_trans_id and the Click button appear.
        seller_page.click("button:has-text('Инициировать оплату')")
        merchant_trans_id = seller_page.get_by_test_id("merchant-trans-id").inner_text().strip()
        assert re.fullmatch(r"AUCTION_[A-Z0-9]{20}", merchant_trans_id)
        expect(seller_page.get_by_test_id("payment-status")).to_have_text("Ожидает оплаты")
        pay_link = seller_page.get_by_role("link", name="Оплатить через Click")
        assert "transaction_param=" + merchant_trans_id in pay_link.get_attribute("href")

        # Pay on the sandbox page, which calls Prepare and Complete like Click.
        pay_link.click()
        expect(seller_page.get_by_test_id("sandbox-order")).to_have_text(merchant_trans_id)
        expect(seller_page.get_by_test_id("sandbox-amount")).to_have_text("50\u00a0000\u00a0сум")
        seller_page.click("button:has-text('Оплатить')")

        # Back on the auction page: Click confirmed, the auction is open.
        expect(seller_page.get_by_test_id("auction-status")).to_have_text("Активен")
        expect(seller_page.get_by_test_id("payment-status")).to_have_text("Оплачен")
        payment = AuctionPayment.objects.get(merchant_trans_id=merchant_trans_id)
        assert payment.status == "completed"
        assert payment.auction.is_paid is True
        assert payment.auction.status == "active"
        stages = list(
            ClickCallback.objects.filter(merchant_trans_id=merchant_trans_id)
            .order_by("id")
            .values_list("stage", "error")
        )
        assert stages == [("prepare", 0), ("complete", 0)]
        auction_url = seller_page.url.split("#")[0]

        # A buyer signs in and bids the minimum.
        buyer_page = browser.new_context(locale="ru-RU").new_page()
        buyer_page.set_default_timeout(20_000)
        buyer_page.goto(f"{live_server.url}/login/?next=" + auction_url.replace(live_server.url, ""))
        # Typed the way people write it: "+998 90 123 45 67".
        spaced = f"{buyer.phone[:4]} {buyer.phone[4:6]} {buyer.phone[6:9]} {buyer.phone[9:11]} {buyer.phone[11:]}"
        buyer_page.fill("input[name=username]", spaced)
        buyer_page.fill("input[name=password]", "Kvartira-2026!")
        buyer_page.click("button:has-text('Войти')")
        expect(buyer_page.get_by_test_id("auction-status")).to_have_text("Активен")
        expect(buyer_page.get_by_test_id("min-bid")).to_have_text("700\u00a0000\u00a0000\u00a0сум")
        buyer_page.click("button:has-text('Сделать ставку')")
        expect(buyer_page.locator(".messages .success")).to_contain_text("принята")
        expect(buyer_page.get_by_test_id("current-price")).to_have_text("700\u00a0000\u00a0000\u00a0сум")
        expect(buyer_page.get_by_test_id("bid-history")).to_contain_text("700\u00a0000\u00a0000")

    auction = Auction.objects.get(pk=payment.auction_id)
    assert auction.current_price == 700_000_000
    assert auction.leader_id == buyer.pk
    assert Bid.objects.filter(auction=auction, bidder=buyer).count() == 1
