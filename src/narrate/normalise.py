"""English text normalisation: everything a voice would misread, written out as a narrator says it.

Rules run in order over the sentence, each turning one kind of written form into
words, so a later rule never sees the digits of an earlier one: telephone numbers,
dates, money, times, ranges, measures, fractions, ordinals, Roman numerals, codes,
then plain numbers. Whatever is left with a digit is read digit by digit, so no
digit ever reaches the voice. Pure and fast (well under a millisecond a sentence);
BENCHMARKS.md says why narrate keeps its own rules rather than NeMo's grammars.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from narrate.addresses import EMAIL, URL, read_url, spell_address
from narrate.dates import DAY, MONTH, MONTHS, YEAR, day_month, month_day, numeric_date
from narrate.localised import read_in
from narrate.phrases import phrases, primary
from narrate.numbers import cardinal, decade, digits, fraction, number_words, ordinal, roman, year
from narrate.units import CURRENCIES, CURRENCY_CODES, CURRENCY_PREFIXES, PER, SCALES, UNIT_PATTERN, unit_words

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


@dataclass(frozen=True)
class Reading:
    """The script's reading choices that normalisation follows (front matter 'links', 'tasks', 'emoji')."""

    links: str = "full"  # or 'domain'
    tasks: str = "say"  # or 'silent'
    emoji: str = "silent"  # or 'name'
    footnotes: str = "end-of-chapter"  # or 'inline' (a note read after its paragraph is introduced as 'Note:')
    images: str = "silent"  # or 'describe' (an image's alt text, a paragraph of its own, read as 'Image: ...')
    language: str = "en"  # the script's: narrate's own words ('Note:', 'Done.') are said in it

NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_AMPM = r"(?P<ampm>[ap]\.?\s?m\b\.?)"
_TZ = (r"(?:\s?(?P<tz>(?:e\.?s\.?t|e\.?d\.?t|p\.?s\.?t|p\.?d\.?t|c\.?s\.?t|c\.?e\.?t|g\.?m\.?t|u\.?t\.?c"
       r"|b\.?s\.?t)\b\.?))?")
_ABBREVIATIONS = {
    "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Dr.": "Doctor", "Prof.": "Professor", "Mt.": "Mount",
    "Jr.": "Junior", "Sr.": "Senior", "Gen.": "General", "Capt.": "Captain", "Lt.": "Lieutenant", "Sgt.": "Sergeant",
    "Col.": "Colonel", "Gov.": "Governor", "Sen.": "Senator", "Rep.": "Representative", "Ave.": "Avenue",
    "Rd.": "Road", "e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus",
    "approx.": "approximately", "incl.": "including", "dept.": "department",
}
_VULGAR = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅖": (2, 5), "⅗": (3, 5),
    "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8), "⅞": (7, 8),
}
_SPECIAL = {"24/7": "twenty-four seven", "9/11": "nine eleven", "24/7/365": "twenty-four seven, three sixty-five"}
_COUNTED = ("chapter", "part", "book", "volume", "vol.", "act", "scene", "section", "article", "war", "phase", "stage",
            "level", "episode", "season", "series", "appendix", "psalm", "canto", "round", "day", "week", "leg", "unit")
_TITLES = ("King", "Queen", "Pope", "Emperor", "Empress", "Tsar", "Czar", "Pharaoh", "Sultan", "Prince", "Princess",
           "Duke", "Lord", "Saint", "Louis", "Henry", "Edward", "George", "William", "Charles", "Elizabeth", "Richard")
_COUNT_NOUNS = ("people", "persons", "inhabitants", "residents", "users", "viewers", "listeners", "visitors",
                "tourists", "refugees", "migrants", "voters", "copies", "downloads", "subscribers", "households",
                "children", "years", "tonnes", "tons", "barrels", "dollars", "euros", "pounds", "won", "yen", "yuan")


