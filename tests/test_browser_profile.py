"""The profile in a real browser: from the dashboard, the name and the password changed by clicking,
then a sign-in with the new password; it fits a phone in ru, uz and en."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser import launch_browser
from tests.conftest import PASSWORD
from tests.test_browser_mobile_ux import _assert_fits, _context, _sign_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NEW = "Yangi-parol-2026"


def test_the_name_and_password_are_changed_from_the_dashboard_and_the_new_password_signs_in(live_server, buyer):
    with launch_browser() as browser:
        page = _context(browser, live_server, width=1280).new_page()
        _sign_in(page, live_server, buyer)
        page.goto(f"{live_server.url}/dashboard/")
        page.get_by_test_id("profile-link").click()
        expect(page.locator("h1")).to_have_text("Профиль")

        page.fill("#id_first_name", "Малика Каримова")
        page.get_by_role("button", name="Сохранить имя").click()
        expect(page.locator(".messages")).to_contain_text("Имя сохранено.")
        expect(page.locator("#id_first_name")).to_have_value("Малика Каримова")

        page.fill("#id_old_password", "not-my-password")
        page.fill("#id_new_password1", NEW)
        page.fill("#id_new_password2", NEW)
        page.get_by_role("button", name="Сменить пароль").click()
        expect(page.locator("[data-testid=password-form]")).to_contain_text("старый пароль введен неправильно")

        page.fill("#id_old_password", PASSWORD)
        page.fill("#id_new_password1", NEW)
        page.fill("#id_new_password2", NEW)
        page.get_by_role("button", name="Сменить пароль").click()
        expect(page.locator(".messages")).to_contain_text("Пароль сохранён.")
        page.locator(".session button").click()  # sign out

        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", buyer.phone)
        page.fill("input[name=password]", NEW)
        page.locator("main button[type=submit]").click()
        expect(page.locator(".session button")).to_be_visible()
    assert User.objects.get(pk=buyer.pk).first_name == "Малика Каримова"


@pytest.mark.parametrize(
    ("lang", "button"), [("ru", "Сменить пароль"), ("uz", "Parolni o‘zgartirish"), ("en", "Change password")]
)
def test_the_profile_fits_a_phone(live_server, buyer, lang, button):
    with launch_browser() as browser:
        page = _context(browser, live_server, width=360, lang=lang).new_page()
        _sign_in(page, live_server, buyer)
        page.goto(f"{live_server.url}/account/")
        expect(page.get_by_role("button", name=button)).to_be_visible()
        _assert_fits(page, 360)
        shot(page, f"profile-360-{lang}")
