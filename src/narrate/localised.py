"""Numbers, dates, times, money, percentages and common units read in a language other than English.

num2words spells the numbers with each language's own rules; this module knows how each language writes
them (a decimal comma, thousands grouped with points or spaces, the day before the month, '14h30',
'14.30 Uhr', '1er', '2.º') and the words around them (months, 'heures', 'Uhr', currency names, 'pour cent').
Rules run in order, so a later rule never sees the digits of an earlier one; whatever digits are left are
read as plain numbers. Pure functions over strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from num2words import CONVERTER_CLASSES

from narrate.numbers import number_words
from narrate.phrases import primary


@dataclass(frozen=True)
class Language:
    """How one language writes and says dates, times, money and measures."""

    months: tuple[str, ...]
    date: str  # '{day} {month} {year}', with {day} the day's own word (see ``day``)
    first: str  # the first of the month: 'premier', 'uno', ...
    hour: Callable[[str, int, int], str]  # (num2words language, hour, minute) -> the time in words
    percent: str
    units: dict[str, tuple[str, str]]  # symbol -> (one, many)
    currency: dict[str, tuple[str, str]]  # ISO code -> (one, many), where num2words has no name for it
    grouping: str  # the thousands separators: '.' or ' '


def _fem(lang: str) -> Callable[[int], str]:
    """A number before a feminine noun (une heure, una hora, duas horas)."""
    def said(n: int) -> str:
        words = number_words(n, lang)
        if lang == "fr":
            return re.sub(r"\bun$", "une", words)
        if lang in ("es", "it"):
            return re.sub(r"uno$", "una", words)
        if lang.startswith("pt"):
            return re.sub(r"\bdois$", "duas", re.sub(r"\bum$", "uma", words))
        return words
    return said


def _hour_fr(lang: str, h: int, m: int) -> str:
    said = f"{_fem('fr')(h)} heure{'s' if h > 1 else ''}"
    return f"{said} {_fem('fr')(m)}" if m else said


def _hour_es(lang: str, h: int, m: int) -> str:
    return f"{_fem('es')(h)} y {number_words(m, 'es')}" if m else _fem("es")(h)


def _hour_it(lang: str, h: int, m: int) -> str:
    said = "l'una" if h == 1 else number_words(h, "it")
    return f"{said} e {number_words(m, 'it')}" if m else said


def _hour_pt(lang: str, h: int, m: int) -> str:
    return f"{_fem(lang)(h)} e {number_words(m, lang)}" if m else f"{_fem(lang)(h)} hora{'s' if h > 1 else ''}"


def _hour_de(lang: str, h: int, m: int) -> str:
    said = f"{re.sub(r'eins$', 'ein', number_words(h, 'de'))} Uhr"
    return f"{said} {number_words(m, 'de')}" if m else said


LANGUAGES = {
    "fr": Language(("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                    "novembre", "décembre"), "{day} {month} {year}", "premier", _hour_fr, "pour cent",
                   {"km": ("kilomètre", "kilomètres"), "m": ("mètre", "mètres"), "cm": ("centimètre", "centimètres"),
                    "kg": ("kilo", "kilos"), "g": ("gramme", "grammes"),
                    "km/h": ("kilomètre à l'heure", "kilomètres à l'heure"),
                    "°C": ("degré", "degrés"), "l": ("litre", "litres"),
                    "h": ("heure", "heures"), "min": ("minute", "minutes")},
                   {"KRW": ("won", "wons"), "JPY": ("yen", "yens"), "THB": ("baht", "bahts"), "VND": ("dong", "dongs"),
                    "LAK": ("kip", "kips")}, " "),
    "es": Language(("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                    "noviembre", "diciembre"), "{day} de {month} de {year}", "uno", _hour_es, "por ciento",
                   {"km": ("kilómetro", "kilómetros"), "m": ("metro", "metros"), "cm": ("centímetro", "centímetros"),
                    "kg": ("kilo", "kilos"), "g": ("gramo", "gramos"),
                    "km/h": ("kilómetro por hora", "kilómetros por hora"),
                    "°C": ("grado", "grados"), "l": ("litro", "litros"),
                    "h": ("hora", "horas"), "min": ("minuto", "minutos")},
                   {}, "."),
    "it": Language(("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
                    "ottobre", "novembre", "dicembre"), "{day} {month} {year}", "primo", _hour_it, "per cento",
                   {"km": ("chilometro", "chilometri"), "m": ("metro", "metri"), "cm": ("centimetro", "centimetri"),
                    "kg": ("chilo", "chili"), "g": ("grammo", "grammi"),
                    "km/h": ("chilometro orario", "chilometri orari"),
                    "°C": ("grado", "gradi"), "l": ("litro", "litri"),
                    "h": ("ora", "ore"), "min": ("minuto", "minuti")},
                   {"KRW": ("won", "won"), "JPY": ("yen", "yen"), "THB": ("baht", "baht"), "VND": ("dong", "dong"),
                    "LAK": ("kip", "kip")}, "."),
    "pt": Language(("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
                    "novembro", "dezembro"), "{day} de {month} de {year}", "primeiro", _hour_pt, "por cento",
                   {"km": ("quilômetro", "quilômetros"), "m": ("metro", "metros"), "cm": ("centímetro", "centímetros"),
                    "kg": ("quilo", "quilos"), "g": ("grama", "gramas"),
                    "km/h": ("quilômetro por hora", "quilômetros por hora"),
                    "°C": ("grau", "graus"), "l": ("litro", "litros"),
                    "h": ("hora", "horas"), "min": ("minuto", "minutos")},
                   {"KRW": ("won", "wons"), "JPY": ("iene", "ienes"), "THB": ("baht", "bahts"),
                    "VND": ("dong", "dongs"),
                    "LAK": ("kip", "kips"), "CNY": ("yuan", "yuans"), "BRL": ("real", "reais")}, "."),
    "de": Language(("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
                    "November", "Dezember"), "{day} {month} {year}", "erste", _hour_de, "Prozent",
                   {"km": ("Kilometer", "Kilometer"), "m": ("Meter", "Meter"), "cm": ("Zentimeter", "Zentimeter"),
                    "kg": ("Kilo", "Kilo"), "g": ("Gramm", "Gramm"),
                    "km/h": ("Kilometer pro Stunde", "Kilometer pro Stunde"),
                    "°C": ("Grad", "Grad"), "l": ("Liter", "Liter"),
                    "h": ("Stunde", "Stunden"), "min": ("Minute", "Minuten")},
                   {"KRW": ("Won", "Won"), "JPY": ("Yen", "Yen"), "THB": ("Baht", "Baht"), "VND": ("Dong", "Dong"),
                    "LAK": ("Kip", "Kip")}, "."),
}

MINUS = {"fr": "moins", "es": "menos", "it": "meno", "pt": "menos", "de": "minus"}
AND = {"fr": "et", "es": "con", "it": "e", "pt": "e", "de": "und"}  # between an amount's units and its cents
FEMININE = {  # nouns a number agrees with: 'une heure', 'una noche', 'duas semanas'
    "fr": r"heures?|minutes?|secondes?|semaines?|nuits?|fois|personnes?|années?|femmes?|familles?|étapes?",
    "es": r"horas?|semanas?|noches?|vez|veces|personas?|mujeres?|familias?|etapas?",
    "it": r"ora|ore|settimana|settimane|notte|notti|volta|volte|persona|persone|donna|donne|"
          r"famiglia|famiglie|tappa|tappe",
    "pt": r"horas?|semanas?|noites?|vez|vezes|pessoas?|mulher|mulheres|famílias?|etapas?",
    "de": r"(?!x)x",
}
TO = {"fr": "à", "es": "a", "it": "a", "pt": "a", "de": "bis"}  # a range: '2016-2017', '5–10 km'
LANGUAGES["pt_BR"] = LANGUAGES["pt"]  # Brazilian Portuguese: the same words, num2words' own numbers (dezesseis)
MINUS["pt_BR"] = "menos"
SYMBOLS = {"R$": "BRL", "€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₩": "KRW", "฿": "THB", "₫": "VND",
           "₭": "LAK", "元": "CNY"}
CODES = ("EUR", "USD", "GBP", "JPY", "KRW", "CNY", "THB", "VND", "LAK", "CHF", "BRL")
_SPACE = "[  \u202f]"  # a space, a no-break space, a narrow no-break space: French groups thousands with them


def _amount(lang: str) -> str:
    """A number as the language writes it: thousands grouped, a decimal comma."""
    group = rf"(?:{_SPACE}\d{{3}})+" if LANGUAGES[lang].grouping == " " else r"(?:\.\d{3})+"
    return rf"\d{{1,3}}{group}(?:,\d+)?(?!\d)|\d+(?:,\d+)?"


def value(text: str) -> int | float:
    """'1.234,5' or '1 234,5' -> 1234.5 (the separators of any of these languages)."""
    text = re.sub(rf"{_SPACE}|\.(?=\d{{3}}(?!\d))", "", text).replace(",", ".")
    return float(text) if "." in text else int(text)


def cardinal(text: str, lang: str) -> str:
    """A number as written in ``lang``, in words: '1.500' is fifteen hundred in German, '1,5' one and a half."""
    n = value(text)
    if isinstance(n, int) and len(text) > 1 and text.startswith("0"):
        return " ".join(number_words(int(d), lang) for d in text)  # a code: digit by digit
    return number_words(n, lang)


def _before_noun(words: str, lang: str) -> str:
    """'one' as it stands before a (masculine) noun: 'un' in Spanish, 'ein' in German."""
    if lang == "es":
        return re.sub(r"uno$", "un", words)
    return re.sub(r"eins$", "ein", words) if lang == "de" else words


def money(amount: str, code: str, lang: str) -> str:
    """'12,50' 'EUR' -> 'douze euros et cinquante centimes': num2words' names for the currency where it has them."""
    n = value(amount)
    base = lang[:2]
    forms = getattr(CONVERTER_CLASSES[base], "CURRENCY_FORMS", {}).get(code)
    one, many = forms[0] if forms else LANGUAGES[lang].currency.get(code, (code, code))
    whole, cents = int(n), round((n - int(n)) * 100)
    if isinstance(n, float) and (not forms or len(amount.rpartition(",")[2]) > 2):
        return f"{number_words(n, lang)} {many}"  # no name for its cents, or more decimals than cents: a plain number
    said = f"{_before_noun(number_words(whole, lang), lang)} {one if whole == 1 else many}"
    if not cents or forms is None:
        return said
    cent, cent_many = forms[1]
    small = f"{_before_noun(number_words(cents, lang), lang)} {cent if cents == 1 else cent_many}"
    return f"{said} {AND[base]} {small}" if whole else small


