"""Dates as they are said in English: '3 March 2026' is 'the third of March twenty twenty-six', '2016-11-03' and
'11/03/2016' by the order the language writes them."""

from __future__ import annotations

import re

from narrate.numbers import number_words, ordinal, year

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
MONTH = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?" \
        r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?P<dot>\.)?"
DAY = r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?P<year>1[1-9]\d\d|20\d\d)"


def month_name(name: str) -> str:
    key = name.lower().rstrip(".")[:3]
    return next(m for m in MONTHS if m.startswith(key)).capitalize()


def day_month(day: str, mon: str, yr: str | None, the: bool = True) -> str:
    said = f"{'the ' if the else ''}{ordinal(day)} of {month_name(mon)}"
    return f"{said} {year(yr)}" if yr else said


def month_day(mon: str, day: str, yr: str | None) -> str:
    said = f"{month_name(mon)} {ordinal(day)}"
    return f"{said}, {year(yr)}" if yr else said


def numeric_date(m: re.Match[str], us: bool) -> str:
    """'2016-11-03', '03/11/2016', '11/17/05': day and month in the order the language writes them,
    unless the numbers say otherwise (a first number over 12 is a day)."""
    if m.group("y"):  # year first: always year, month, day
        y, mon, day = m.group("y"), int(m.group("a")), int(m.group("b"))
        day_first = not us
    else:
        y, first, second = m.group("e"), int(m.group("c")), int(m.group("d"))
        day_first = first > 12 or (not us and second <= 12)
        day, mon = (first, second) if day_first else (second, first)
    if not 1 <= mon <= 12 or not 1 <= day <= 31:
        return m.group(0)
    yr = year(y) if len(y) == 4 else f"oh {number_words(int(y))}" if y.startswith("0") else number_words(int(y))
    name = MONTHS[mon - 1].capitalize()
    return f"the {ordinal(str(day))} of {name} {yr}" if day_first else f"{name} {ordinal(str(day))}, {yr}"
