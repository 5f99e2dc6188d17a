"""Django's own strings (and the installed apps') are Uzbek in Uzbek, not Russian.

Django's uz catalogues leave many entries empty, and contrib.contenttypes, django-axes and
Django REST framework ship no Uzbek at all. Django's gettext falls back to LANGUAGE_CODE
("ru"), so an Uzbek user read "Введённый пароль слишком короткий…", API errors and admin
labels in Russian. locale_upstream/ (LOCALE_PATHS[1]) fills those entries in.
"""

import gettext
import html
import re
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation

from accounts.models import User
from tests.test_admin_words import admin_pages, russian_on_pages
from tests.test_translations import LOCALE, LOCALE_UPSTREAM, mo_key, po_entries

CYRILLIC = re.compile("[\u0400-\u04ff]")


def _is_russian(text: str) -> bool:
    return bool(CYRILLIC.search(text))


# --- (a) the password validators of settings.AUTH_PASSWORD_VALIDATORS -------------------------


def _failing_password(validator) -> tuple[str, User]:
    """A password this validator refuses (and the user it is checked against)."""
    user = User(phone="+998901234567", first_name="Abdulaziz", last_name="Karimov")
    passwords = {
        "UserAttributeSimilarityValidator": "abdulaziz1",
        "MinimumLengthValidator": "Qz7!",
        "CommonPasswordValidator": "password",
        "NumericPasswordValidator": "8472910365",
    }
    return passwords[type(validator).__name__], user


def _words(validator, language: str) -> tuple[list[str], str]:
    password, user = _failing_password(validator)
    with translation.override(language):
        try:
            validator.validate(password, user)
        except ValidationError as error:
            messages = error.messages
        else:
            pytest.fail(f"{type(validator).__name__} accepted {password!r}")
        return messages, str(validator.get_help_text())


def test_settings_name_the_four_validators_checked_here():
    names = {type(v).__name__ for v in password_validation.get_password_validators(settings.AUTH_PASSWORD_VALIDATORS)}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


@pytest.mark.parametrize(
    "validator",
    password_validation.get_password_validators(settings.AUTH_PASSWORD_VALIDATORS),
    ids=lambda v: type(v).__name__,
)
def test_password_validators_speak_uzbek(validator):
    uzbek_errors, uzbek_help = _words(validator, "uz")
    russian_errors, russian_help = _words(validator, "ru")
    assert all(_is_russian(text) for text in [*russian_errors, russian_help])  # the comparison means something
    assert uzbek_errors != russian_errors and uzbek_help != russian_help
    for text in [*uzbek_errors, uzbek_help]:
        assert not _is_russian(text), text
    assert "parol" in " ".join([*uzbek_errors, uzbek_help]).lower()


def test_the_minimum_length_rule_says_the_number():
    validator = password_validation.MinimumLengthValidator(min_length=8)
    with translation.override("uz"):
        with pytest.raises(ValidationError) as error:
            validator.validate("Qz7!")
        assert error.value.messages == ["Parol juda qisqa. U kamida 8 ta belgidan iborat bo‘lishi kerak."]
        assert validator.get_help_text() == "Parolingiz kamida 8 ta belgidan iborat bo‘lishi kerak."


# --- (b) every entry the upstream uz catalogues leave empty ------------------------------------


def _upstream_locale_dirs() -> list[tuple[str, Path]]:
    """Django's own catalogue and each installed app's (ours live in LOCALE_PATHS, not here)."""
    dirs = [("django", Path(django.__file__).parent / "conf" / "locale")]
    for config in apps.get_app_configs():
        folder = Path(config.path) / "locale"
        if folder.is_dir() and folder not in (LOCALE, LOCALE_UPSTREAM):
            dirs.append((config.name, folder))
    return dirs


def _mo_entries(path: Path) -> list[dict]:
    """Messages of a compiled catalogue, for apps that ship no .po (Django REST framework)."""
    with path.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    plural = {key[0] for key in catalog if isinstance(key, tuple)}
    entries = []
    for key in {key if isinstance(key, str) else key[0] for key in catalog} - {""}:
        context, _, msgid = key.rpartition("\x04") if "\x04" in key else (None, "", key)
        translated = [text for k, text in catalog.items() if k == key or (isinstance(k, tuple) and k[0] == key)]
        entries.append(
            {
                "msgctxt": context,
                "msgid": msgid,
                "msgid_plural": msgid if key in plural else None,
                "msgstr": dict(enumerate(translated)),
            }
        )
    return entries