def _money(m: re.Match[str]) -> str:
    sym = m.group("sym") or m.group("code") or m.group("code2")
    one, many, cent, cents = CURRENCIES[sym] if sym in CURRENCIES else CURRENCY_CODES[sym.upper()]
    prefix = m.group("prefix")
    if prefix:
        one, many = f"{CURRENCY_PREFIXES[prefix][0]} {one}", f"{CURRENCY_PREFIXES[prefix][0]} {many}"
        if CURRENCY_PREFIXES[prefix][1]:
            one, many = CURRENCY_PREFIXES[prefix][1]
    amount, scale, per = m.group("amt"), m.group("scale"), m.group("per")
    tail = f" per {PER[per.lstrip('/').lower()]}" if per else ""
    if scale:
        return f"{cardinal(amount)} {SCALES[scale.lower()]} {many}{tail}"
    whole, _, frac = amount.replace(",", "").partition(".")
    if len(frac) > 2:
        frac = frac.rstrip("0").ljust(2, "0") if len(frac.rstrip("0")) <= 2 else frac
    if frac and (len(frac) > 2 or not cent):
        return f"{cardinal(amount)} {many}{tail}"
    minor = int(frac.ljust(2, "0")) if frac else 0
    units = int(whole or "0")
    said = f"{number_words(units)} {one if units == 1 else many}" if units or not minor else ""
    if minor:
        small = f"{number_words(minor)} {cent if minor == 1 else cents}"
        said = f"{said} and {small}" if said else small
    return said + tail


def _time(m: re.Match[str]) -> str:
    h, mi, s, ampm, tz = int(m.group("h")), int(m.group("m")), m.group("s"), m.group("ampm"), m.group("tz")
    if h > 24 or mi > 59:
        return m.group(0)
    if s:
        sec = int(s)
        said = (f"{number_words(h)} hour{'s' * (h != 1)} {number_words(mi)} minute{'s' * (mi != 1)} "
                f"and {number_words(sec)} second{'s' * (sec != 1)}")
    elif mi == 0 and h in (0, 24) and not ampm:
        said = "midnight"
    elif mi == 0:
        said = number_words(h) + ("" if ampm else " o'clock" if 0 < h <= 12 else " hundred")
    else:
        said = f"{number_words(h)} {'oh ' if mi < 10 else ''}{number_words(mi)}"
    return said + _ampm(ampm, tz, m.end() == len(m.string))


def _ampm(ampm: str | None, tz: str | None, last: bool = False) -> str:
    """' AM' and ' PM' in capitals: the voice says 'ay em' for them, but the article for 'a m'.
    A full stop in 'a.m.' stays only where it also ends the sentence (``last``)."""
    out = f" {'AM' if ampm.lower().startswith('a') else 'PM'}" if ampm else ""
    if tz:
        out += " " + re.sub(r"[.\s]", "", tz).upper()
    return out + ("." if last and ampm and ampm.endswith(".") and not tz else "")


def _range(m: re.Match[str]) -> str:
    """' to ' between two numbers, unless the hyphen is one of several in a code ('1-413-te-b')."""
    before, after = m.string[: m.start()], m.string[m.end():]
    left = before.split()[-1] if before.strip() else ""
    if "-" in left.lstrip("-$€£¥") or re.search(r"[A-Za-z]", re.sub(r"(?i)(?:[ap]\.?m\.?|s)$", "", left)):
        return m.group(0)
    if re.match(r"[$€£¥₩]?[\d.,]+-\w", after):
        return m.group(0)
    return " and " if re.search(r"\bbetween\s$", before[: len(before) - len(left)], re.I) else " to "


def _units(m: re.Match[str]) -> str:
    n, whole, frac_n, frac_d, unit = m.group("n"), m.group("w"), m.group("fn"), m.group("fd"), m.group("unit")
    if frac_d:
        said = f"{number_words(int(whole))} and {_fraction(int(frac_n), int(frac_d), mixed=True)}"
        return (f"{cardinal(m.group('n0'))} to " if m.group("n0") else "") + f"{said} {unit_words(unit, plural=True)}"
    # 'a 12kg sack': a measure before a noun is an adjective, and singular
    adjective = re.search(r"\b[Aa]n?\s$", m.string[: m.start()]) and re.match(r"\s[a-z]", m.string[m.end():])
    plural = (n.replace(",", "") not in ("1", "1.0", "-1") or bool(m.group("sc"))) and not adjective
    said = cardinal(n) + (f" {m.group('sc')}" if m.group("sc") else "")
    if m.group("n0"):
        said = f"{cardinal(m.group('n0'))} to {said}"
    return f"{said} {unit_words(unit, plural)}"