def date(day: int, month: int, year: str | None, lang: str, case: str = "") -> str:
    """The day, the month by name, and the year, in the language's order and words."""
    said = LANGUAGES[lang]
    if lang == "de":
        word = number_words(day, "de", to="ordinal") + ("n" if case else "r")  # am dritten Mai; dritter Mai
    else:
        word = said.first if day == 1 else number_words(day, lang)
    spoken = said.date.format(day=word, month=said.months[month - 1], year="{year}")
    if not year:
        return re.sub(r"\s*(de\s*)?\{year\}$", "", spoken)
    return spoken.format(year=number_words(int(year), lang, to="year"))


def _ordinal(lang: str, n: int, feminine: bool) -> str:
    words = number_words(n, lang, to="ordinal")
    if lang == "fr" and n == 1 and feminine:
        return "première"
    return re.sub(r"o$", "a", words) if feminine and lang[:2] in ("es", "it", "pt") else words


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _roman(text: str) -> int:
    total = 0
    for a, b in zip(text, text[1:] + " "):
        total += -_ROMAN[a] if b != " " and _ROMAN[b] > _ROMAN[a] else _ROMAN[a]
    return total


def rules(lang: str) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    """Every rule for ``lang``, in the order they run."""
    said = LANGUAGES[lang]
    base = lang[:2]
    amount = _amount(lang)
    months = "|".join(said.months)
    units = "|".join(re.escape(u) for u in sorted(said.units, key=len, reverse=True))
    codes = "|".join(CODES)
    symbols = "|".join(re.escape(s) for s in SYMBOLS)
    prepositions = r"(?P<case>\b(?i:am|vom|zum|bis zum|seit dem|ab dem)\s)?" if lang == "de" else r"(?P<case>(?!x)x)?"
    out: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
        # dates: ISO, then day.month.year or day/month/year: the day always comes first in these languages
        (re.compile(prepositions + r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
         lambda m: (m.group("case") or "") + _date_or(m, int(m.group("d")), int(m.group("m")), m.group("y"), lang)),
        (re.compile(prepositions + r"\b(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})\b"),
         lambda m: (m.group("case") or "") + _date_or(m, int(m.group("d")), int(m.group("m")), m.group("y"), lang)),
        # a day before a month's name: '3 novembre', '3 de noviembre', '3. November', '1er mai'
        (re.compile(prepositions + r"\b(?P<d>[12]\d|3[01]|0?[1-9])(?:er|º|\.º|\.)?\s(?P<de>de\s)?(?P<mon>" + months
                    + r")\b(?:\s(?:de\s)?(?P<y>\d{4})\b)?", re.I),
         lambda m: (m.group("case") or "") + date(int(m.group("d")), _month_of(m.group("mon"), said),
                                                   m.group("y"), lang, m.group("case") or "")),
        # times: '14:30', '14h30', '9h', '14.30 Uhr'
        (re.compile(r"\b(?P<h>[01]?\d|2[0-3])(?::|h|(?=\.\d\d\sUhr)\.)(?P<m>[0-5]\d)?\b(?:\sUhr\b)?"
                    if base in ("fr", "pt", "de") else r"\b(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)\b"),
         lambda m: said.hour(lang, int(m.group("h")), int(m.group("m") or 0))),
        (re.compile(r"\b(?P<h>[01]?\d|2[0-3])\sUhr\b"), lambda m: said.hour(lang, int(m.group("h")), 0)),
        (re.compile(rf"(?<![\w,.])[-−](?={amount})"), lambda m: MINUS[base] + " "),
        (re.compile(r"(?<=\d)\s?[-–]\s?(?=\d)"), lambda m: f" {TO[base]} "),
        # money: '12,50 €', '€12', '500 USD', 'USD 500'
        (re.compile(rf"(?P<sym>{symbols})\s?(?P<amt>{amount})"),
         lambda m: money(m.group("amt"), SYMBOLS[m.group("sym")], lang)),
        (re.compile(rf"(?P<amt>{amount})\s?(?P<sym>{symbols})"),
         lambda m: money(m.group("amt"), SYMBOLS[m.group("sym")], lang)),
        (re.compile(rf"\b(?P<amt>{amount})\s(?P<code>{codes})\b"),
         lambda m: money(m.group("amt"), m.group("code"), lang)),
        (re.compile(rf"\b(?P<code>{codes})\s(?P<amt>{amount})"),
         lambda m: money(m.group("amt"), m.group("code"), lang)),
        # percentages and measures
        (re.compile(rf"(?P<amt>{amount})\s?%"), lambda m: f"{cardinal(m.group('amt'), lang)} {said.percent}"),
        (re.compile(rf"(?P<amt>{amount})\s?(?P<unit>{units})(?![\w/])"),
         lambda m: _measure(m.group("amt"), said.units[m.group("unit")], lang)),
        # ordinals: '1er', '2e', '3ème', 'XIXe' (fr); '1.º', '2ª' (es, it, pt)
        (re.compile(r"\b(?P<n>\d+)(?P<suf>er|re|ère|e|ème)\b" if base == "fr" else r"\b(?P<n>\d+)\.?(?P<suf>[ºª])"),
         lambda m: _ordinal(lang, int(m.group("n")), m.group("suf") in ("re", "ère", "ª"))),
        (re.compile(r"\b(?P<r>[IVX][IVXLC]*)(?P<suf>e|ème)\b" if base == "fr" else r"(?!x)x"),
         lambda m: _ordinal(lang, _roman(m.group("r")), False)),
        # what is left
        # a count of something feminine; the hour after 'às', 'a las' ('às duas', 'a la una')
        (re.compile(rf"\b(?P<n>\d{{1,3}})(?=\s(?:{FEMININE[base]})\b)"
                    rf"|(?:(?<=\bàs )|(?<=\bas )|(?<=\bla )|(?<=\blas ))(?P<h>\d{{1,2}})\b(?![.,:]\d)"
                    if base in ("es", "pt") else rf"\b(?P<n>\d{{1,3}})(?=\s(?:{FEMININE[base]})\b)(?P<h>(?!x)x)?"),
         lambda m: _fem(lang)(int(m.group("n") or m.group("h")))),
        (re.compile(amount), lambda m: cardinal(m.group(0), lang)),
        # 'one' before a noun: German nouns are capitalised ('ein Euro'); Italian elides before 'una'
        (re.compile(r"\beins(?=\s[A-ZÄÖÜ][a-zäöüß])" if lang == "de" else r"\b([Aa])lle l'una" if base == "it"
                    else r"(?!x)x"), lambda m: "ein" if lang == "de" else f"{m.group(1)}ll'una"),
    ]
    return out


