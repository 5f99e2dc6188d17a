"""In a real browser: the browser's language picks the site's language until the switcher is used."""

import pytest

from tests.browser import launch_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("locale", "lang", "sign_in"),
    [("uz-UZ", "uz", "Kirish"), ("en-US", "en", "Sign in"), ("ru-RU", "ru", "Войти"), ("de-DE", "ru", "Войти")],
)
def test_the_browsers_language_then_the_switcher(live_server, locale, lang, sign_in):
    with launch_browser() as browser:
        context = browser.new_context(
            locale=locale, viewport={"width": 1280, "height": 900}
        )  # the switcher sits in the row
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}/")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.get_by_role("link", name=sign_in).first.is_visible()
        # The switcher wins over the browser's language from then on.
        other = "ru" if lang != "ru" else "uz"
        with page.expect_navigation():
            page.select_option("select[name=language]", other)
        page.goto(f"{live_server.url}/")
        assert page.locator("html").get_attribute("lang") == other
        context.close()
