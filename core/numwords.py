"""Amounts in Russian words, for the bid form's typo guard: 850000000 -> "восемьсот пятьдесят миллионов"."""

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


def amount_in_words(value: int) -> str:
    """Whole numbers up to 999 999 999 999, in Russian; "ноль" for 0."""
    n = int(value)
    if n == 0:
        return "ноль"
    if n < 0 or n >= 10**12:
        return str(n)
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
