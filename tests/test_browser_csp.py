"""In a real browser, under the production Content-Security-Policy (script-src 'self'):
no page breaks the policy, and the behaviours moved out of inline handlers into
static/js/site.js work: the buy-now confirmation (dismissed: nothing happens;
accepted: bought) and the sorting select that submits itself."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from auctions.lifecycle import auction_create
from auctions.models import Auction, AuctionStatus
from fees.demo import fee_pay_offline
from fees.services import fee_initiate
from tests.browser import launch_browser
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _rate_limits_fresh():
    cache.clear()  # rate-limit counters


def test_pages_keep_the_policy_and_confirmations_still_work(live_server, seller, buyer, listing):
    now = timezone.now()
    auction = auction_create(
        seller=seller,
        listing=listing,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=3),
        starting_price=Decimal("800000000"),
        bid_step=Decimal("1000000"),
        buy_now_price=Decimal("900000000"),
    )
    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=seller))
    violations: list[str] = []
    with launch_browser() as browser:
        context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        for url in ("/", "/listings/", listing.get_absolute_url(), "/login/"):
            response = page.goto(f"{live_server.url}{url}")
            assert "script-src 'self'" in response.headers["content-security-policy"]
        # Sorting submits itself (site.js, no inline script).
        page.goto(f"{live_server.url}/listings/")
        page.select_option("select[name=sort]", "price")
        page.wait_for_url(re.compile(r"sort=price"))
        # Sign in with the password (the lockout backend is in the chain) and open the auction.
        page.goto(f"{live_server.url}/login/?next={auction.get_absolute_url()}")
        page.fill("input[name=username]", buyer.phone)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(rf"/auctions/{auction.pk}/"))
        buy = page.locator("form[data-live=buy-now] button")
        # "Cancel" in the confirmation: nothing is bought.
        questions: list[str] = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        buy.click()
        page.wait_for_timeout(500)
        assert questions == ["Купить квартиру сейчас по этой цене?"]
        assert Auction.objects.get(pk=auction.pk).winner_id is None
        # "OK": bought.
        page.once("dialog", lambda dialog: dialog.accept())
        buy.click()
        expect(page.get_by_test_id("won")).to_contain_text("Поздравляем, вы выиграли аукцион!")  # in the panel
    auction.refresh_from_db()
    assert auction.winner_id == buyer.pk and auction.status == AuctionStatus.ENDED
    assert violations == []
