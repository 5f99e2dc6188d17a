"""Every string is translated into Uzbek and English, and the committed .mo files match the .po files."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("ru", "uz", "en")


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def po_entries(path: Path) -> list[dict]:
    """A small .po reader: msgid, msgid_plural, msgstr / msgstr[n], flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set(), "msgstr": {}}
        key = None
        parts: dict[str, list[str]] = {}
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := re.match(r"^(msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line):
                key = match.group(1)
                parts[key] = [match.group(2)]
            elif line.startswith('"') and key:
                parts[key].append(line)
        if "msgid" not in parts:
            continue
        entry["msgid"] = _unquote(parts["msgid"])
        entry["msgid_plural"] = _unquote(parts["msgid_plural"]) if "msgid_plural" in parts else None
        for name, value in parts.items():
            if name.startswith("msgstr"):
                index = int(name[7:-1]) if "[" in name else 0
                entry["msgstr"][index] = _unquote(value)
        entries.append(entry)
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_po_and_mo_exist(language):
    assert (LOCALE / language / "LC_MESSAGES" / "django.po").is_file()
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").is_file()


@pytest.mark.parametrize("language", ["uz", "en"])
def test_every_string_is_translated_and_nothing_is_fuzzy(language):
    entries = po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in entries if e["msgid"] and not all(e["msgstr"].values())]
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:10]}"
    assert not untranslated, f"untranslated in {language}: {untranslated[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    for entry in po_entries(LOCALE / language / "LC_MESSAGES" / "django.po"):
        wanted = set(re.findall(r"%\(\w+\)\w", entry["msgid"]))
        for text in entry["msgstr"].values():
            if text:
                assert set(re.findall(r"%\(\w+\)\w", text)) == wanted, entry["msgid"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_mo_is_compiled_from_the_current_po(language):
    """Run `python manage.py compilemessages` after editing a .po file."""
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    compiled = catalog._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in po_entries(folder / "django.po"):
        if not entry["msgid"] or "fuzzy" in entry["flags"]:
            continue
        if entry["msgid_plural"] is None:
            if entry["msgstr"][0] and compiled.get(entry["msgid"]) != entry["msgstr"][0]:
                stale.append(entry["msgid"])
        else:
            for index, text in entry["msgstr"].items():
                if text and compiled.get((entry["msgid"], index)) != text:
                    stale.append(entry["msgid"])
    expected = {e["msgid"] for e in po_entries(folder / "django.po") if e["msgid"] and any(e["msgstr"].values())}
    in_mo = {key if isinstance(key, str) else key[0] for key in compiled} - {""}
    assert not stale, f"{language}: .mo is out of date for {stale[:5]}"
    assert in_mo == expected, f"{language}: .mo has other messages than the .po: {sorted(in_mo ^ expected)[:5]}"


def test_russian_plurals():
    with translation.override("ru"):
        from django.utils.translation import ngettext

        assert ngettext("%(n)s объявление", "%(n)s объявлений", 3) % {"n": 3} == "3 объявления"
        assert ngettext("%(n)s объявление", "%(n)s объявлений", 11) % {"n": 11} == "11 объявлений"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("ru", "Найти квартиру", "Find an apartment"),
        ("uz", "Kvartira topish", "Найти квартиру"),
        ("en", "Find an apartment", "Найти квартиру"),
    ],
)
def test_pages_speak_the_chosen_language(language, expected, absent, listing):
    client = Client()
    client.cookies["django_language"] = language
    for url in ("/", "/listings/", listing.get_absolute_url(), "/login/phone/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Language"] == language
    home = client.get("/").content.decode()
    assert expected in home and absent not in home
    detail = client.get(listing.get_absolute_url()).content.decode()
    district = {"ru": "Юнусабадский район", "uz": "Yunusobod tumani", "en": "Yunusabad district"}[language]
    assert district in detail


@pytest.mark.django_db
def test_amounts_are_formatted_the_local_way(listing):
    page = Client().get(listing.get_absolute_url()).content.decode()
    assert "850\u00a0000\u00a0000\u00a0сум" in page


@pytest.mark.parametrize(
    ("language", "expected"), [("uz", "2 soat, 59 daqiqa"), ("ru", "2 часа, 59 минут"), ("en", "2 hours, 59 minutes")]
)
def test_durations_have_a_space_after_the_comma(language, expected):
    """Django's Uzbek catalogue joins with a bare "," ("2 soat,59 daqiqa"); ours adds the space (issue 14, 9)."""
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.timesince import timeuntil

    now = timezone.now()
    with translation.override(language):
        text = timeuntil(now + timedelta(hours=2, minutes=59, seconds=30), now)
        assert text.replace("\xa0", " ") == expected