def _catalogue(folder: Path, language: str, domain: str) -> list[dict] | None:
    po = folder / language / "LC_MESSAGES" / f"{domain}.po"
    mo = folder / language / "LC_MESSAGES" / f"{domain}.mo"
    if po.is_file():
        return [e for e in po_entries(po) if e["msgid"]]
    if mo.is_file():
        return _mo_entries(mo)
    return None


def upstream_gaps(domain: str) -> list[tuple[str, dict]]:
    """(app, entry) for every message of an upstream catalogue that its uz catalogue leaves empty
    (or lacks): all its messages from the en and ru catalogues, less those uz translates."""
    gaps = []
    for app, folder in _upstream_locale_dirs():
        uzbek = {mo_key(e) for e in _catalogue(folder, "uz", domain) or [] if all(e["msgstr"].values())}
        seen = set()
        for language in ("en", "ru"):
            for entry in _catalogue(folder, language, domain) or []:
                key = mo_key(entry)
                if key not in uzbek and key not in seen:
                    seen.add(key)
                    gaps.append((app, entry))
    return gaps


def _say(entry: dict, count: int, *, domain: str) -> str:
    """The message as the running site says it in the active language."""
    msgid, plural, context = entry["msgid"], entry["msgid_plural"], entry["msgctxt"]
    if domain == "djangojs":
        # What the admin's JavaScriptCatalog reads (with its fallback to LANGUAGE_CODE).
        admin = Path(apps.get_app_config("admin").path) / "locale"
        catalog = DjangoTranslation(translation.get_language(), domain="djangojs", localedirs=[str(admin)])
        if context is not None:
            return catalog.npgettext(context, msgid, plural, count) if plural else catalog.pgettext(context, msgid)
        return catalog.ngettext(msgid, plural, count) if plural else catalog.gettext(msgid)
    if context is not None:
        return translation.npgettext(context, msgid, plural, count) if plural else translation.pgettext(context, msgid)
    return translation.ngettext(msgid, plural, count) if plural else translation.gettext(msgid)


def test_the_sweep_finds_the_gaps_it_is_about():
    """The sweep is not vacuous: it finds the empty entries the issue was about."""
    django_gaps = {(app, e["msgid"]) for app, e in upstream_gaps("django")}
    assert ("django.contrib.auth", "This password is too common.") in django_gaps
    assert ("django.contrib.admin", "Model name") in django_gaps
    assert ("rest_framework", "Authentication credentials were not provided.") in django_gaps
    assert ("axes", "access attempts") in django_gaps
    assert ("django.contrib.contenttypes", "content types") in django_gaps
    assert ("django.contrib.admin", "Sunday") in {(app, e["msgid"]) for app, e in upstream_gaps("djangojs")}
    assert len(django_gaps) > 300


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_upstream_leaves_empty_is_uzbek(domain):
    russian_left = []
    for app, entry in upstream_gaps(domain):
        for count in (1, 2, 5) if entry["msgid_plural"] else (1,):
            with translation.override("uz"):
                uzbek = _say(entry, count, domain=domain)
            with translation.override("ru"):
                russian = _say(entry, count, domain=domain)
            # Cyrillic-free, so never the Russian text (which "IPv4" or "…" may equal harmlessly).
            if _is_russian(uzbek) or (uzbek == russian and _is_russian(russian)):
                russian_left.append(f"{app}: {entry['msgid']!r} -> {uzbek!r}")
    assert not russian_left, f"{len(russian_left)} in Russian under uz, e.g. {russian_left[:10]}"


