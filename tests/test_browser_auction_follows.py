"""The auction page keeps up with the auction (issue 14, item 2), in real browsers over a real ASGI
server with WebSockets, never reloading a bidder's page:

- a bid's answer (accepted, too low, outbid by a proxy) appears beside the form, in view, on a phone too;
- after a live update the prefilled amount follows the new minimum, "you lead" goes away for the outbid
  bidder, who is told they were outbid;
- a scheduled page turns into a bid form at the start, and into the result at the end, for an anonymous
  viewer too; the winner reads "you won" and the next steps.
"""

import os
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.db import connections
from django.test import Client, override_settings
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from auctions.bidding import bid_place
from auctions.lifecycle import auction_create
from auctions.models import Auction, Bid
from core.formatting import format_phone
from fees.demo import fee_pay_offline
from fees.services import fee_initiate
from listings.geo import geo_ensure
from listings.models import District
from listings.services import listing_create
from tests.browser import launch_browser
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

START = Decimal("800000000")
STEP = Decimal("1000000")
NB = "\u00a0"


def soum(amount: int) -> str:
    return f"{amount:,}".replace(",", NB) + f"{NB}сум"


def navigations(page) -> int:
    return page.evaluate("performance.getEntriesByType('navigation').length")


@override_settings(AUCTION_SOFT_CLOSE_MINUTES=0)
class TestTheAuctionPageFollows(ChannelsLiveServerTestCase):
    host = "127.0.0.1"

    def setUp(self) -> None:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop in this thread
        geo_ensure()
        self.seller = User.objects.create_user(
            phone="+998901400001", password=PASSWORD, first_name="Дилшод", phone_verified_at=timezone.now()
        )
        self.alice = User.objects.create_user(
            phone="+998901400002", password=PASSWORD, first_name="Алия", phone_verified_at=timezone.now()
        )
        self.bob = User.objects.create_user(
            phone="+998901400003", password=PASSWORD, first_name="Бобур", phone_verified_at=timezone.now()
        )
        self.listing = listing_create(
            seller=self.seller,
            title="3-комнатная квартира в Чиланзаре",
            district=District.objects.get(name_ru="Чиланзарский район"),
            address="ул. Бунёдкор, 5",
            rooms=3,
            area=Decimal("78.00"),
            floor=4,
            floors_total=9,
            price=START,
        )

    def tearDown(self) -> None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def _auction(self, *, starts_in: timedelta, lasts: timedelta) -> Auction:
        now = timezone.now()
        auction = auction_create(
            seller=self.seller,
            listing=self.listing,
            starts_at=now + starts_in,
            ends_at=now + starts_in + lasts,
            starting_price=START,
            bid_step=STEP,
        )
        fee_pay_offline(fee_initiate(auction_id=auction.pk, user=self.seller))
        return Auction.objects.get(pk=auction.pk)

    def _page(self, browser, auction: Auction, user: User | None, *, width: int = 1280):
        context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": 800 if width > 500 else 760})
        cookies = [{"name": "django_language", "value": "ru", "url": self.live_server_url}]
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies["sessionid"].value
            cookies.append({"name": "sessionid", "value": session, "url": self.live_server_url})
        context.add_cookies(cookies)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{self.live_server_url}/auctions/{auction.pk}/")
        expect(page.locator('[data-live-connected="1"]')).to_have_count(1)
        return page

    @staticmethod
    def _elsewhere(work) -> None:
        """Run a service as another process would: off this thread, where Playwright's event loop runs
        (the service's broadcast after commit needs a thread without one)."""

        def run() -> None:
            try:
                work()
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()

    @staticmethod
    def _in_view(page, selector: str) -> bool:
        """The element is (or, after the page's smooth scroll, comes) wholly in view, below the sticky header."""
        page.wait_for_function(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                          const top = document.querySelector(".topbar").getBoundingClientRect().bottom;
                          return r.height > 0 && r.top >= top && r.bottom <= window.innerHeight; }""",
            arg=selector,
            timeout=3000,
        )
        return True

    def test_bids_answers_and_outbids_follow_without_a_reload(self) -> None:
        auction = self._auction(starts_in=-timedelta(minutes=1), lasts=timedelta(days=1))
        with launch_browser() as browser:
            alice = self._page(browser, auction, self.alice)
            bob = self._page(browser, auction, self.bob, width=390)  # on a phone
            expect(bob.locator("#id_amount")).to_have_value(str(int(START)))

            # Alice bids the prefilled minimum: the answer is beside the form, she leads.
            alice.click("[data-testid=bid-form] button[type=submit]")
            expect(alice.locator("#bid-result")).to_contain_text("принята. Вы лидируете")
            expect(alice.locator('[data-live="leader-note"]')).to_be_visible()
            assert self._in_view(alice, "#bid-result")

            # Bob's page follows: the price, and the prefilled amount is the new minimum (not below it).
            expect(bob.get_by_test_id("current-price")).to_have_text(soum(800_000_000), timeout=2000)
            expect(bob.locator("#id_amount")).to_have_value("801000000", timeout=2000)
            expect(bob.get_by_test_id("outbid")).to_be_hidden()  # he had not bid

            # Bob presses the button as it is: accepted (it would have been refused at the old amount).
            bob.click("[data-testid=bid-form] button[type=submit]")
            expect(bob.locator("#bid-result")).to_contain_text("Ставка 801\u00a0000\u00a0000 сум принята. Вы лидируете")
            assert self._in_view(bob, "#bid-result")  # where he is looking, on the phone

            # Alice was outbid: "you lead" and her own answer are gone, she is told, her amount follows.
            expect(alice.locator('[data-live="leader-note"]')).to_be_hidden(timeout=2000)
            expect(alice.locator("#bid-result")).not_to_contain_text("Вы лидируете")
            expect(alice.get_by_test_id("outbid")).to_be_visible()
            expect(alice.get_by_test_id("outbid")).to_contain_text("Вашу ставку перебили")
            expect(alice.locator("#id_amount")).to_have_value("802000000")

            # A bid below the minimum is refused in view, with the reason.
            alice.fill("#id_amount", "801500000")
            alice.click("[data-testid=bid-form] button[type=submit]")
            expect(alice.locator("#bid-result .msg-error")).to_contain_text("не меньше 802\u00a0000\u00a0000 сум")
            assert self._in_view(alice, "#bid-result")

            # Alice sets a high maximum: the proxy answers Bob's next bid, and Bob reads it in view.
            alice.fill("#id_amount", "802000000")
            alice.click("summary:has-text('Автоставка')")
            alice.fill("#id_max_amount", "830000000")
            alice.click("[data-testid=bid-form] button[type=submit]")
            expect(alice.locator("#bid-result")).to_contain_text("Вы лидируете")
            expect(bob.locator("#id_amount")).to_have_value("803000000", timeout=2000)
            bob.click("[data-testid=bid-form] button[type=submit]")
            expect(bob.locator("#bid-result .msg-warning")).to_contain_text("автоставка другого участника выше")
            expect(bob.get_by_test_id("outbid")).to_be_visible()
            assert self._in_view(bob, "#bid-result")
            # Alice still leads: her page keeps saying so.
            expect(alice.get_by_test_id("current-price")).to_have_text(soum(804_000_000), timeout=2000)
            expect(alice.locator('[data-live="leader-note"]')).to_be_visible()
            expect(alice.get_by_test_id("outbid")).to_be_hidden()

            assert navigations(alice) == 1 and navigations(bob) == 1  # nobody's page reloaded
        amounts = list(Bid.objects.filter(auction=auction).order_by("id").values_list("amount", "kind"))
        assert amounts == [
            (Decimal("800000000"), "manual"),
            (Decimal("801000000"), "manual"),
            (Decimal("802000000"), "manual"),
            (Decimal("803000000"), "manual"),
            (Decimal("804000000"), "auto"),
        ]

    def test_a_scheduled_page_opens_for_bids_then_shows_the_result(self) -> None:
        auction = self._auction(starts_in=timedelta(seconds=5), lasts=timedelta(seconds=15))
        with launch_browser() as browser:
            anonymous = self._page(browser, auction, None, width=390)
            alice = self._page(browser, auction, self.alice)
            for page in (anonymous, alice):
                expect(page.get_by_test_id("auction-status")).to_have_text("Запланирован")
                expect(page.get_by_test_id("countdown-start")).to_be_visible()
            expect(alice.get_by_test_id("bid-form")).to_be_hidden()

            # The start: the bid form appears by itself, the countdown is now to the end.
            expect(alice.get_by_test_id("auction-status")).to_have_text("Активен", timeout=12_000)
            expect(alice.get_by_test_id("bid-form")).to_be_visible()
            expect(alice.get_by_test_id("countdown")).to_be_visible()
            expect(alice.get_by_test_id("countdown-start")).to_be_hidden()
            expect(anonymous.get_by_test_id("auction-status")).to_have_text("Активен", timeout=12_000)
            expect(anonymous.get_by_role("link", name="Войдите, чтобы сделать ставку")).to_be_visible()
            alice.click("[data-testid=bid-form] button[type=submit]")
            expect(alice.locator("#bid-result")).to_contain_text("Вы лидируете")
            self._elsewhere(lambda: bid_place(auction_id=auction.pk, bidder=self.bob, amount=START + STEP))  # Bob
            expect(alice.get_by_test_id("outbid")).to_be_visible(timeout=2000)
            alice.click("[data-testid=bid-form] button[type=submit]")  # the prefilled new minimum
            expect(alice.locator("#bid-result")).to_contain_text("Вы лидируете")
            assert navigations(anonymous) == 1 and navigations(alice) == 1

            # The end: the anonymous viewer's page turns into the result, without a reload.
            expect(anonymous.get_by_test_id("auction-status")).to_have_text("Завершён", timeout=25_000)
            expect(anonymous.get_by_test_id("outcome")).to_have_text(f"Продано за {soum(802_000_000)}")
            expect(anonymous.get_by_role("link", name="Войдите, чтобы сделать ставку")).to_be_hidden()
            expect(anonymous.get_by_test_id("won")).to_be_hidden()
            assert navigations(anonymous) == 1

            # The winner reads that they won, what to do next, and whom to call.
            expect(alice.get_by_test_id("won")).to_be_visible(timeout=15_000)
            expect(alice.get_by_test_id("won")).to_contain_text("Поздравляем, вы выиграли аукцион!")
            expect(alice.get_by_test_id("won")).to_contain_text("нотариуса")
            expect(alice.get_by_test_id("won-phone")).to_have_text(format_phone(self.seller.phone))
            expect(alice.get_by_test_id("bid-form")).to_have_count(0)
