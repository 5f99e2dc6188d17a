"""A user's language: picked with the switcher, kept in the account, used for
messages sent later (e-mail, SMS) and on a device without the language cookie."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache

from accounts.models import User
from auctions.bidding import bid_place
from core import sms

pytestmark = pytest.mark.django_db
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


@pytest.fixture(autouse=True)
def _clean_outboxes():
    sms.sms_outbox.clear()
    mail.outbox.clear()
    yield
    sms.sms_outbox.clear()


def test_switching_language_while_signed_in_is_remembered(client, buyer):
    client.force_login(buyer)
    assert buyer.language == "ru"
    response = client.post("/i18n/setlang/", {"language": "uz", "next": "/"})
    assert response.status_code == 302
    client.get("/")  # the next request carries the cookie the switcher set
    assert User.objects.get(pk=buyer.pk).language == "uz"


def test_a_new_device_opens_in_the_users_language(client, buyer):
    User.objects.filter(pk=buyer.pk).update(language="en")
    client.force_login(buyer)
    response = client.get("/")
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_the_cookie_wins_over_the_stored_language(client, buyer):
    User.objects.filter(pk=buyer.pk).update(language="en")
    client.force_login(buyer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uz"
    assert client.get("/").headers["Content-Language"] == "uz"
    assert User.objects.get(pk=buyer.pk).language == "uz"


def test_visitors_get_russian_whatever_the_stored_default(client):
    assert client.get("/").headers["Content-Language"] == "ru"


def test_an_unknown_cookie_language_changes_nothing(client, buyer):
    client.force_login(buyer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get("/").headers["Content-Language"] == "ru"
    assert User.objects.get(pk=buyer.pk).language == "ru"


def test_notifications_are_written_in_each_recipients_language(
    paid_auction, make_user, django_capture_on_commit_callbacks
):
    start = paid_auction.starting_price
    english = make_user(email="en@example.uz", language="en")
    russian = make_user(email="ru@example.uz")
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction_id=paid_auction.pk, bidder=english, amount=start)
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction_id=paid_auction.pk, bidder=russian, amount=start + Decimal(paid_auction.bid_step))
    outbid = [m for m in mail.outbox if m.to == ["en@example.uz"]]
    assert outbid, "the outbid bidder got no e-mail"
    assert not CYRILLIC.search(outbid[0].subject), outbid[0].subject
    # The body's own words are translated; the listing's title stays as the seller wrote it.
    assert "Здравствуйте" not in outbid[0].body and "Текущая цена" not in outbid[0].body, outbid[0].body
    texts = [m.text for m in sms.sms_outbox if m.phone == english.phone]
    assert texts and not CYRILLIC.search(texts[0].split("\n")[0])
    # A message to a Russian-speaking user stays Russian.
    with django_capture_on_commit_callbacks(execute=True):
        bid_place(auction_id=paid_auction.pk, bidder=english, amount=start + 3 * Decimal(paid_auction.bid_step))
    to_russian = [m for m in mail.outbox if m.to == ["ru@example.uz"]]
    assert to_russian and CYRILLIC.search(to_russian[0].subject)


@pytest.mark.parametrize(
    ("header", "language", "words"),
    [
        ("uz", "uz", "Kirish"),
        ("uz-UZ", "uz", "Kirish"),
        ("uz-Latn-UZ,uz;q=0.9,ru;q=0.8", "uz", "Kirish"),
        ("en-US,en;q=0.9", "en", "Sign in"),
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru", "Войти"),
        ("de-DE,uz;q=0.7,ru;q=0.5", "uz", "Kirish"),  # the best supported one by its q-value
        ("fr-FR", "ru", "Войти"),  # nothing supported: Russian
        ("", "ru", "Войти"),
    ],
)
def test_the_browsers_language_is_used_without_a_cookie(client, header, language, words):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
    assert response.headers["Content-Language"] == language
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert words in page
    assert "Accept-Language" in response.headers["Vary"]


def test_the_cookie_wins_over_the_browsers_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="uz-UZ").headers["Content-Language"] == "ru"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="uz-UZ").headers["Content-Language"] == "en"


def test_the_switcher_wins_over_the_browsers_language(client):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="uz-UZ").headers["Content-Language"] == "uz"
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"}, HTTP_ACCEPT_LANGUAGE="uz-UZ")
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="uz-UZ").headers["Content-Language"] == "ru"


def test_a_signed_in_users_stored_language_wins_over_the_browsers(client, buyer):
    User.objects.filter(pk=buyer.pk).update(language="en")
    client.force_login(buyer)
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="uz-UZ").headers["Content-Language"] == "en"


def test_an_account_made_in_the_browsers_language_keeps_it(client, django_capture_on_commit_callbacks):
    """Signing up from an Uzbek browser (no cookie) makes an Uzbek account: the site does not
    flip to Russian, the account's default, once signed in."""
    cache.clear()  # no resend cooldown left from an earlier run for this number
    uzbek = {"HTTP_ACCEPT_LANGUAGE": "uz-UZ,uz;q=0.9"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/signup/",
            {
                "phone": "90 555 43 21",
                "first_name": "Dilnoza",
                "password1": "Very-good-pass-1",
                "password2": "Very-good-pass-1",
            },
            **uzbek,
        )
    assert response.status_code == 302
    code = re.search(r"\b(\d{6})\b", sms.sms_outbox[-1].text).group(1)  # type: ignore[union-attr]
    assert client.post("/login/phone/code/", {"code": code}, **uzbek).status_code == 302
    assert User.objects.get(phone="+998905554321").language == "uz"
    assert client.get("/dashboard/", **uzbek).headers["Content-Language"] == "uz"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ru").headers["Content-Language"] == "uz"  # the account's now
