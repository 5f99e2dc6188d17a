"""Amounts in words, for the bid form's typo guard: 850000000 -> "восемьсот пятьдесят миллионов".

Russian, Uzbek (Latin) and English, by the active language; static/js/numwords.js mirrors it.
"""

from collections.abc import Callable

from django.utils import translation

_UNITS_M = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_UNITS_F = ["", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"]
_HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"]
# (one, two-four, five+), feminine?
_SCALES = [
    (("", "", ""), False),
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
    (("миллиард", "миллиарда", "миллиардов"), False),
]


def _plural(n: int, forms: tuple[str, str, str]) -> str:
    if n % 100 in range(11, 20):
        return forms[2]
    if n % 10 == 1:
        return forms[0]
    if n % 10 in (2, 3, 4):
        return forms[1]
    return forms[2]


def _triple(n: int, feminine: bool) -> list[str]:
    words = [_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest < 20:
        words.append(_TEENS[rest - 10])
    else:
        words.append(_TENS[rest // 10])
        words.append((_UNITS_F if feminine else _UNITS_M)[rest % 10])
    return [w for w in words if w]


def _russian(n: int) -> str:
    parts: list[str] = []
    for scale in range(len(_SCALES) - 1, -1, -1):
        chunk = n // 1000**scale % 1000
        if not chunk:
            continue
        forms, feminine = _SCALES[scale]
        parts += _triple(chunk, feminine)
        if scale:
            parts.append(_plural(chunk, forms))
    return " ".join(parts)


_EN_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_SCALES = ["", "thousand", "million", "billion"]

_UZ_UNITS = ["", "bir", "ikki", "uch", "to‘rt", "besh", "olti", "yetti", "sakkiz", "to‘qqiz"]
_UZ_TENS = ["", "o‘n", "yigirma", "o‘ttiz", "qirq", "ellik", "oltmish", "yetmish", "sakson", "to‘qson"]
_UZ_SCALES = ["", "ming", "million", "milliard"]


def _english_triple(n: int) -> list[str]:
    words = [_EN_UNITS[n // 100], "hundred"] if n >= 100 else []
    rest = n % 100
    if 10 <= rest < 20:
        words.append(_EN_TEENS[rest - 10])
    elif rest:
        tens, units = _EN_TENS[rest // 10], _EN_UNITS[rest % 10]
        words.append(f"{tens}-{units}" if tens and units else tens or units)
    return words


def _uzbek_triple(n: int) -> list[str]:
    words = [_UZ_UNITS[n // 100], "yuz"] if n >= 100 else []
    rest = n % 100
    return [*words, *(w for w in (_UZ_TENS[rest // 10], _UZ_UNITS[rest % 10]) if w)]


def _by_scales(n: int, triple: Callable[[int], list[str]], scales: list[str]) -> str:
    parts: list[str] = []
    for scale in range(len(scales) - 1, -1, -1):
        chunk = n // 1000**scale % 1000
        if chunk:
            parts += triple(chunk)
            if scale:
                parts.append(scales[scale])
    return " ".join(parts)


_ZERO = {"ru": "ноль", "uz": "nol", "en": "zero"}


def amount_in_words(value: int, language: str | None = None) -> str:
    """Whole numbers up to 999 999 999 999 in words, in `language` (default: the active one)."""
    language = (language or translation.get_language() or "ru")[:2]
    n = int(value)
    if n < 0 or n >= 10**12:
        return str(n)
    if n == 0:
        return _ZERO.get(language, _ZERO["ru"])
    if language == "en":
        return _by_scales(n, _english_triple, _EN_SCALES)
    if language == "uz":
        return _by_scales(n, _uzbek_triple, _UZ_SCALES)
    return _russian(n)
