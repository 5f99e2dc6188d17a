"""403s a person meets: a form that failed the CSRF check, a page they may not open (the moderation
pages among them), and the ways onward from the sign-in lockout and a code asked for again too soon."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db.models import F
from django.test import Client

from listings.models import ListingStatus
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SITE_CSS = "/static/css/site.css"
CSRF_PAGE = 'data-testid="csrf-failed"'
FORBIDDEN_PAGE = 'data-testid="forbidden"'
# What Django's csrf_failure gives as `reason` for these requests: for a developer only.
CSRF_REASONS = ("CSRF cookie not set", "CSRF token missing", "CSRF token incorrect", "CSRF verification failed")


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()  # sign-in counters and code cooldowns live in the cache
    yield
    cache.clear()


def _csrf_client(language: str | None = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if language:
        client.cookies["django_language"] = language
    return client


# --- A form that failed the CSRF check -----------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "advice"),
    [
        ("ru", "Форма не отправлена: страница устарела", "Откройте страницу заново и отправьте форму ещё раз."),
        ("uz", "Forma yuborilmadi: sahifa eskirgan", "Sahifani qaytadan oching va formani yana bir marta yuboring."),
        ("en", "The form was not sent: the page is out of date", "Open the page again and send the form once more."),
    ],
)
def test_a_form_without_a_valid_token_gets_the_sites_page_in_its_language(language, title, advice):
    client = _csrf_client(None if language == "ru" else language)
    response = client.post("/login/", {"username": "+998901112233", "password": "x"})
    page = response.content.decode()
    assert response.status_code == 403 and CSRF_PAGE in page
    assert f'<html lang="{language}">' in page and SITE_CSS in page
    assert title in page and advice in page
    assert 'href="/"' in page and 'href="/login/phone/' in page  # home, and sign-in for a visitor signed out
    assert not any(reason in page for reason in CSRF_REASONS) and 'data-testid="debug-error"' not in page
    assert "Forbidden" not in page  # not Django's bare page


def test_a_stale_token_with_a_cookie_gets_the_page_and_the_way_back(client, seller):
    """The usual case: a tab opened before the visitor signed in elsewhere sends its old token."""
    client = _csrf_client()
    client.force_login(seller)
    client.get("/listings/new/")  # sets the CSRF cookie
    response = client.post(
        "/listings/new/", {"csrfmiddlewaretoken": "x" * 64}, headers={"Referer": "http://testserver/listings/new/"}
    )
    page = response.content.decode()
    assert response.status_code == 403 and CSRF_PAGE in page
    assert 'href="/listings/new/" data-testid="csrf-back"' in page
    assert 'href="/login/phone/' not in page  # signed in: no sign-in button
    assert not any(reason in page for reason in CSRF_REASONS)


def test_the_way_back_stays_on_the_site_and_a_missing_cookie_is_set_again():
    client = _csrf_client()
    response = client.post("/login/", {}, headers={"Referer": "https://evil.example/login/"})
    page = response.content.decode()
    assert response.status_code == 403 and CSRF_PAGE in page
    assert "evil.example" not in page and 'data-testid="csrf-back"' not in page
    assert "csrftoken" in response.cookies  # sending the form again from a reloaded page works


def test_the_reason_is_shown_with_debug_on_only(settings):
    settings.DEBUG = True
    page = _csrf_client().post("/login/", {}).content.decode()
    assert CSRF_PAGE in page and 'data-testid="debug-error"' in page and "CSRF cookie not set" in page
    settings.DEBUG = False
    page = _csrf_client().post("/login/", {}).content.decode()
    assert CSRF_PAGE in page and "CSRF cookie not set" not in page


# --- PermissionDenied: the site's 403 page -------------------------------------------


@pytest.mark.parametrize(("language", "title"), [("ru", "Нет доступа"), ("uz", "Ruxsat yo‘q"), ("en", "Access denied")])
def test_a_refused_page_is_the_sites_403_page_in_its_language(client, make_user, language, title):
    client.force_login(make_user(is_staff=True))  # staff, without the moderation permission
    client.cookies["django_language"] = language
    response = client.get("/moderation/")
    page = response.content.decode()
    assert response.status_code == 403 and FORBIDDEN_PAGE in page
    assert f'<html lang="{language}">' in page and SITE_CSS in page and title in page
    assert 'href="/"' in page and 'href="/listings/"' in page


def test_moderation_refuses_a_signed_in_visitor_who_is_not_staff(client, seller, make_user, make_listing):
    listing = make_listing(make_user(), status=ListingStatus.REVIEW)
    client.force_login(seller)
    response = client.get("/moderation/")
    page = response.content.decode()
    assert response.status_code == 403 and FORBIDDEN_PAGE in page  # not the admin's sign-in
    assert "Нет доступа" in page and SITE_CSS in page
    response = client.post(f"/moderation/{listing.pk}/", {"decision": "approve"})
    assert response.status_code == 403 and FORBIDDEN_PAGE in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REVIEW


def test_moderation_sends_a_visitor_signed_out_to_the_sites_sign_in(client, listing):
    response = client.get("/moderation/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/moderation/"
    # A decision sent after the session ran out: back to the queue it was sent from, not to a POST-only address.
    response = client.post(
        f"/moderation/{listing.pk}/", {"decision": "approve"}, headers={"Referer": "http://testserver/moderation/"}
    )
    assert response.status_code == 302 and response["Location"] == "/login/?next=/moderation/"
    response = client.post(f"/moderation/{listing.pk}/", {"decision": "approve"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED


def test_staff_with_the_permission_still_get_the_queue(client, make_operator):
    client.force_login(make_operator())
    response = client.get("/moderation/")
    assert response.status_code == 200 and FORBIDDEN_PAGE not in response.content.decode()


# --- The lockout page and a code asked for again too soon: a way onward --------------


def _sign_in(client, phone: str, password: str, address: str):
    return client.post(
        "/login/", {"username": phone, "password": password}, HTTP_X_FORWARDED_FOR=address, REMOTE_ADDR="127.0.0.1"
    )


def test_the_lockout_page_says_when_and_offers_the_sms_sign_in_when_it_is_open(client, settings, make_user):
    """A number over its own budget is locked for passwords only: the page offers the SMS code."""
    settings.AXES_FAILURE_LIMIT = 10
    settings.SIGNIN_NUMBER_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user(phone="+998901112290")
    for n in range(2):
        _sign_in(client, "+998901112290", "wrong", address=f"203.0.113.{n + 1}")
    locked = _sign_in(client, "+998901112290", PASSWORD, address="203.0.113.9")
    page = locked.content.decode()
    assert locked.status_code == 429 and "Попробуйте снова через 15 мин." in page
    assert 'href="/login/phone/" data-testid="locked-out-sms"' in page
    assert 'href="/" data-testid="locked-out-home"' in page and 'href="/listings/"' in page


def _lock_out(client, settings, make_user, phone: str, *, address: str) -> None:
    """Two wrong passwords for an account's number from one address: axes locks that pair (limit 2)."""
    settings.AXES_FAILURE_LIMIT = 2
    settings.SIGNIN_NUMBER_FAILURE_LIMIT = 0
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user(phone=phone)
    for _ in range(2):
        _sign_in(client, phone, "wrong", address=address)


