"""Text processing before any engine sees a word: sentences, pronunciations, normalisation.

All pure functions. Normalisation turns what a voice would misread (4,350km,
US$12,000, 3:30am, 2½, Mr.) into words, so every engine says the same thing and
the cache key is the text actually spoken. The rules are written for English;
for other languages only plain numbers are spelled out (by num2words).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from num2words import num2words

# --- sentences ------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _segmenter(lang: str):  # type: ignore[no-untyped-def]
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    return pysbd.Segmenter(language=lang if lang in LANGUAGE_CODES else "en", clean=False)


def split_sentences(text: str, lang: str = "en") -> list[tuple[int, str]]:
    """Split text into sentences, each with its character offset in ``text``."""
    out: list[tuple[int, str]] = []
    pos = 0
    # pysbd ends a sentence at every newline; a soft line break is not one.
    # Spaces keep the length, so offsets still point into the original lines.
    text = text.replace("\n", " ")
    for seg in _segmenter(lang.split("-")[0].lower()).segment(text):
        piece = seg.strip()
        if not piece:
            continue
        start = text.find(piece, pos)
        if start < 0:  # pysbd altered the text; fall back to the running position
            start = pos
        out.append((start, " ".join(piece.split())))
        pos = start + len(piece)
    return out


# --- pronunciations -------------------------------------------------------


def apply_pronunciations(text: str, lexicon: Iterable[tuple[str, str]]) -> str:
    """Replace whole-word occurrences of each name with how it should be said.

    Longer names go first, so 'Ji Seong-ho' wins over 'Ji'; matching is
    case-sensitive, as names are.
    """
    pairs = sorted(lexicon, key=lambda p: -len(p[0]))
    if not pairs:
        return text
    pattern = re.compile(
        "|".join(rf"(?<![\w-]){re.escape(name)}(?![\w-])" for name, _ in pairs)
    )
    table = dict(pairs)
    return pattern.sub(lambda m: table[m.group(0)], text)


# --- normalisation --------------------------------------------------------

_FRACTIONS = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4),
    "⅕": (1, 5), "⅖": (2, 5), "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6),
    "⅚": (5, 6), "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8), "⅞": (7, 8),
}

# unit -> (singular, plural)
_UNITS = {
    "km": ("kilometre", "kilometres"), "kms": ("kilometre", "kilometres"),
    "m": ("metre", "metres"), "cm": ("centimetre", "centimetres"),
    "mm": ("millimetre", "millimetres"), "mi": ("mile", "miles"),
    "ft": ("foot", "feet"), "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"),
    "h": ("hour", "hours"), "hr": ("hour", "hours"), "hrs": ("hour", "hours"),
    "min": ("minute", "minutes"), "mins": ("minute", "minutes"),
    "sec": ("second", "seconds"), "secs": ("second", "seconds"),
    "km/h": ("kilometre an hour", "kilometres an hour"), "kph": ("kilometre an hour", "kilometres an hour"),
    "mph": ("mile an hour", "miles an hour"), "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"), "%": ("percent", "percent"),
}

# symbol -> (singular, plural); the prefix (US, A, HK...) is read as letters before the unit
_CURRENCIES = {"$": ("dollar", "dollars"), "€": ("euro", "euros"), "£": ("pound", "pounds"), "¥": ("yen", "yen")}
_CURRENCY_PREFIXES = {"US": "US", "A": "Australian", "C": "Canadian", "NZ": "New Zealand", "HK": "Hong Kong", "S": "Singapore"}
_SCALES = ("thousand", "million", "billion", "trillion")

_ABBREVIATIONS = {
    "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Dr.": "Doctor", "Prof.": "Professor",
    "St.": "Saint", "Mt.": "Mount", "Jr.": "Junior", "Sr.": "Senior", "Gen.": "General",
    "Capt.": "Captain", "Lt.": "Lieutenant", "Sgt.": "Sergeant", "Col.": "Colonel",
    "Gov.": "Governor", "Sen.": "Senator", "Rep.": "Representative", "Ave.": "Avenue",
    "Rd.": "Road", "e.g.": "for example", "i.e.": "that is", "etc.": "et cetera",
    "vs.": "versus", "approx.": "approximately", "incl.": "including", "dept.": "department",
}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def number_words(n: str | int | float, lang: str = "en", **kw: str) -> str:
    """A number in words, without the commas num2words puts in (a voice pauses on them)."""
    if isinstance(n, str):
        n = n.replace(",", "")
        n = float(n) if "." in n else int(n)
    try:
        return num2words(n, lang=lang, **kw).replace(",", "")
    except NotImplementedError:
        return num2words(n, lang="en", **kw).replace(",", "")


def _plural(n: str) -> bool:
    return n.replace(",", "") not in ("1", "1.0")


def _money(m: re.Match[str]) -> str:
    prefix, symbol, amount, scale = m.group("prefix"), m.group("sym"), m.group("amt"), m.group("scale")
    one, many = _CURRENCIES[symbol]
    unit = many if (scale or _plural(amount)) else one
    if prefix:
        unit = f"{_CURRENCY_PREFIXES[prefix]} {unit}"
    whole, _, cents = amount.replace(",", "").partition(".")
    spoken = number_words(whole)
    if scale:
        if cents:
            spoken = number_words(amount)
        return f"{spoken} {scale} {unit}"
    if cents and int(cents.ljust(2, "0")[:2]):
        c = int(cents.ljust(2, "0")[:2])
        sub = "cent" if c == 1 else "cents"
        return f"{spoken} {unit} and {number_words(c)} {sub}"
    return f"{spoken} {unit}"


def _time(m: re.Match[str]) -> str:
    hour, minute, suffix = int(m.group("h")), int(m.group("m")), m.group("ampm")
    if hour > 24 or minute > 59:
        return m.group(0)
    if minute == 0:
        said = f"{number_words(hour)}" + ("" if suffix else " hundred" if hour > 12 or hour == 0 else " o'clock")
    elif minute < 10:
        said = f"{number_words(hour)} oh {number_words(minute)}"
    else:
        said = f"{number_words(hour)} {number_words(minute)}"
    if suffix:
        said += " a m" if suffix.lower().startswith("a") else " p m"
        if suffix.endswith(".") and m.end() == len(m.string):
            said += "."  # 'a.m.' ending a sentence also ends the sentence
    return said


def _hour(m: re.Match[str]) -> str:
    suffix = m.group("ampm")
    said = f"{number_words(int(m.group('h')))} {'a m' if suffix.lower().startswith('a') else 'p m'}"
    return said + "." if suffix.endswith(".") and m.end() == len(m.string) else said


def _fraction_words(num: int, den: int) -> str:
    if den == 2:
        name = "half" if num == 1 else "halves"
    elif den == 4:
        name = "quarter" if num == 1 else "quarters"
    else:
        name = number_words(den, to="ordinal") + ("" if num == 1 else "s")
    return f"{'a' if num == 1 else number_words(num)} {name}"


def _vulgar(m: re.Match[str]) -> str:
    whole, frac = m.group("whole"), m.group("frac")
    num, den = _FRACTIONS[frac]
    words = _fraction_words(num, den)
    if whole:
        return f"{number_words(whole)} and {words}"
    return words if num != 1 else words.replace("a ", "one ", 1)


def _decade(m: re.Match[str]) -> str:
    year = number_words(m.group("y"), to="year")
    return year[:-1] + "ies" if year.endswith("y") else year + "s"


def _unit(m: re.Match[str]) -> str:
    n, unit = m.group("n"), m.group("unit")
    one, many = _UNITS.get(unit, _UNITS.get(unit.lower(), (unit, unit)))
    return f"{number_words(n)} {many if _plural(n) else one}"


_RULES: list[tuple[re.Pattern[str], object]] = [
    (re.compile(r"[‐‑‒–—―]"), lambda m: ", " if m.group(0) in "—―" else m.group(0)),
    (re.compile(r"(?<!\w)(?P<prefix>US|NZ|HK|A|C|S)?(?P<sym>[$€£¥])\s?(?P<amt>" + _NUM + r")(?:\s?(?P<scale>" + "|".join(_SCALES) + r"))?\b"), _money),
    (re.compile(r"\b(?P<h>\d{1,2}):(?P<m>\d{2})(?:\s?(?P<ampm>[ap]\.?m\.?(?![a-z])))?", re.IGNORECASE), _time),
    (re.compile(r"\b(?P<h>1[0-2]|0?[1-9])\s?(?P<ampm>[ap]\.?m\.?)(?![a-z])", re.IGNORECASE), _hour),
    (re.compile(r"~\s?(?=\d)"), lambda m: "about "),
    (re.compile(r"(?P<whole>\d+)?(?P<frac>[" + "".join(_FRACTIONS) + r"])"), _vulgar),
    (re.compile(r"\b(?P<y>1[1-9]\d\d|20\d\d)s\b"), _decade),
    (re.compile(r"(?P<n>" + _NUM + r")\s?(?P<unit>km/h|°C|°F|%|" + "|".join(sorted((u for u in _UNITS if u[0].isalpha()), key=len, reverse=True)) + r")(?![\w/])"), _unit),
    (re.compile(r"\b(?P<num>\d+)/(?P<den>\d+)\b"), lambda m: _fraction_words(int(m.group("num")), int(m.group("den")))),
    (re.compile(r"\b(?P<n>\d+)(?:st|nd|rd|th)\b"), lambda m: number_words(m.group("n"), to="ordinal")),
    (re.compile(r"(?<![\d,.])(?P<y>1[1-9]\d\d|20\d\d)(?!\d|[,.]\d)"), lambda m: number_words(m.group("y"), to="year")),
    (re.compile(r"(?<![\w.])No\.\s?(?=\d)"), lambda m: "number "),
    (re.compile(r"(?P<n>" + _NUM + r")"), lambda m: number_words(m.group("n"))),
    (re.compile(r"\s&\s"), lambda m: " and "),
]

_ABBREV = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True)) + r")(?=\s|$|[,;:!?)])"
)


def normalise(text: str, lang: str = "en") -> str:
    """Turn numbers, money, times, units, fractions and abbreviations into words."""
    text = " ".join(text.split())
    if not lang.lower().startswith("en"):
        return re.sub(_NUM, lambda m: number_words(m.group(0), lang=lang.split("-")[0].lower()), text)
    # 'etc.' at the end of a sentence keeps its full stop.
    text = _ABBREV.sub(lambda m: _ABBREVIATIONS[m.group(1)], text)
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)  # type: ignore[arg-type]
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    return " ".join(text.split()).strip(" ,")


def prepare(text: str, lexicon: Iterable[tuple[str, str]], lang: str) -> str:
    """What an engine is given: pronunciations applied, then normalised."""
    return normalise(apply_pronunciations(text, lexicon), lang)


# --- names a voice may mangle ---------------------------------------------

# Letter patterns rare in English spelling but common in romanised Korean,
# Chinese, Vietnamese, Thai and Lao names, which an English voice guesses at.
_FOREIGN = re.compile(
    r"eo|eu|ae(?!l)|yeo|yu|^hy|^ng|^ny|^kh|^zh|^x|q(?!u)|^dz|^tz|^ts|[^\x00-\x7f]|-[a-z]",
    re.IGNORECASE,
)
# Names English voices already know, though their spelling looks foreign.
_FAMILIAR = {"Seoul", "Europe", "European", "Eugene", "Beijing", "Tokyo", "Hanoi", "Laos", "Beyond"}
_CAPITALISED = re.compile(r"(?<![\w'’-])([A-Z][\w’'-]*[\w])")


def mangle_prone_names(text: str, known: Iterable[str]) -> list[str]:
    """Capitalised words with spellings an English voice may say wrongly, not in ``known``.

    A sentence's first word is skipped: it is capitalised anyway, and far more
    often an ordinary word ('Someone') than a name, which recurs mid-sentence.
    """
    covered = set()
    for name in known:
        covered.add(name)
        covered.update(re.split(r"[\s]+", name))
    found: list[str] = []
    for m in _CAPITALISED.finditer(text):
        word = m.group(1)
        if not text[: m.start()].strip(" \"'“‘(—-"):
            continue
        if word in covered or word in found or word in _FAMILIAR:
            continue
        if _FOREIGN.search(word):
            found.append(word)
    return found