def _fraction(num: int, den: int, mixed: bool = False) -> str:
    said = fraction(num, den)
    return said.replace("one ", "a ", 1) if mixed and num == 1 and den in (2, 4) else said


def _vulgar(m: re.Match[str]) -> str:
    num, den = _VULGAR[m.group("f")]
    if m.group("w"):
        return f"{number_words(int(m.group('w')))} and {_fraction(num, den, mixed=True)} "
    return fraction(num, den) + " "


def _roman_after(m: re.Match[str]) -> str:
    value = roman(m.group("r"))
    return m.group(0) if value is None else f"{m.group('w')} {number_words(value)}"


def _regnal(m: re.Match[str]) -> str:
    value = roman(m.group("r"))
    return m.group(0) if value is None else f"{m.group('w')} the {ordinal(str(value)).capitalize()}"


def _code(m: re.Match[str]) -> str:
    """A flight, serial or booking code: letters as letters, short numbers as numbers, long ones digit by digit."""
    out = []
    for part in re.findall(r"[A-Za-z]+|\d+", m.group(0)):
        if part.isdigit():
            if len(part) <= 2 and not (len(part) == 2 and part[0] == "0"):
                out.append(number_words(int(part)))
            elif part.rstrip("0") and len(part) - len(part.rstrip("0")) >= 2 and part[0] != "0":
                out.append(number_words(int(part)))  # a round number: 'two thousand'
            else:
                out.append(digits(part))
        elif part.isupper() and len(part) <= 3:
            out.append(" ".join(part))
        else:
            out.append(part)
    return " ".join(out)


def _phone(m: re.Match[str]) -> str:
    text = m.group(0)
    plus = "plus " if text.lstrip().startswith("+") else ""
    groups = re.findall(r"\d+", text)
    return plus + ", ".join(digits(g) for g in groups)


_SUBSCRIPT = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_POWERS = {"²": "squared", "³": "cubed"}


def _emoji(ch: str, reading: Reading) -> str:
    """An emoji's name, or nothing (its modifiers and joiners always nothing)."""
    if reading.emoji != "name" or unicodedata.category(ch) != "So":
        return " "
    return f" {unicodedata.name(ch, '').lower()} "


_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D\U0001F3FB-\U0001F3FF]")


def _rules(us: bool) -> list[Rule]:
    """Every rule, in the order they apply: what is read as a whole first (dates, money, times), then signs and
    measures, then what is left of numbers and codes."""
    return [*_whole_figures(us), *_signs_and_measures(), *_numbers_left()]


