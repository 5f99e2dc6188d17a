"""Counts next to nouns say the right plural form (ru: 1 / 2 / 5 / 11 / 21; en: 1 / other),
and a flat's room count is written one way per language on every card."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import ngettext

from core.formatting import plural_en, plural_ru
from listings.words import rooms_label

COUNTS = (1, 2, 5, 11, 21, 22, 111)


def _forms(language: str, singular: str, plural: str) -> list[str]:
    with translation.override(language):
        return [ngettext(singular, plural, n) % {"n": n} for n in COUNTS]


def test_bid_counts():
    assert _forms("ru", "%(n)s ставка", "%(n)s ставок") == [
        "1 ставка", "2 ставки", "5 ставок", "11 ставок", "21 ставка", "22 ставки", "111 ставок",
    ]  # fmt: skip
    assert _forms("en", "%(n)s ставка", "%(n)s ставок")[:3] == ["1 bid", "2 bids", "5 bids"]


def test_extension_counts():
    singular = "Продлён %(n)s раз: ставки в последние минуты переносят окончание."
    plural = "Продлён %(n)s раза: ставки в последние минуты переносят окончание."
    said = [text.split(":")[0] for text in _forms("ru", singular, plural)]
    assert said == [
        "Продлён 1 раз", "Продлён 2 раза", "Продлён 5 раз", "Продлён 11 раз",
        "Продлён 21 раз", "Продлён 22 раза", "Продлён 111 раз",
    ]  # fmt: skip
    english = [text.split(":")[0] for text in _forms("en", singular, plural)]
    assert english[:2] == ["Extended 1 time", "Extended 2 times"]


def test_published_listing_counts():
    forms = _forms("ru", "Опубликовано %(n)s объявление.", "Опубликовано %(n)s объявлений.")
    assert forms[:5] == [
        "Опубликовано 1 объявление.", "Опубликовано 2 объявления.", "Опубликовано 5 объявлений.",
        "Опубликовано 11 объявлений.", "Опубликовано 21 объявление.",
    ]  # fmt: skip
    assert _forms("en", "Опубликовано %(n)s объявление.", "Опубликовано %(n)s объявлений.")[:2] == [
        "Published 1 listing.",
        "Published 2 listings.",
    ]


def test_photo_counts():
    assert _forms("ru", "%(n)s фото", "%(n)s фото")[:3] == ["1 фото", "2 фото", "5 фото"]
    assert _forms("en", "%(n)s фото", "%(n)s фото")[:2] == ["1 photo", "2 photos"]
    assert _forms("uz", "%(n)s фото", "%(n)s фото")[:2] == ["1 ta rasm", "2 ta rasm"]


def test_operator_texts_count_in_russian_and_english():
    assert [plural_ru(n, "попытка", "попытки", "попыток") for n in COUNTS] == [
        "1 попытка", "2 попытки", "5 попыток", "11 попыток", "21 попытка", "22 попытки", "111 попыток",
    ]  # fmt: skip
    assert [plural_ru(n, "попытка", "попытки", "попыток") for n in (12, 14, 0)] == [
        "12 попыток", "14 попыток", "0 попыток",
    ]  # fmt: skip
    assert [plural_en(n, "attempt", "attempts") for n in (1, 2, 0)] == ["1 attempt", "2 attempts", "0 attempts"]


@pytest.mark.parametrize(
    ("language", "two", "studio"),
    [("ru", "2-комнатная", "Студия"), ("uz", "2 xonali", "Studiya"), ("en", "2-room", "Studio")],
)
def test_one_room_wording_per_language(language, two, studio):
    with translation.override(language):
        assert rooms_label(2) == two
        assert rooms_label(0) == studio
        assert rooms_label(5) == two.replace("2", "5")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "two", "others"),
    [
        ("ru", "2-комнатная", ("2-комн.",)),
        ("uz", "2 xonali", ("2-xona", "2 xona ")),
        ("en", "2-room", ("2-rm",)),
    ],
)
def test_cards_say_the_room_count_the_same_way(language, two, others, paid_auction):
    listing = paid_auction.listing
    listing.rooms = 2
    paid_auction.bid_count = 21
    with translation.override(language):
        cards = [
            render_to_string("includes/listing_card.html", {"listing": listing}),
            render_to_string("includes/auction_card.html", {"auction": paid_auction}),
        ]
    for card in cards:
        assert two in card
        for other in others:
            assert other not in card
    if language == "ru":
        assert "21 ставка" in cards[1]
    if language == "en":
        assert "21 bids" in cards[1]


def test_the_doctors_summary_counts_in_both_languages():
    from fees.doctor_report import _summary

    assert _summary("ru", 1, 0) == "Итог: 1 ошибка, 0 предупреждений."
    assert _summary("ru", 2, 21) == "Итог: 2 ошибки, 21 предупреждение."
    assert _summary("ru", 5, 3) == "Итог: 5 ошибок, 3 предупреждения."
    assert _summary("en", 1, 2) == "Summary: 1 error, 2 warnings."


def test_listing_counts():
    assert _forms("ru", "%(n)s объявление", "%(n)s объявлений")[:5] == [
        "1 объявление", "2 объявления", "5 объявлений", "11 объявлений", "21 объявление",
    ]  # fmt: skip
    assert _forms("en", "%(n)s объявление", "%(n)s объявлений")[:2] == ["1 listing", "2 listings"]


def test_home_counts():
    with translation.override("ru"):
        said = [ngettext("торг идёт сейчас", "торгов идёт сейчас", n) for n in (1, 2, 5, 11, 21)]
    assert said == [
        "торг идёт сейчас", "торга идут сейчас", "торгов идут сейчас", "торгов идут сейчас", "торг идёт сейчас",
    ]  # fmt: skip