def _compiled_keys(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    with path.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    return {key if isinstance(key, str) else key[0] for key in catalog} - {""}


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_upstream_leaves_empty_is_translated_by_a_catalogue(domain):
    """Not merely "no Cyrillic": each gap is translated by our catalogues or another app's uz one,
    so messages with no Russian either (English under uz) are covered too."""
    translated = _compiled_keys(LOCALE_UPSTREAM / "uz" / "LC_MESSAGES" / f"{domain}.mo")
    if domain == "django":
        translated |= _compiled_keys(LOCALE / "uz" / "LC_MESSAGES" / "django.mo")
    for _app, folder in _upstream_locale_dirs():
        translated |= _compiled_keys(folder / "uz" / "LC_MESSAGES" / f"{domain}.mo")
    missing = [f"{app}: {entry['msgid']!r}" for app, entry in upstream_gaps(domain) if mo_key(entry) not in translated]
    assert not missing, f"add these to locale_upstream/uz/LC_MESSAGES/{domain}.po: {missing[:10]}"


def test_our_catalogue_keeps_priority_over_the_upstream_one():
    """locale/ comes first in LOCALE_PATHS: makemessages writes there, and its words win."""
    assert [Path(p).name for p in settings.LOCALE_PATHS] == ["locale", "locale_upstream"]
    with translation.override("uz"):
        assert translation.gettext("Home") == "Bosh sahifa"  # config/admin_words.py, in locale/uz


# --- (c) on the pages ----------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_up_in_uzbek_explains_a_short_password_in_uzbek(client):
    # The switcher, as a person uses it: it sets the language cookie.
    assert client.post("/i18n/setlang/", {"language": "uz", "next": "/signup/"}).status_code == 302
    response = client.post(
        "/signup/",
        {"phone": "90 555 00 12", "first_name": "Aziz", "password1": "Qz7!", "password2": "Qz7!"},
    )
    assert response.status_code == 200 and response.headers["Content-Language"] == "uz"
    page = response.content.decode()
    errors = " ".join(re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', page, re.S))
    assert "Parol juda qisqa. U kamida 8 ta belgidan iborat bo‘lishi kerak." in html.unescape(errors)
    assert not _is_russian(errors), errors
    assert "слишком короткий" not in page


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True, first_name="Xodim"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uz"
    return client


@pytest.mark.django_db
def test_the_admin_in_uzbek_has_no_russian_labels(staff_client, make_user):
    """Every registered model's list, add and change pages (and the index), as a staff member
    reading Uzbek: titles, headings, column headers, labels and help texts have no Russian."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from rest_framework.authtoken.models import Token

    somebody = make_user(first_name="Aziz")
    Token.objects.create(user=somebody)
    AccessAttempt.objects.create(username="+998901112233", ip_address="127.0.0.1", failures_since_start=2)
    AccessLog.objects.create(username="+998901112233", ip_address="127.0.0.1")
    AccessFailureLog.objects.create(username="+998901112233", ip_address="127.0.0.1")
    pages = admin_pages()
    pages[reverse("admin:accounts_user_change", args=[somebody.pk])] = str(somebody)
    pages[reverse("admin:password_change")] = ""
    assert russian_on_pages(staff_client, pages) == {}
    # Django's own words, in Uzbek: the user forms' password blocks and the axes list.
    user_page = staff_client.get(reverse("admin:accounts_user_change", args=[somebody.pk])).content.decode()
    assert "Parolni qayta o‘rnatish" in user_page and "Сбросить пароль" not in user_page
    assert "Parollar ochiq holda saqlanmaydi" in user_page
    add_page = staff_client.get(reverse("admin:accounts_user_add")).content.decode()
    assert "Parolingiz kamida 8 ta belgidan iborat bo‘lishi kerak." in add_page
    attempts = staff_client.get("/admin/axes/accessattempt/").content.decode()
    assert "Urinish vaqti" in attempts and "Время попытки входа" not in attempts


@pytest.mark.django_db
def test_the_admins_scripts_get_an_uzbek_catalogue(staff_client):
    """The admin's calendar and selector widgets read their words from jsi18n."""
    response = staff_client.get(reverse("admin:jsi18n"))
    assert response.status_code == 200
    # The catalogue is JSON: non-ASCII letters come \u-escaped.
    script = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), response.content.decode())
    assert "Yakshanba" in script and "Chorshanba" in script
    assert not _is_russian(script), CYRILLIC.findall(script)[:20]


@pytest.mark.django_db
def test_the_api_speaks_uzbek_when_asked(client):
    from django.core.cache import cache

    cache.clear()  # the API's throttle counters
    response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="uz")
    assert response.status_code == 401 and response.headers["Content-Language"] == "uz"
    assert response.json()["error"]["message"] == "Autentifikatsiya ma’lumotlari yuborilmagan."
