"""Live updates in a real browser, over a real ASGI server (daphne) with WebSockets:
a bid placed in one browser context appears in another within two seconds,
without a reload."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from auctions.lifecycle import auction_create
from auctions.models import Auction, Bid
from fees.demo import fee_pay_offline
from fees.services import fee_initiate
from listings.geo import geo_ensure
from listings.models import District
from listings.services import listing_create
from tests.browser import launch_browser
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

START = Decimal("800000000")


class TestLiveAuctionPage(ChannelsLiveServerTestCase):
    host = "127.0.0.1"

    def setUp(self) -> None:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop in this thread
        geo_ensure()  # a previous transactional test's flush removed the regions the data migration loaded
        self.seller = seller = User.objects.create_user(
            phone="+998901000001", password=PASSWORD, first_name="Дилшод", phone_verified_at=timezone.now()
        )
        self.alice = User.objects.create_user(
            phone="+998901000002", password=PASSWORD, first_name="Алия", phone_verified_at=timezone.now()
        )
        self.bob = User.objects.create_user(
            phone="+998901000003", password=PASSWORD, first_name="Бобур", phone_verified_at=timezone.now()
        )
        listing = listing_create(
            seller=seller,
            title="3-комнатная квартира в Чиланзаре",
            district=District.objects.get(name_ru="Чиланзарский район"),
            address="ул. Бунёдкор, 5",
            rooms=3,
            area=Decimal("78.00"),
            floor=4,
            floors_total=9,
            price=START,
        )
        now = timezone.now()
        auction = auction_create(
            seller=seller,
            listing=listing,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
            starting_price=START,
            bid_step=Decimal("1000000"),
        )
        fee_pay_offline(fee_initiate(auction_id=auction.pk, user=seller))
        self.auction = Auction.objects.get(pk=auction.pk)

    def tearDown(self) -> None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def _context(self, browser, user, language: str = "ru"):
        client = Client()
        client.force_login(user)
        context = browser.new_context(locale="ru-RU")
        context.add_cookies(
            [
                {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": self.live_server_url},
                {"name": "django_language", "value": language, "url": self.live_server_url},
            ]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{self.live_server_url}/auctions/{self.auction.pk}/")
        expect(page.locator('[data-live-connected="1"]')).to_have_count(1)
        return page

    def test_a_bid_in_one_browser_appears_in_the_other_within_two_seconds(self) -> None:
        with launch_browser() as browser:
            alice = self._context(browser, self.alice)
            bob = self._context(browser, self.bob)
            expect(bob.get_by_test_id("current-price")).to_have_text("—")
            bob_url = bob.url

            alice.fill("#id_amount", "805000000")
            expect(alice.locator('[data-words-for="id_amount"]')).to_have_text("восемьсот пять миллионов сум")
            alice.click("button:has-text('Сделать ставку')")
            expect(alice.get_by_text("Вы лидируете").first).to_be_visible()

            expect(bob.get_by_test_id("current-price")).to_have_text("805\u00a0000\u00a0000\u00a0сум", timeout=2000)
            expect(bob.get_by_test_id("min-bid")).to_have_text("806\u00a0000\u00a0000\u00a0сум", timeout=2000)
            expect(bob.get_by_test_id("bid-history")).to_contain_text("805\u00a0000\u00a0000", timeout=2000)
            assert bob.url == bob_url  # no reload, no navigation
            assert bob.evaluate("performance.getEntriesByType('navigation').length") == 1
            assert self.alice.phone not in bob.content()

            # A reader of the Uzbek page gets the same push, labelled in Uzbek.
            uzbek = self._context(browser, self.seller, language="uz")
            expect(uzbek.get_by_test_id("auction-status")).to_have_text("Faol")

            # And back: Bob outbids, Alice sees it live.
            bob.fill("#id_amount", "806000000")
            bob.click("button:has-text('Сделать ставку')")
            expect(alice.get_by_test_id("current-price")).to_have_text("806\u00a0000\u00a0000\u00a0сум", timeout=2000)
            expect(uzbek.get_by_test_id("current-price")).to_have_text("806\u00a0000\u00a0000\u00a0so‘m", timeout=2000)
            expect(uzbek.get_by_test_id("auction-status")).to_have_text("Faol")
            expect(alice.locator('[data-live="leader-note"]')).to_be_hidden(timeout=2000)  # "you lead" is gone
            expect(bob.locator('[data-live="leader-note"]')).to_be_visible()
        assert list(Bid.objects.filter(auction=self.auction).order_by("id").values_list("amount", flat=True)) == [
            Decimal("805000000"),
            Decimal("806000000"),
        ]

    def test_the_page_shows_the_end_when_the_server_clock_says_so(self) -> None:
        now = timezone.now()
        listing = listing_create(
            seller=self.seller,
            title="1-комнатная квартира",
            district=District.objects.get(name_ru="Мирабадский район"),
            address="ул. Нукус, 3",
            rooms=1,
            area=Decimal("40.00"),
            floor=2,
            floors_total=5,
            price=START,
        )
        short = auction_create(
            seller=self.seller,
            listing=listing,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(seconds=6),
            starting_price=START,
            bid_step=Decimal("1000000"),
        )
        fee_pay_offline(fee_initiate(auction_id=short.pk, user=self.seller))
        self.auction = Auction.objects.get(pk=short.pk)
        with launch_browser() as browser:
            page = self._context(browser, self.alice)
            expect(page.get_by_test_id("auction-status")).to_have_text("Активен")
            # The countdown runs out, the page asks the server, the server's clock says "ended".
            expect(page.get_by_test_id("auction-status")).to_have_text("Завершён", timeout=15_000)
            expect(page.get_by_test_id("outcome")).to_have_text("Без ставок")
