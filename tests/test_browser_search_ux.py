"""In a real browser: the search form's boxes fit what people type (issue 14, item 5)."""

import pytest

from tests.browser import launch_browser

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("locale", ["ru-RU", "uz-UZ"])
def test_price_boxes_show_a_nine_digit_price_whole(live_server, width, locale):
    with launch_browser() as browser:
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": locale[:2], "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}/listings/")
        if width < 900:
            page.click("label.filters-button")
        for name in ("price_min", "price_max"):
            box = page.locator(f"input[name={name}]")
            box.fill("900000000")
            # The text is not scrolled: the whole number is visible in the box.
            fits = box.evaluate("el => el.scrollWidth <= el.clientWidth")
            assert fits, f"{name} at {width}px cuts a 9-digit price"