def _date_or(m: re.Match[str], day: int, month: int, year: str, lang: str) -> str:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0)[len(m.group("case") or ""):]
    return date(day, month, year, lang, m.group("case") or "")


def _month_of(name: str, said: Language) -> int:
    return next(k for k, month in enumerate(said.months, start=1) if month.lower() == name.lower())


def _measure(amount: str, forms: tuple[str, str], lang: str) -> str:
    n = value(amount)
    words = _before_noun(number_words(n, lang), lang)
    return f"{words} {forms[0] if n == 1 else forms[1]}"


_RULES: dict[str, list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]] = {}


def read_in(text: str, language: str) -> str:
    """Every number, date, time, amount and measure in ``text``, as words of ``language`` (BCP 47).
    A language narrate has no rules for has its plain numbers spelled by num2words, if it can."""
    lang = "pt_BR" if language.lower() == "pt-br" else primary(language)
    if lang not in LANGUAGES:  # num2words, or English where it does not know the language
        return re.sub(r"\d+(?:[.,]\d+)?", lambda m: number_words(m.group(0).replace(",", "."), lang), text)
    if lang not in _RULES:
        _RULES[lang] = rules(lang)
    for pattern, repl in _RULES[lang]:
        text = pattern.sub(repl, text)
    return " ".join(text.split())