def _whole_figures(us: bool) -> list[Rule]:
    """Figures read as a whole: set phrases, telephone numbers, dates, ranges, decades, money, flights."""
    money = (r"(?<![\w$€£¥₩₹₽₺₫฿₱₦₪₴])(?:(?P<prefix>US|AU|A|CA|C|NZ|HK|S|NT|R|MX)(?=[$€£¥]))?"
             r"(?:(?P<sym>[$€£¥₩₹₽₺₫฿₱₦₪₴])|(?P<code>" + "|".join(CURRENCY_CODES) + r")\s)\s?"
             r"(?P<amt>" + NUM + r")(?:\s?(?P<scale>(?i:" + "|".join(SCALES) + r"))(?![A-Za-z]))?"
             r"(?P<per>/(?:" + "|".join(PER) + r")\b)?")
    return [
        (re.compile(r"(?<![\w/])(?:" + "|".join(re.escape(k) for k in _SPECIAL) + r")(?![\w/])"),
         lambda m: _SPECIAL[m.group(0)]),
        # telephone numbers and addresses of machines: digit by digit, in their groups
        (re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])"),
         lambda m: " dot ".join(digits(p) for p in m.group(0).split("."))),
        (re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s-]?)?(?:\(\d{3}\)[\s-]?|\d{3}[-.\s])\d{3}[-.]\d{4}(?:-\d{1,4})?(?![\w-])"
                    r"|(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])|\+\d{1,3}(?:[\s-]\(?\d{1,4}\)?){2,5}(?![\w-])"), _phone),
        # dates
        (re.compile(r"(?<![\w/.-])(?:(?P<y>1[1-9]\d\d|20\d\d)[-/.](?P<a>0?[1-9]|1[0-2])[-/.](?P<b>0?[1-9]|[12]\d|3[01])"
                    r"|(?P<c>\d{1,2})([-/.])(?P<d>\d{1,2})\5(?P<e>\d{4}|\d{2}))(?![\w/-]|\.\d)"),
         lambda m: numeric_date(m, us)),
        (re.compile(r"\b" + MONTH + r"[\s-]" + DAY + r"(?:,?[\s-]" + YEAR + r")?(?![\d:])", re.I),
         lambda m: month_day(m.group("mon"), m.group("day"), m.group("year"))),
        (re.compile(r"(?P<the>\bthe\s)?\b" + DAY + r"(?:\sof)?[\s-]" + MONTH + r"(?:,?[\s-]" + YEAR
                    + r")?(?![\w])", re.I),
         lambda m: (m.group("the") or "")
         + day_month(m.group("day"), m.group("mon"), m.group("year"), not m.group("the"))
         + ("." if m.group("dot") and not m.group("year") and m.group("mon").lower() in MONTHS else "")),
        # ranges and arithmetic: '3-4 km', '1980-86', '$5-$10', '5pm-7pm', '1-2=5' (before anything turns digits
        # to words)
        (re.compile(r"(?<=\d)\s?-\s?(?=\d[\d.]*\s?=)"), lambda m: " minus "),
        (re.compile(r"(?:(?<=[\d%])|(?<=\ds)|(?i:(?<=[ap]m)|(?<=[ap]\.m\.)|(?<=[ap]\.m)))\s?[-–—]\s?(?=[$€£¥₩]?\.?\d)"),
         _range),
        (re.compile(r"(?<![\w'])'?(?P<y>(?:1[1-9]|20)?\d0)\s?'?s\b"),
         lambda m: decade(m.group("y")) if len(m.group("y")) in (2, 4) and "'" in m.group(0)[:1] + "s"
         or len(m.group("y")) == 4 or m.group(0)[-2] != " " else m.group(0)),
        # money, with its scale (k, m, bn) and its rate (/mo)
        (re.compile(money), _money),
        (re.compile(r"(?<!\d)(?P<amt>" + NUM + r")\s?(?P<scale>" + "|".join(SCALES) + r")?\s(?P<code2>"
                    + "|".join(CURRENCY_CODES) + r")\b(?P<prefix>)(?P<sym>)(?P<code>)(?P<per>)"), _money),
        (re.compile(r"\b(?P<h>\d{1,2})h(?P<m>[0-5]\d)\b"),
         lambda m: f"{number_words(int(m.group('h')))} hour{'s' * (m.group('h') != '1')} "
                   f"{number_words(int(m.group('m')))}"),
        (re.compile(r"\b(?P<w>(?i:flight|flights|train|ferry|route))\s(?P<c>[A-Z]{1,3}\s?\d{1,4}[A-Z]?)\b"),
         lambda m: f"{m.group('w')} {_code(re.match(r'.+', m.group('c').replace(' ', '')))}"),
    ]