def test_the_lockout_page_of_a_locked_address_offers_the_home_page_not_the_sms(client, settings, make_user):
    _lock_out(client, settings, make_user, "+998901112291", address="203.0.113.20")
    locked = _sign_in(client, "+998901112291", PASSWORD, address="203.0.113.20")
    page = locked.content.decode()
    assert locked.status_code == 429 and "Попробуйте снова через 15 мин." in page
    assert 'data-testid="locked-out-sms"' not in page  # the SMS sign-in is locked for this pair too
    assert 'href="/" data-testid="locked-out-home"' in page
    client.cookies["django_language"] = "en"
    page = _sign_in(client, "+998901112291", PASSWORD, address="203.0.113.20").content.decode()
    assert "Meanwhile you can browse apartments and auctions without signing in." in page


def _age_failures(phone: str, by: timedelta) -> None:
    """axes' records of the number's failures, as if they were made `by` earlier."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username=phone).update(attempt_time=F("attempt_time") - by)


def _sms_sign_in(client, phone: str, address: str):
    return client.post("/login/phone/", {"phone": phone}, HTTP_X_FORWARDED_FOR=address, REMOTE_ADDR="127.0.0.1")


@pytest.mark.parametrize(
    ("ago", "said"), [(timedelta(minutes=10, seconds=20), 5), (timedelta(minutes=14, seconds=30), 1)]
)
def test_the_lockout_page_says_the_time_left_not_the_whole_lockout(client, settings, make_user, ago, said):
    """ "Попробуйте снова через 15 мин." ten minutes into a 15-minute lockout: the page told the whole
    cool-off (get_cool_off), not what is left of it. Now from axes' records of the failures, rounded up
    to whole minutes (4 min 40 s: 5), at least 1 (the last 30 seconds: 1)."""
    _lock_out(client, settings, make_user, "+998901112293", address="203.0.113.30")
    _age_failures("+998901112293", ago)
    locked = _sms_sign_in(client, "+998 90 111 22 93", address="203.0.113.30")  # records no failure itself
    assert locked.status_code == 429
    assert f"Попробуйте снова через {said} мин." in locked.content.decode()
    client.cookies["django_language"] = "uz"
    page = _sms_sign_in(client, "+998901112293", address="203.0.113.30").content.decode()
    assert f"{said} daqiqadan" in page


def test_a_password_sent_while_locked_starts_the_lockout_again_and_the_page_says_so(client, settings, make_user):
    """axes counts a password sent during the lockout as one more failure (AXES_RESET_COOL_OFF_ON_FAILURE_
    DURING_LOCKOUT, its default): the lockout starts again from it, and the page says the whole period."""
    _lock_out(client, settings, make_user, "+998901112294", address="203.0.113.31")
    _age_failures("+998901112294", timedelta(minutes=10))
    assert "через 5 мин." in _sms_sign_in(client, "+998901112294", address="203.0.113.31").content.decode()
    locked = _sign_in(client, "+998901112294", PASSWORD, address="203.0.113.31")
    assert locked.status_code == 429 and "Попробуйте снова через 15 мин." in locked.content.decode()
    assert "через 15 мин." in _sms_sign_in(client, "+998901112294", address="203.0.113.31").content.decode()


def test_the_lock_ends_when_enough_of_the_oldest_failures_stop_counting(client, settings, make_user):
    """axes keeps a record per browser (user agent) and sums them: two failures 12 minutes ago and one 2
    minutes ago lock with a limit of 3 until the older two stop counting, in 3 minutes (not 13, not 15)."""
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 3
    settings.SIGNIN_NUMBER_FAILURE_LIMIT = 0
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user(phone="+998901112295")
    for agent in ("old", "old", "new"):
        client.post(
            "/login/",
            {"username": "+998901112295", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.32",
            REMOTE_ADDR="127.0.0.1",
            HTTP_USER_AGENT=agent,
        )
    old = AccessAttempt.objects.filter(username="+998901112295", user_agent="old")
    assert old.get().failures_since_start == 2
    _age_failures("+998901112295", timedelta(minutes=2))
    old.update(attempt_time=F("attempt_time") - timedelta(minutes=10))  # 12 minutes ago
    locked = _sms_sign_in(client, "+998901112295", address="203.0.113.32")
    assert locked.status_code == 429 and "Попробуйте снова через 3 мин." in locked.content.decode()


def test_a_number_over_its_budget_says_the_time_left_of_its_window(client, settings, make_user, monkeypatch):
    """The number's own budget (accounts.lockout) runs from its first failure: failures that began 7.5
    minutes ago leave 7.5 minutes, said as 8; the API's Retry-After says the seconds."""
    import time

    from rest_framework.test import APIClient

    settings.AXES_FAILURE_LIMIT = 10
    settings.SIGNIN_NUMBER_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user(phone="+998901112296")
    started = time.time() - 450
    monkeypatch.setattr("accounts.lockout._clock", lambda: started)
    for n in range(2):
        _sign_in(client, "+998901112296", "wrong", address=f"203.0.113.{40 + n}")
    monkeypatch.undo()
    locked = _sign_in(client, "+998901112296", PASSWORD, address="203.0.113.49")
    page = locked.content.decode()
    assert locked.status_code == 429 and "Попробуйте снова через 8 мин." in page
    assert 'data-testid="locked-out-sms"' in page  # the address is not locked: the SMS code is still open
    api = APIClient(REMOTE_ADDR="203.0.113.50")
    response = api.post("/api/v1/auth/token/", {"phone": "+998901112296", "password": PASSWORD}, format="json")
    assert response.status_code == 429 and "8 мин." in response.json()["error"]["message"]
    assert 440 <= int(response["Retry-After"]) <= 450


def test_a_code_asked_for_again_too_soon_leads_to_the_code_already_sent(client):
    assert client.post("/login/phone/", {"phone": "90 111 22 92"})["Location"] == "/login/phone/code/"
    again = client.post("/login/phone/", {"phone": "+998 90 111 22 92"})
    page = again.content.decode()
    assert again.status_code == 200 and "Код уже отправлен" in page
    assert 'href="/login/phone/code/" data-testid="code-sent-enter"' in page
    assert client.get("/login/phone/code/").status_code == 200  # the code's page, for that number
    # Another browser was not sent that code: only the wait.
    other = Client()
    page = other.post("/login/phone/", {"phone": "+998901112292"}).content.decode()
    assert "Код уже отправлен" in page and 'data-testid="code-sent-enter"' not in page
