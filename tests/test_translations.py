"""Every string is translated into Uzbek and English, and the committed .mo files match the .po files.

locale_upstream/ (Uzbek for Django's and installed apps' strings that their uz catalogues leave
empty; tests/test_upstream_uzbek.py) is held to the same rules."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale"
LOCALE_UPSTREAM = Path(__file__).resolve().parent.parent / "locale_upstream"
LANGUAGES = ("ru", "uz", "en")
UPSTREAM_DOMAINS = ("django", "djangojs")


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def po_entries(path: Path) -> list[dict]:
    """A small .po reader: msgctxt (None without one), msgid, msgid_plural, msgstr / msgstr[n], flags."""
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
            elif match := re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line):
                key = match.group(1)
                parts[key] = [match.group(2)]
            elif line.startswith('"') and key:
                parts[key].append(line)
        if "msgid" not in parts:
            continue
        entry["msgctxt"] = _unquote(parts["msgctxt"]) if "msgctxt" in parts else None
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


def mo_key(entry: dict) -> str:
    """The key gettext files a message under: "context\x04msgid" for a message with a context."""
    return f"{entry['msgctxt']}\x04{entry['msgid']}" if entry["msgctxt"] is not None else entry["msgid"]


def assert_mo_matches_po(folder: Path, domain: str = "django") -> None:
    with (folder / f"{domain}.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    compiled = catalog._catalog  # type: ignore[attr-defined]
    stale = []
    entries = po_entries(folder / f"{domain}.po")
    for entry in entries:
        if not entry["msgid"] or "fuzzy" in entry["flags"]:
            continue
        if entry["msgid_plural"] is None:
            if entry["msgstr"][0] and compiled.get(mo_key(entry)) != entry["msgstr"][0]:
                stale.append(entry["msgid"])
        else:
            for index, text in entry["msgstr"].items():
                if text and compiled.get((mo_key(entry), index)) != text:
                    stale.append(entry["msgid"])
    expected = {mo_key(e) for e in entries if e["msgid"] and any(e["msgstr"].values())}
    in_mo = {key if isinstance(key, str) else key[0] for key in compiled} - {""}
    assert not stale, f"{folder}: .mo is out of date for {stale[:5]}"
    assert in_mo == expected, f"{folder}: .mo has other messages than the .po: {sorted(in_mo ^ expected)[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_mo_is_compiled_from_the_current_po(language):
    """Run `python manage.py compilemessages` after editing a .po file."""
    assert_mo_matches_po(LOCALE / language / "LC_MESSAGES")


# --- locale_upstream: Uzbek for Django's and the installed apps' own strings -----------------


@pytest.mark.parametrize("domain", UPSTREAM_DOMAINS)
def test_upstream_catalogue_is_complete_and_nothing_is_fuzzy(domain):
    path = LOCALE_UPSTREAM / "uz" / "LC_MESSAGES" / f"{domain}.po"
    entries = [e for e in po_entries(path) if e["msgid"]]
    assert len(entries) > 30
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    assert not fuzzy, f"fuzzy in {path}: {fuzzy[:10]}"
    assert not untranslated, f"untranslated in {path}: {untranslated[:10]}"
    # Django's Uzbek plural rule: one form; a plural message has exactly msgstr[0].
    assert all(sorted(e["msgstr"]) == [0] for e in entries)
    assert "Plural-Forms: nplurals=1; plural=0;" in path.read_text(encoding="utf-8")


def _placeholders(text: str) -> list[str]:
    """%(name)s, %s, %d, %r and {name} / {} / {name:X}, each as often as it is used."""
    return sorted(re.findall(r"%\(\w+\)[sdr]|%[sdr]|\{[^{}]*\}", text))


@pytest.mark.parametrize("domain", UPSTREAM_DOMAINS)
def test_upstream_placeholders_survive_translation(domain):
    for entry in po_entries(LOCALE_UPSTREAM / "uz" / "LC_MESSAGES" / f"{domain}.po"):
        if not entry["msgid"]:
            continue
        # The one Uzbek form stands for the plural too ("a second from now" has no number, its plural has).
        wanted = _placeholders(entry["msgid_plural"] or entry["msgid"])
        for text in entry["msgstr"].values():
            assert _placeholders(text) == wanted, entry["msgid"]


@pytest.mark.parametrize("domain", UPSTREAM_DOMAINS)
def test_upstream_mo_is_compiled_from_the_current_po(domain):
    """Run `python manage.py compilemessages` after editing a .po file."""
    assert_mo_matches_po(LOCALE_UPSTREAM / "uz" / "LC_MESSAGES", domain)


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
