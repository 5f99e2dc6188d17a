"""The admin's words: callback times rounded in the reader's language, and (in English)
no Russian left in model names, field names and help texts."""

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse

from clickuz.models import ClickCallback
from paymeuz.models import PaymeCall

pytestmark = pytest.mark.django_db
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("language", "shown"),
    [("ru", "33,5 мс"), ("uz", "33,5 ms"), ("en", "33.5 ms")],
)
def test_callback_times_are_rounded_in_the_readers_language(admin_client, language, shown):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    click = ClickCallback.objects.create(stage="prepare", method="POST", error=0, duration_ms=33.50031700006184)
    payme = PaymeCall.objects.create(method="CheckPerformTransaction", error=None, duration_ms=33.50031700006184)
    pages = [
        admin_client.get("/admin/clickuz/clickcallback/").content.decode(),
        admin_client.get(reverse("admin:clickuz_clickcallback_change", args=[click.pk])).content.decode(),
        admin_client.get("/admin/paymeuz/paymecall/").content.decode(),
        admin_client.get(reverse("admin:paymeuz_paymecall_change", args=[payme.pk])).content.decode(),
    ]
    for page in pages:
        assert shown in page
        assert "33,500317" not in page and "33.500317" not in page


def test_a_callback_without_a_time_shows_a_dash(admin_client):
    ClickCallback.objects.create(stage="prepare", method="POST")
    page = admin_client.get("/admin/clickuz/clickcallback/").content.decode()
    assert " мс" not in page


# The admin's own words on a page: its title and headings, column headers, filter titles,
# field labels and help texts. Object data (a listing's Russian title) may be Cyrillic.
_PLACES = [
    re.compile(r"<title>(.*?)</title>", re.S),
    re.compile(r"<h[123][^>]*>(.*?)</h[123]>", re.S),
    re.compile(r'<th scope="col"[^>]*>(.*?)</th>', re.S),
    re.compile(r"<label[^>]*>(.*?)</label>", re.S),
    re.compile(r'<div class="help"[^>]*>(.*?)</div>', re.S),
    re.compile(r'<a href="[^"]*" class="addlink">(.*?)</a>', re.S),
]


def _russian_words(page: str, data: str = "") -> list[str]:
    found = []
    for place in _PLACES:
        for match in place.findall(page):
            text = re.sub(r"<[^>]+>", " ", match)
            text = text.replace(data, " ") if data else text
            if CYRILLIC.search(text):
                found.append(" ".join(text.split()))
    return found


@pytest.fixture
def every_kind_of_row(paid_auction, buyer, make_user):
    from auctions.bidding import bid_place

    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=paid_auction.starting_price)
    ClickCallback.objects.create(stage="prepare", method="POST", error=0, duration_ms=12.3)
    PaymeCall.objects.create(method="CheckPerformTransaction", duration_ms=4.56)


def admin_pages() -> dict[str, str]:
    """Every registered model's list, app, add and change (its first row) page, and the index: each
    URL with the row's own text, which may be Russian whatever the language (a title, a name)."""
    from django.contrib import admin

    pages: dict[str, str] = {"/admin/": ""}
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages[reverse("admin:{}_{}_changelist".format(*info))] = ""
        pages[reverse("admin:app_list", args=[model._meta.app_label])] = ""
        pages[reverse("admin:{}_{}_add".format(*info))] = ""
        first = model._default_manager.first()
        if first is not None:
            pages[reverse("admin:{}_{}_change".format(*info), args=[first.pk])] = str(first)
    return pages


def russian_on_pages(client, pages: dict[str, str]) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The Russian words each page shows in its titles, headings, labels and help texts."""
    russian: dict[str, list[str]] = {}
    for url, data in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 302, 403), url
        if response.status_code == 200:
            words = _russian_words(response.content.decode(), html.escape(data))
            if words:
                russian[url] = words
    return russian


def test_the_admin_in_english_has_no_russian_labels(admin_client, every_kind_of_row):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert russian_on_pages(admin_client, admin_pages()) == {}


def test_russian_admin_titles_read_well_whatever_the_models_gender(admin_client, payment):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = admin_client.get(reverse("admin:fees_auctionpayment_change", args=[payment.pk])).content.decode()
    assert "Просмотреть оплата" not in page and "Изменить оплата" not in page
    assert "Просмотр: оплата аукциона" in page or "Изменение: оплата аукциона" in page
    listing = admin_client.get("/admin/fees/auctionpayment/").content.decode()
    assert "Выберите оплата" not in listing
    assert "оплата аукциона</h1>" in listing  # "Выберите, что …: оплата аукциона", the name as it is


def test_uzbek_admin_titles_are_uzbek(admin_client, payment):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uz"
    listing = admin_client.get("/admin/fees/auctionpayment/").content.decode()
    title = re.search(r"<h1>(.*?)</h1>", listing, re.S).group(1)  # type: ignore[union-attr]
    assert not CYRILLIC.search(title), title
    assert "tanlang" in title
    # Django's Uzbek admin catalogue leaves these empty: they used to fall back to Russian.
    for russian in ("Начало", "Выполнить", "Показать счётчики", "Начните печатать"):
        assert russian not in listing
    assert "Bosh sahifa" in listing


def test_russian_delete_confirmation_reads_well(admin_client, listing):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = admin_client.get(reverse("admin:listings_listing_delete", args=[listing.pk])).content.decode()
    assert "Удалить: объявление «" in page
    assert "хотите удалить объявление" not in page
