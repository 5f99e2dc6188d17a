"""Checklist step 6 in a real browser, through the built-in Click sandbox.

A seller signs up, creates a listing with a photo and an auction (the form states the 50 000 сум fee
and what happens next), presses "Инициировать оплату" (design §1), reads the merchant_trans_id and
goes on to Click's pay page (the sandbox, which calls our Prepare and Complete over HTTP with real
signatures). Back on the auction page before
Click confirms, they read "waiting for confirmation"; after, "payment received" and a receipt link,
the auction "Активен". The cancel button says what happens to the fee before
they confirm. Then a buyer bids."""

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

        # Create an auction starting now: the form states the fee and what comes next, before submit.
        seller_page.click("text=Выставить на аукцион")
        expect(seller_page.get_by_test_id("fee-summary")).to_contain_text("Сбор за аукцион50\u00a0000\u00a0сум")
        expect(seller_page.get_by_test_id("fee-summary")).to_contain_text("«Инициировать оплату»")
        seller_page.fill("input[name=starts_at]", _local_minute())
        seller_page.fill("input[name=ends_at]", _local_minute(timedelta(days=3)))
        seller_page.fill("input[name=starting_price]", "700000000")
        seller_page.fill("input[name=bid_step]", "1000000")
        seller_page.click("button:has-text('Создать аукцион')")

        # The design's flow and the operator's checklist (steps 5 and 6): "Инициировать оплату",
        # then the page shows the merchant_trans_id and the pay button.
        seller_page.get_by_test_id("pay-button").click()
        merchant_trans_id = seller_page.get_by_test_id("payment-number").inner_text().strip()
        assert re.fullmatch(r"AUCTION_[A-Z0-9]{20}", merchant_trans_id)
        expect(seller_page.locator("#payment")).to_contain_text("merchant_trans_id")
        payment = AuctionPayment.objects.get(merchant_trans_id=merchant_trans_id)
        auction_url = f"{live_server.url}{payment.auction.get_absolute_url()}"
        seller_page.get_by_test_id("pay-click").click()
        expect(seller_page.get_by_test_id("sandbox-amount")).to_have_text("50\u00a0000\u00a0сум")
        assert seller_page.get_by_test_id("sandbox-order").inner_text().strip() == merchant_trans_id

        # Back before Click confirmed: "waiting for confirmation", in words a seller knows.
        seller_page.goto(f"{auction_url}?from=click")
        expect(seller_page.get_by_test_id("awaiting-click")).to_contain_text("Ждём подтверждения оплаты от Click")
        expect(seller_page.get_by_test_id("payment-status")).to_have_text("Ожидает оплаты")
        expect(seller_page.get_by_test_id("payment-received")).to_have_count(0)
        pay_link = seller_page.get_by_test_id("pay-click")
        assert "transaction_param=" + merchant_trans_id in pay_link.get_attribute("href")

        # Pay on the sandbox page, which calls Prepare and Complete like Click.
        pay_link.click()
        expect(seller_page.get_by_test_id("sandbox-order")).to_have_text(merchant_trans_id)
        seller_page.click("button:has-text('Оплатить')")

        # Back on the auction page: Click confirmed, the auction is open; "payment received" and a receipt.
        expect(seller_page.get_by_test_id("auction-status")).to_have_text("Активен")
        expect(seller_page.get_by_test_id("payment-status")).to_have_text("Оплачен")
        expect(seller_page.get_by_test_id("payment-received")).to_contain_text("Оплата получена")
        expect(seller_page.get_by_test_id("awaiting-click")).to_have_count(0)
        seller_page.wait_for_url(re.compile(r"/auctions/\d+/$"))  # said once: a reload does not repeat it
        expect(seller_page.locator("#payment")).to_contain_text(merchant_trans_id)  # checklist step 7 looks it up
        payment.refresh_from_db()
        assert payment.status == "completed"
        assert payment.auction.is_paid is True
        assert payment.auction.status == "active"
        stages = list(
            ClickCallback.objects.filter(merchant_trans_id=merchant_trans_id)
            .order_by("id")
            .values_list("stage", "error")
        )
        assert stages == [("prepare", 0), ("complete", 0)]

        # Cancelling says what happens to the fee, on the page and in the question, before it is done.
        expect(seller_page.get_by_test_id("cancel-fee-note")).to_have_text(
            "Аукцион уже начался: сбор 50\u00a0000\u00a0сум не возвращается."
        )
        questions: list[str] = []
        seller_page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        seller_page.click("button:has-text('Отменить аукцион')")
        expect(seller_page.get_by_test_id("auction-status")).to_have_text("Активен")
        assert questions == ["Отменить аукцион? Аукцион уже начался: сбор 50\u00a0000\u00a0сум не возвращается."]

        # The receipt is one click away.
        seller_page.get_by_test_id("receipt-link").click()
        expect(seller_page.get_by_test_id("receipt")).to_contain_text("50\u00a0000\u00a0сум")
        expect(seller_page.get_by_test_id("receipt")).to_contain_text(merchant_trans_id)

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
        expect(buyer_page.locator("#bid-result .msg-success")).to_contain_text("принята")
        expect(buyer_page.get_by_test_id("current-price")).to_have_text("700\u00a0000\u00a0000\u00a0сум")
        expect(buyer_page.get_by_test_id("bid-history")).to_contain_text("700\u00a0000\u00a0000")

    auction = Auction.objects.get(pk=payment.auction_id)
    assert auction.current_price == 700_000_000
    assert auction.leader_id == buyer.pk
    assert Bid.objects.filter(auction=auction, bidder=buyer).count() == 1
