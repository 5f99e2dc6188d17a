"""In a real browser: searching with filters and a shareable URL, and signing in by SMS code."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import User
from core.formatting import format_phone
from core.sms import sms_outbox
from listings.models import District
from tests.browser import launch_browser

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_search_filters_sorting_and_shareable_url(live_server, seller, make_listing, make_paid_auction):
    chilanzar = District.objects.get(slug="chilanzar")
    make_listing(seller, title="Дешёвая двушка", district=chilanzar, rooms=2, price=Decimal("400000000"), floor=1)
    make_listing(seller, title="Дорогая двушка", district=chilanzar, rooms=2, price=Decimal("900000000"), floor=5)
    make_listing(seller, title="Трёшка", rooms=3, price=Decimal("1200000000"))
    on_auction = make_listing(seller, title="Двушка с торгами", rooms=2, price=Decimal("700000000"), floor=3)
    make_paid_auction(on_auction, starts_in=-timedelta(minutes=5))
    make_listing(seller, title="Самарканд", region="samarkand", rooms=2, price=Decimal("300000000"))

    with launch_browser() as browser:
        page = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}/")
        # The hero search: region and rooms.
        page.select_option("[data-testid=hero-search] select[name=region]", "tashkent_city")
        page.select_option("[data-testid=hero-search] select[name=rooms]", "2")
        page.click("[data-testid=hero-search] button")
        expect(page.get_by_test_id("result-count")).to_have_text("3 объявления")
        # Not the first floor, then cheapest first (the select submits by itself).
        page.check("input[name=not_first]")
        page.click("button:has-text('Показать')")
        expect(page.get_by_test_id("result-count")).to_have_text("2 объявления")
        page.select_option("select[name=sort]", "price")
        page.wait_for_url(re.compile(r"sort=price"))
        titles = page.locator("[data-testid=listing-card] .card-title").all_inner_texts()
        assert titles == ["Двушка с торгами", "Дорогая двушка"]
        # Only with an auction running.
        page.check("input[name=auction]")
        page.click("button:has-text('Показать')")
        expect(page.locator("[data-testid=listing-card]")).to_have_count(1)
        expect(page.locator("[data-testid=listing-card] .card-title")).to_have_text("Двушка с торгами")
        shared = page.url

        # Someone else opens the shared link and sees the same result.
        other = browser.new_context(locale="ru-RU").new_page()
        other.goto(shared)
        expect(other.locator("[data-testid=listing-card] .card-title")).to_have_text(["Двушка с торгами"])
        expect(other.locator("#id_auction")).to_be_checked()

        # Switch the language: the same search, in Uzbek.
        page.select_option("[data-testid=language-switcher]", "uz")
        expect(page.locator("html")).to_have_attribute("lang", "uz")
        expect(page.get_by_test_id("result-count")).to_have_text("1 ta e’lon")
        assert "auction=on" in page.url


def test_phone_sign_up_by_sms_code_then_favorite(live_server, seller, make_listing):
    listing = make_listing(seller, title="Квартира мечты")
    sms_outbox.clear()
    cache.clear()  # rate-limit counters of earlier runs
    with launch_browser() as browser:
        page = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844}).new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}{listing.get_absolute_url()}")
        page.click("text=В избранное")  # asks to sign in first
        page.fill("input[name=phone]", "93 555 44 33")
        page.click("button:has-text('Получить код')")
        expect(page.locator("h1")).to_have_text("Код из SMS")
        assert sms_outbox[-1].phone == "+998935554433"
        code = re.search(r"\d{6}", sms_outbox[-1].text).group(0)
        wrong = "000000" if code != "000000" else "111111"
        page.fill("input[name=code]", wrong)
        page.click("button:has-text('Войти')")
        expect(page.locator(".errorlist")).to_contain_text("Неверный код")
        page.fill("input[name=code]", code)
        page.fill("input[name=first_name]", "Шахзод")
        page.click("button:has-text('Войти')")
        # Back on the listing, signed in: the phone is visible, and the favourite asked for before
        # signing in is there (issue 14, item 10); the heart still toggles.
        expect(page.locator("h1")).to_have_text("Квартира мечты")
        expect(page.get_by_test_id("seller-phone")).to_have_text(format_phone(seller.phone))
        assert page.get_by_test_id("seller-phone").get_attribute("href") == f"tel:{seller.phone}"
        expect(page.get_by_test_id("favorite-toggle")).to_contain_text("В избранном")
        page.get_by_test_id("favorite-toggle").click()
        expect(page.get_by_test_id("favorite-toggle")).to_contain_text("В избранное")
        page.get_by_test_id("favorite-toggle").click()
        expect(page.get_by_test_id("favorite-toggle")).to_contain_text("В избранном")
    user = User.objects.get(phone="+998935554433")
    assert user.first_name == "Шахзод" and not user.has_usable_password()
    assert user.favorites.filter(listing=listing).exists()
