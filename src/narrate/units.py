"""The words for units of measure and money that narrate's normaliser reads out (narrate.normalise)."""

from __future__ import annotations

import re

# written unit -> (singular, plural); looked up as written, then in lower case
UNITS: dict[str, tuple[str, str]] = {
    "km": ("kilometre", "kilometres"), "kms": ("kilometre", "kilometres"), "m": ("metre", "metres"),
    "cm": ("centimetre", "centimetres"), "mm": ("millimetre", "millimetres"), "µm": ("micrometre", "micrometres"),
    "mi": ("mile", "miles"), "ft": ("foot", "feet"), "yd": ("yard", "yards"),
    "nmi": ("nautical mile", "nautical miles"),
    "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"), "mg": ("milligram", "milligrams"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"),
    "l": ("litre", "litres"), "L": ("litre", "litres"), "ml": ("millilitre", "millilitres"),
    "cl": ("centilitre", "centilitres"), "gal": ("gallon", "gallons"),
    "h": ("hour", "hours"), "hr": ("hour", "hours"), "hrs": ("hour", "hours"), "min": ("minute", "minutes"),
    "mins": ("minute", "minutes"), "sec": ("second", "seconds"), "secs": ("second", "seconds"),
    "ms": ("millisecond", "milliseconds"),
    "km/h": ("kilometre an hour", "kilometres an hour"), "kmh": ("kilometre an hour", "kilometres an hour"),
    "kph": ("kilometre an hour", "kilometres an hour"), "mph": ("mile an hour", "miles an hour"),
    "m/s": ("metre a second", "metres a second"), "kn": ("knot", "knots"), "kt": ("knot", "knots"),
    "°C": ("degree Celsius", "degrees Celsius"), "ºC": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"), "ºF": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"), "º": ("degree", "degrees"), "%": ("percent", "percent"),
    "ha": ("hectare", "hectares"), "m²": ("square metre", "square metres"), "m2": ("square metre", "square metres"),
    "km²": ("square kilometre", "square kilometres"), "km2": ("square kilometre", "square kilometres"),
    "cm²": ("square centimetre", "square centimetres"), "ft²": ("square foot", "square feet"),
    "m³": ("cubic metre", "cubic metres"), "m3": ("cubic metre", "cubic metres"),
    "km³": ("cubic kilometre", "cubic kilometres"), "cm³": ("cubic centimetre", "cubic centimetres"),
    "cc": ("cc", "cc"), "kW": ("kilowatt", "kilowatts"), "W": ("watt", "watts"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
    "MW": ("megawatt", "megawatts"), "V": ("volt", "volts"), "Hz": ("hertz", "hertz"),
    "kHz": ("kilohertz", "kilohertz"),
    "MHz": ("megahertz", "megahertz"), "GHz": ("gigahertz", "gigahertz"),
    "kB": ("kilobyte", "kilobytes"), "KB": ("kilobyte", "kilobytes"), "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"), "TB": ("terabyte", "terabytes"),
    "kbps": ("kilobit per second", "kilobits per second"), "mbps": ("megabit per second", "megabits per second"),
    "Mbps": ("megabit per second", "megabits per second"), "gbps": ("gigabit per second", "gigabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"),
}
# units that are also common words or letters: only right after a number, never on their own case-folded
_EXACT_ONLY = {"m", "g", "l", "L", "h", "W", "V", "kn", "kt", "min", "ms", "cc", "ha", "mi", "gal"}


def unit_words(unit: str, plural: bool) -> str:
    """'kg' -> 'kilograms'; 'km/h' -> 'kilometres an hour'; 'kg/m2' -> 'kilograms per square metre'."""
    found = UNITS.get(unit) or UNITS.get(unit.lower())
    if found:
        return found[1 if plural else 0]
    head, _, tail = unit.partition("/")
    return f"{unit_words(head, plural)} per {unit_words(tail, False)}" if tail else unit


def _alternatives() -> str:
    names = set(UNITS) | {u.upper() for u in UNITS if u not in _EXACT_ONLY and u.isalpha() and len(u) > 1}
    single = sorted(names, key=len, reverse=True)
    one = "|".join(re.escape(u) for u in single)
    return rf"(?:{one})(?:/(?:{one}))?"


UNIT_PATTERN = _alternatives()

# currency sign -> (one, many, minor one, minor many); no minor unit: read as a decimal
CURRENCIES: dict[str, tuple[str, str, str | None, str | None]] = {
    "$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"), "¥": ("yen", "yen", None, None), "₩": ("won", "won", None, None),
    "₹": ("rupee", "rupees", "paisa", "paise"), "₽": ("rouble", "roubles", "kopek", "kopeks"),
    "₺": ("lira", "lira", "kurus", "kurus"), "₫": ("dong", "dong", None, None),
    "฿": ("baht", "baht", "satang", "satang"),
    "₱": ("peso", "pesos", "centavo", "centavos"), "₦": ("naira", "naira", "kobo", "kobo"),
    "₪": ("shekel", "shekels", "agora", "agorot"), "₴": ("hryvnia", "hryvnias", "kopiyka", "kopiykas"),
}
# code -> as CURRENCIES
CURRENCY_CODES: dict[str, tuple[str, str, str | None, str | None]] = {
    "USD": ("US dollar", "US dollars", "cent", "cents"), "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"), "JPY": ("yen", "yen", None, None),
    "CNY": ("yuan", "yuan", None, None), "RMB": ("yuan", "yuan", None, None), "KRW": ("won", "won", None, None),
    "KPW": ("North Korean won", "North Korean won", None, None), "INR": ("rupee", "rupees", "paisa", "paise"),
    "THB": ("baht", "baht", "satang", "satang"), "VND": ("dong", "dong", None, None), "LAK": ("kip", "kip", None, None),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "NZD": ("New Zealand dollar", "New Zealand dollars", "cent", "cents"),
    "HKD": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    "SGD": ("Singapore dollar", "Singapore dollars", "cent", "cents"),
    "MXN": ("Mexican peso", "Mexican pesos", "centavo", "centavos"),
    "COP": ("Colombian peso", "Colombian pesos", "centavo", "centavos"),
    "BRL": ("real", "reais", "centavo", "centavos"), "PAB": ("balboa", "balboas", "centesimo", "centesimos"),
}
# written before a dollar sign (US$, A$ ...) -> (the country's name, or a whole (one, many) when it is not dollars)
CURRENCY_PREFIXES: dict[str, tuple[str, tuple[str, str] | None]] = {
    "US": ("US", None), "A": ("Australian", None), "AU": ("Australian", None), "C": ("Canadian", None),
    "CA": ("Canadian", None), "NZ": ("New Zealand", None), "HK": ("Hong Kong", None), "S": ("Singapore", None),
    "NT": ("New Taiwan", None), "R": ("Brazilian", ("Brazilian real", "Brazilian reais")),
    "MX": ("Mexican", ("Mexican peso", "Mexican pesos")),
}
# written after an amount: 'k', 'm', 'bn' ... -> the word
SCALES = {"thousand": "thousand", "million": "million", "billion": "billion", "trillion": "trillion", "bn": "billion",
          "mn": "million", "mln": "million", "tn": "trillion", "k": "thousand", "m": "million", "b": "billion"}
# '/mo' after a price -> 'per month'
PER = {"mo": "month", "month": "month", "yr": "year", "year": "year", "wk": "week", "week": "week", "d": "day",
       "day": "day", "hr": "hour", "h": "hour", "hour": "hour", "night": "night", "person": "person", "kg": "kilogram",
       "km": "kilometre", "head": "head"}
