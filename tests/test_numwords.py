"""Amounts in words (the bid form's typo guard) in the three site languages; the
browser's copy (static/js/numwords.js) must say exactly what the server says."""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from core.numwords import amount_in_words

JS = Path(__file__).resolve().parent.parent / "static" / "js" / "numwords.js"


@pytest.mark.parametrize(
    ("value", "language", "words"),
    [
        (850_000_000, "ru", "восемьсот пятьдесят миллионов"),
        (2_001_000, "ru", "два миллиона одна тысяча"),
        (850_000_000, "en", "eight hundred fifty million"),
        (1_234_567, "en", "one million two hundred thirty-four thousand five hundred sixty-seven"),
        (850_000_000, "uz", "sakkiz yuz ellik million"),
        (50_000, "uz", "ellik ming"),
        (0, "en", "zero"),
    ],
)
def test_amounts_in_words(value, language, words):
    assert amount_in_words(value, language) == words


def test_the_active_language_is_the_default():
    from django.utils import translation

    with translation.override("en"):
        assert amount_in_words(15) == "fifteen"
    with translation.override("uz"):
        assert amount_in_words(15) == "o‘n besh"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_browser_says_what_the_server_says():
    rng = random.Random(2026)
    values = [0, 1, 10, 11, 19, 20, 21, 100, 101, 111, 1000, 1001, 2000, 21000, 10**6, 10**9, 10**12 - 1]
    values += [rng.randrange(10**12) for _ in range(200)]
    script = (
        "globalThis.window = globalThis; globalThis.document = {documentElement: {lang: 'ru'}};"
        + JS.read_text()
        + f"const values = {json.dumps(values)};"
        + "console.log(JSON.stringify(['ru','uz','en'].map(l => values.map(v => window.kbAmountInWords(v, l)))));"
    )
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=30)  # noqa: S603, S607
    browser = json.loads(result.stdout)
    for language, words in zip(["ru", "uz", "en"], browser, strict=True):
        assert words == [amount_in_words(v, language) for v in values], language