def _signs_and_measures() -> list[Rule]:
    """Times, signs, fractions of the vulgar kind, and measures with their units."""
    return [
        # times
        (re.compile(r"\b(?P<h>[01]?\d|2[0-4]):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?:\s?" + _AMPM + r")?" + _TZ
                    + r"(?![\d:])", re.I), _time),
        (re.compile(r"\b(?P<h>1[0-2]|0?[1-9])\.(?P<m>[0-5]\d)(?P<s>)\s?" + _AMPM + _TZ, re.I), _time),
        (re.compile(r"\b(?P<h>1[0-2]|0?[1-9])\s?" + _AMPM + _TZ, re.I),
         lambda m: number_words(int(m.group("h"))) + _ampm(m.group("ampm"), m.group("tz"), m.end() == len(m.string))),
        # signs
        (re.compile(r"(?<=\d)\s?[x×]\s?(?=\d)"), lambda m: " by "),
        (re.compile(r"(?<=\d)x\b"), lambda m: " times"),
        (re.compile(r"(?<=\w)\s?=\s?(?=[\w-])"), lambda m: " equals "),
        (re.compile(r"(?<=\d)\s?\+\s?(?=\d)|(?<=\w)\s\+(?=\w)"), lambda m: " plus "),
        (re.compile(r"(?<=\d)\+"), lambda m: " plus"),
        (re.compile(r"[~≈]\s?(?=[$€£¥]?\d)"), lambda m: "about "),
        (re.compile(r"±\s?"), lambda m: "plus or minus "),
        (re.compile(r"(?:(?<!\d)(?P<w>\d+)\s?)?(?P<f>[" + "".join(_VULGAR) + r"])"), _vulgar),
        # measures: '12 kg', '120km/h', '-5°C', '4 1/2 lbs', '1.5m people'
        (re.compile(r"(?<![\w.])(?P<n>" + NUM + r")\s?(?P<s>bn|mn|tn|k)\b(?!\s(?:run|race|walk|ride|swim))"),
         lambda m: f"{cardinal(m.group('n'))} {SCALES[m.group('s')]}"),
        (re.compile(r"(?<![\w.])(?P<n>\d{1,2})p\b"), lambda m: f"{number_words(int(m.group('n')))} pence"),
        (re.compile(r"(?<![\w.])(?P<n>" + NUM + r")m(?=\s(?:" + "|".join(_COUNT_NOUNS) + r")\b)"),
         lambda m: f"{cardinal(m.group('n'))} million"),
        (re.compile(r"(?<![\w.])(?:(?P<n0>[-−]?(?:" + NUM + r")) to )?(?:(?P<w>\d+)\s(?P<fn>\d+)/(?P<fd>\d+)"
                    r"|(?P<n>[-−]?(?:"
                    + NUM + r")))(?:\s(?P<sc>thousand|million|billion))?\s?-?(?P<unit>" + UNIT_PATTERN
                    + r")(?![\w/]|/\d)"), _units),
        (re.compile(r"(?<![\w.])(?P<n>" + NUM + r")/(?P<unit>" + UNIT_PATTERN + r")\b"),
         lambda m: f"{cardinal(m.group('n'))} per {unit_words(m.group('unit'), False)}"),
    ]


def _numbers_left() -> list[Rule]:
    """Fractions, ordinals, Roman numerals, codes, and what is left: years, signs, plain numbers."""
    return [
        # fractions, ordinals, Roman numerals
        (re.compile(r"(?<![\w/])(?P<w>\d+)\s(?P<n>\d+)/(?P<d>\d+)(?:st|nd|rd|th)?(?![\w/])", re.I),
         lambda m: f"{number_words(int(m.group('w')))} and "
                   f"{_fraction(int(m.group('n')), int(m.group('d')), mixed=True)}"),
        (re.compile(r"(?<![\w/.-])(?P<n>\d+)\s?/\s?(?P<d>\d+)(?:st|nd|rd|th)?(?![\w/]|\.\d)", re.I),
         lambda m: _fraction(int(m.group("n")), int(m.group("d")))),
        (re.compile(r"\b(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th)\b", re.I), lambda m: ordinal(m.group("n"))),
        (re.compile(r"\b(?P<r>[IVXLC]+)\s(?=century|centuries)", re.I),
         lambda m: (ordinal(str(roman(m.group("r").upper()))) + " ") if roman(m.group("r").upper()) else m.group(0)),
        (re.compile(r"\b(?P<w>(?i:" + "|".join(re.escape(c) for c in _COUNTED) + r"))\s(?P<r>[IVXLCDM]+)\b"),
         _roman_after),
        (re.compile(r"(?:(?<=[a-z,;] )|^)(?P<w>[A-Z][a-z]+)\s(?P<r>[IVX]{2,})\b(?![.'’]\w)"), _regnal),
        (re.compile(r"\b(?P<w>(?:" + "|".join(_TITLES) + r")(?:\s[A-Z][a-z]+)?)\s(?P<r>[IVX])\b(?![.'’]\w)"), _regnal),
        # codes mixing letters and digits: 'KE902', 'B2A23C'
        (re.compile(r"\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z\d]+\b"), _code),
        # what is left: years, signs, plain numbers
        (re.compile(r"(?<![\d,.])" + YEAR + r"(?!\d|[,.]\d)"), lambda m: year(m.group("year"))),
        (re.compile(r"(?<![\w.])(?:[#№]|No\.)\s?(?=\d)"), lambda m: "number "),
        (re.compile(r"(?<![\w)])[-−](?=\.?\d)"), lambda m: "minus "),
        (re.compile(NUM), lambda m: cardinal(m.group(0))),
        (re.compile(r"\s?&\s?"), lambda m: " and "),
        (re.compile(r"\s?@\s?"), lambda m: " at "),
        (re.compile(r"#(?=\w)|(?<=\w)#"), lambda m: " hash "),
        (re.compile(r"(?<=[\w+])\+"), lambda m: " plus "),
        (re.compile(r"[$€£¥₩₹₽₺₫฿₱₦₪₴]"), lambda m: f" {CURRENCIES[m.group(0)][0]} "),
        (re.compile(r"(?<=\w)%"), lambda m: " percent"),
        (re.compile(r"\d+"), lambda m: digits(m.group(0))),  # never a digit for the voice
    ]


