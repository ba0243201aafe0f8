"""Web and e-mail addresses in a sentence, found and read out as people say them: 'example dot org slash route'.

Every pattern here takes time in proportion to the text, however long a run of dotted or dashed labels it meets.
"""

from __future__ import annotations

import re

from narrate.numbers import LONG_DIGITS, digits, number_words

_TLDS = ("com", "org", "net", "edu", "gov", "int", "io", "info", "co", "uk", "us", "ca", "au", "nz", "de", "fr",
         "es", "it", "nl", "kr", "cn", "jp", "vn", "th", "la", "pa", "travel", "news", "app", "dev")
# A bare address ('example.org/route'): a run of dotted labels, taken whole (an atomic group, so a long run of
# 'a.a.a...' is read once, not tried again from each label), that ends in a known top-level domain. It starts
# only where no label goes on before it, so a run is tried once: time in proportion to the text.
_BARE = (r"(?<![\w-])(?<![\w-]\.)(?>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)"
         + "(?:" + "|".join(rf"(?<=\.{t})" for t in _TLDS) + ")")
URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]|" + _BARE
                 + r"\b(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)\]])?")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b", re.I)
_SEPARATORS = {".": "dot", "/": "slash", "-": "dash", "_": "underscore", "~": "tilde", "+": "plus", "@": "at"}


def spell_address(text: str) -> str:
    """A web or e-mail address as it is read out: 'example dot org slash route twenty twenty-four'."""
    out = []
    for part in re.findall(r"[0-9]+|[^\W\d_]+|[./\-_~+@]", text):
        if part.isascii() and part.isdigit():
            spelt = part.startswith("0") and len(part) > 1 or len(part) >= LONG_DIGITS  # a code, or no number
            out.append(digits(part) if spelt else number_words(int(part)))
        else:
            out.append(_SEPARATORS.get(part, part))
    return " ".join(out)


def read_url(m: re.Match[str], links: str) -> str:
    address = re.sub(r"(?i)^(?:https?://)?(?:www\.)?", "", m.group(0))
    address = re.split(r"[?#]", address)[0].rstrip("/")
    if links == "domain":
        address = address.split("/")[0]
    return spell_address(address)
