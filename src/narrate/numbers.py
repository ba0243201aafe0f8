"""Numbers as a careful narrator reads them: cardinals, decimals, ordinals, years, digits, fractions,
Roman numerals. Pure functions over strings; num2words does the spelling.

Commas that num2words puts in long numbers are dropped (a voice pauses on them).
"""

from __future__ import annotations

import re

from num2words import num2words

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
LONG_DIGITS = 16  # a run of this many digits (or more) is a code, read digit by digit


def number_words(n: str | int | float, lang: str = "en", **kw: str) -> str:
    """A number in words, without the commas num2words puts in (a voice pauses on them)."""
    if isinstance(n, str):
        n = n.replace(",", "")
        n = float(n) if "." in n else int(n)
    try:
        return num2words(n, lang=lang, **kw).replace(",", "")
    except NotImplementedError:
        return num2words(n, lang="en", **kw).replace(",", "")
    except (OverflowError, ValueError):  # past what the language's speller reads (Spanish stops at 10**27)
        if not isinstance(n, int):
            raise
        return digit_words(n, lang)


def digit_words(n: int, lang: str) -> str:
    """A whole number digit by digit, in the language: how a number past every word for it is read out."""
    said = " ".join(num2words(int(d), lang=lang) for d in str(abs(n)))
    if n >= 0:
        return said
    minus = num2words(-1, lang=lang).removesuffix(num2words(1, lang=lang)).strip()
    return f"{minus} {said}"


def digits(text: str, zero: str = "zero") -> str:
    """Each digit by name: '004' -> 'zero zero four'."""
    return " ".join(zero if d == "0" else DIGITS[int(d)] for d in text if d.isdigit())


def cardinal(text: str) -> str:
    """'1,234' -> 'one thousand two hundred and thirty-four'; '-0.25' -> 'minus zero point two five';
    '007' and very long runs digit by digit."""
    grouped = "," in text  # written with thousands separators: a number, however long
    text = text.replace(",", "").replace("−", "-")
    if text.startswith(("-", "+")):
        return ("minus " if text[0] == "-" else "plus ") + cardinal(text[1:])
    whole, dot, frac = text.partition(".")
    if dot:
        head = cardinal(whole) + " " if whole else ""
        return f"{head}point {digits(frac)}".strip()
    if len(whole) > 1 and whole.startswith("0") or (len(whole) >= LONG_DIGITS and not grouped):
        return digits(whole)
    return number_words(int(whole))


def ordinal(text: str) -> str:
    """'1,000' -> 'one thousandth'."""
    return number_words(int(text.replace(",", "")), to="ordinal")


def year(text: str | int) -> str:
    """'1984' -> 'nineteen eighty-four', '2006' -> 'two thousand and six', '1506' -> 'fifteen oh-six'."""
    n = int(text)
    if n < 1000 or n >= 10000:
        return number_words(n)
    return number_words(n, to="year")


def plural_of(word: str) -> str:
    """'eighty' -> 'eighties', 'ten' -> 'tens', 'six' -> 'sixes'."""
    if word.endswith("y"):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("x", "s")) else "s")


def decade(text: str) -> str:
    """'1980' -> 'nineteen eighties', '80' -> 'eighties', '2000' -> 'two thousands'."""
    n = int(text)
    said = number_words(n) if n < 100 else year(n)
    return plural_of(said)


def fraction(num: int, den: int) -> str:
    """'one half', 'three quarters', 'two thirds', 'thirty-one thirty-seconds', 'five over one'."""
    if den == 1:
        return f"{number_words(num)} over one"
    if den == 2:
        name = "half" if num == 1 else "halves"
    elif den == 4:
        name = "quarter" if num == 1 else "quarters"
    else:
        name = number_words(den, to="ordinal") + ("" if num == 1 else "s")
    return f"{number_words(num)} {name}"


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")


def roman(text: str) -> int | None:
    """The value of a well-formed Roman numeral ('XIV' -> 14), else None."""
    if not text or not ROMAN.fullmatch(text):
        return None
    total = 0
    for a, b in zip(text, text[1:] + " "):
        v = _ROMAN[a]
        total += -v if b != " " and _ROMAN[b] > v else v
    return total or None