_RULES = {True: _rules(True), False: _rules(False)}
_ABBREV = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True))
    + r")(?=\s|$|[,;:!?)])"
)
_STREET = re.compile(r"\b(?P<name>[A-Z][a-z]+) St\.(?P<end>(?=\s[A-Z]|$)|(?=[\s,;:!?)]))")
_SAINT = re.compile(r"\bSt\.?\s(?=[A-Z])")


def read_marks(text: str, reading: Reading = Reading()) -> str:
    """The marks narrate reads by its own conventions, not as numbers or symbols: footnotes (the mark
    silent, a note saying which it is), images (read only with 'images: describe'), web and e-mail
    addresses ('example dot org'), task boxes ('Done.'), emoji. verify reads the author's text through
    this too, so that it hears these as narrate says them."""
    # a footnote: its mark in the text is silent; the note itself begins with it, and says which it is
    said = phrases(reading.language)
    code = primary(reading.language)
    text = re.sub(r"^\s*⁽([⁰-⁹¹²³]+)⁾\s*", lambda m: said.note if reading.footnotes == "inline" else
                  f"{number_words(int(m.group(1).translate(_SUPERSCRIPT_DIGITS)), lang=code).capitalize()}: ", text)
    text = re.sub(r"(?<!\s)\s*⁽[⁰-⁹¹²³]+⁾", "", text)
    # an image: alone, with 'images: describe', it is read; inside a sentence, only shown
    if reading.images == "describe":
        text = re.sub(r"^⟨Image: ([^⟩]*)⟩$", lambda m: said.image.format(alt=m.group(1)), text.strip())
    text = re.sub(r"(?<!\s)\s*⟨Image: [^⟩]*⟩", "", text)
    text = EMAIL.sub(lambda m: spell_address(m.group(0)), text)
    text = URL.sub(lambda m: read_url(m, reading.links), text)
    text = re.sub(r"^\s*([☑☒☐])\s*", lambda m: "" if reading.tasks == "silent" else
                  (said.to_do if m.group(1) == "☐" else said.done), text)
    text = _EMOJI.sub(lambda m: _emoji(m.group(0), reading), text)
    return text


def normalise(text: str, lang: str = "en", reading: Reading = Reading()) -> str:
    """Turn numbers, money, times, dates, units, codes, addresses, symbols and abbreviations into words."""
    text = read_marks(" ".join(text.split()), reading)
    text = re.sub(r"[₀-₉]+", lambda m: " " + m.group(0).translate(_SUBSCRIPT) + " ", text)
    code = lang.split("-")[0].lower()
    if code != "en":
        return read_in(text, lang)
    text = re.sub(r"[‐‑‒]", "-", text)
    text = _STREET.sub(lambda m: f"{m.group('name')} Street" + ("." if m.end() == len(m.string) or
                       m.string[m.end():m.end() + 2].strip()[:1].isupper() else ""), text)
    text = _SAINT.sub("Saint ", text)
    text = _ABBREV.sub(lambda m: _ABBREVIATIONS[m.group(1)], text)
    us = lang.lower() not in ("en-gb", "en-au", "en-nz", "en-ie", "en-in", "en-za")
    for pattern, repl in _RULES[us]:
        text = pattern.sub(repl, text)
    text = re.sub(r"(?<=[A-Za-z)])([²³])(?![\w])", lambda m: f" {_POWERS[m.group(1)]}", text)
    text = re.sub(r"(?<!\s)\s*[—―]\s*", ", ", text)
    text = re.sub(r"(?<!\s)\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    return " ".join(text.split()).strip(" ,")
