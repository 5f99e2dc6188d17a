"""The profile page (/account/): the name, and a password set (an account made by SMS code) or
changed (with the current one), which ends the other sessions and the API tokens."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from core.templatetags.money import phone as phone_display
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Yangi-parol-2026"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def password_signs_in(user: User, password: str) -> bool:
    return Client().post("/login/", {"username": user.phone, "password": password}).status_code == 302


def test_the_profile_is_for_signed_in_users_only(client):
    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/account/")


def test_the_name_is_changed_and_an_empty_one_refused(make_user):
    user = make_user(first_name="Азиз")
    client = signed_in(user)
    page = client.get("/account/").content.decode()
    assert 'value="Азиз"' in page and phone_display(user.phone) in page
    assert client.post("/account/", {"action": "profile", "first_name": "  Азизбек "})["Location"] == "/account/"
    user.refresh_from_db()
    assert user.first_name == "Азизбек"
    refused = client.post("/account/", {"action": "profile", "first_name": "   "})
    assert refused.status_code == 200 and "Обязательное поле." in refused.content.decode()
    user.refresh_from_db()
    assert user.first_name == "Азизбек"


def test_a_password_is_changed_with_the_current_one_and_the_other_sessions_and_tokens_end(make_user):
    user = make_user()
    token = Token.objects.create(user=user)
    here, elsewhere = signed_in(user), signed_in(user)
    data = {"action": "password", "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}

    wrong = here.post("/account/", data | {"old_password": "not-it"})
    assert wrong.status_code == 200
    assert "Ваш старый пароль введен неправильно" in wrong.content.decode()
    assert password_signs_in(user, PASSWORD) and Token.objects.filter(pk=token.pk).exists()

    done = here.post("/account/", data)
    assert done.status_code == 302 and done["Location"] == "/account/"
    assert "Пароль сохранён" in here.get("/account/").content.decode()
    assert here.get("/dashboard/").status_code == 200  # this session stays
    assert elsewhere.get("/dashboard/").status_code == 302  # the other one ended
    assert password_signs_in(user, NEW) and not password_signs_in(user, PASSWORD)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(user=user).exists()


def test_a_new_password_is_checked_by_the_rules_and_must_match(make_user):
    user = make_user()
    client = signed_in(user)
    base = {"action": "password", "old_password": PASSWORD}
    short = client.post("/account/", base | {"new_password1": "abc", "new_password2": "abc"}).content.decode()
    assert "Введённый пароль слишком короткий" in short
    other = client.post("/account/", base | {"new_password1": NEW, "new_password2": NEW + "x"}).content.decode()
    assert "Введенные пароли не совпадают" in other
    assert password_signs_in(user, PASSWORD)


def test_an_account_made_by_sms_sets_its_first_password_and_can_then_sign_in_with_it(make_user):
    user = make_user()
    user.set_unusable_password()
    user.save()
    client = signed_in(user)
    page = client.get("/account/").content.decode()
    assert 'data-testid="no-password"' in page and 'name="old_password"' not in page
    response = client.post("/account/", {"action": "password", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert password_signs_in(user, NEW)
    token = APIClient().post("/api/v1/auth/token/", {"phone": user.phone, "password": NEW}, format="json")
    assert token.status_code == 200
    # Now it has a password: the next change asks for it.
    assert 'name="old_password"' in client.get("/account/").content.decode()


def test_guessing_the_current_password_is_rate_limited(make_user, settings):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"password_change": {"user": "3/3600", "ip": "100/3600"}}
    user = make_user()
    client = signed_in(user)
    guess = {"action": "password", "new_password1": NEW, "new_password2": NEW}
    for attempt in range(3):
        assert client.post("/account/", guess | {"old_password": f"guess-{attempt}"}).status_code == 200
    limited = client.post("/account/", guess | {"old_password": PASSWORD})
    assert limited.status_code == 429 and "Слишком много запросов" in limited.content.decode()
    assert password_signs_in(user, PASSWORD) and not password_signs_in(user, NEW)


@pytest.mark.parametrize(
    ("language", "words"),
    [("uz", ["Profil", "Parolni o‘zgartirish"]), ("en", ["Profile", "Change password", "Current password"])],
)
def test_the_profile_speaks_the_sites_languages(make_user, language, words):
    client = signed_in(make_user())
    client.cookies["django_language"] = language
    page = client.get("/account/").content.decode()
    for word in words:
        assert word in page
    assert "Сменить пароль" not in page


def test_the_dashboard_links_to_the_profile(make_user):
    page = signed_in(make_user()).get("/dashboard/").content.decode()
    assert 'href="/account/" data-testid="profile-link"' in page


def test_a_forgotten_password_is_replaced_after_signing_in_by_sms_code(make_user, django_capture_on_commit_callbacks):
    """The sign-in page's "forgot password" leads to the SMS sign-in and back to the profile, where a
    session that has just proven the number sets a new password without the old one (once)."""
    import re

    from core.sms import sms_outbox

    user = make_user()
    client = Client()
    login_page = client.get("/login/").content.decode()
    assert 'href="/login/phone/?next=/account/"' in login_page
    sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/login/phone/", {"phone": user.phone, "next": "/account/"})
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    assert client.post("/login/phone/code/", {"code": code})["Location"] == "/account/"

    page = client.get("/account/").content.decode()
    assert 'data-testid="phone-proven"' in page and 'name="old_password"' not in page
    assert (
        client.post("/account/", {"action": "password", "new_password1": NEW, "new_password2": NEW}).status_code == 302
    )
    assert password_signs_in(user, NEW) and not password_signs_in(user, PASSWORD)
    # Once: the next change asks for the password just set.
    assert 'name="old_password"' in client.get("/account/").content.decode()
    refused = client.post(
        "/account/", {"action": "password", "new_password1": "Other-pass-2026", "new_password2": "Other-pass-2026"}
    )
    assert refused.status_code == 200 and password_signs_in(user, NEW)


def test_an_sms_sign_in_long_ago_or_a_password_sign_in_still_asks_for_the_old_password(make_user):
    import time

    user = make_user()
    client = Client()
    client.post("/login/", {"username": user.phone, "password": PASSWORD})
    assert 'name="old_password"' in client.get("/account/").content.decode()
    session = client.session
    session["phone_proven_at"] = time.time() - 16 * 60
    session.save()
    assert 'name="old_password"' in client.get("/account/").content.decode()
    response = client.post("/account/", {"action": "password", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 200 and password_signs_in(user, PASSWORD)
