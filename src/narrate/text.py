"""Text processing before any engine sees a word: sentences, pronunciations, normalisation.

All pure functions. Normalisation (narrate.normalise) turns what a voice would
misread (4,350km, US$12,000, 3:30am, 2½, Mr.) into words, so every engine says
the same thing and the cache key is the text actually spoken.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from narrate.normalise import EMAIL, URL, Reading, normalise

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
    # a web or e-mail address is never the end of a sentence ('faq?lang=en'): its stops are hidden from
    # pysbd behind characters of the same length, and given back after
    for m in [*URL.finditer(text), *EMAIL.finditer(text)]:
        text = text[: m.start()] + m.group(0).translate(_HIDE) + text[m.end():]
    for seg in _segmenter(lang.split("-")[0].lower()).segment(text):
        piece = seg.strip()
        if not piece:
            continue
        start = text.find(piece, pos)
        if start < 0:  # pysbd altered the text; fall back to the running position
            start = pos
        out.append((start, " ".join(piece.translate(_SHOW).split())))
        pos = start + len(piece)
    return out


_HIDE = str.maketrans(".?!", "\ue0f0\ue0f1\ue0f2")
_SHOW = str.maketrans("\ue0f0\ue0f1\ue0f2", ".?!")


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


# --- normalisation (narrate.normalise) -------------------------------------


def prepare(text: str, lexicon: Iterable[tuple[str, str]], lang: str, reading: Reading = Reading()) -> str:
    """What an engine is given: pronunciations applied, then normalised (phonemes in [[...]] left alone)."""
    kept: list[str] = []

    def hold(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return chr(0xE000 + len(kept) - 1)  # a private-use character: no rule touches it

    held = re.sub(r"\[\[[^\]]*\]\]", hold, apply_pronunciations(text, lexicon))
    return re.sub("[\ue000-\ue0ff]", lambda m: kept[ord(m.group(0)) - 0xE000], normalise(held, lang, reading))


# --- names a voice may mangle ---------------------------------------------

FAMILIAR_ZIPF = 3.0  # an English word at least this common (wordfreq's Zipf scale: 3 is once per million words)
FOREIGN_LEAD = 1.5  # ... unless it is this much more common in Spanish, and under SPANISH_ZIPF in English
SPANISH_ZIPF = 3.5
_WORD = re.compile(r"(?<![\w'’])([^\W\d_][\w’'-]*[^\W\d_]|[^\W\d_])")
_NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "thirty",
                 "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "first", "second", "third",
                 "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"}


def _unfamiliar(word: str) -> bool:
    """Whether an English voice is likely to guess at ``word``: rare in English, or far commoner in
    Spanish (Lajas, Bajo), by wordfreq's frequencies; or spelled with letters English does not use."""
    from wordfreq import zipf_frequency

    key = word.lower()
    en = zipf_frequency(key, "en")
    if not word.isascii():
        return en < 4.0
    if en < FAMILIAR_ZIPF:
        return True
    return en < SPANISH_ZIPF and zipf_frequency(key, "es") >= en + FOREIGN_LEAD


def mangle_prone_names(text: str, known: Iterable[str]) -> list[str]:
    """The names in ``text`` (capitalised words, and any word with letters English does not use) that an
    English voice may say wrongly, unless ``known`` (the pronunciations) covers them."""
    covered = set()
    for name in known:
        covered.add(name)
        covered.update(name.split())
    found: list[str] = []
    for m in _WORD.finditer(text):
        word = re.sub(r"['’]s$", "", m.group(1))
        if word in covered or word in found or not (word[0].isupper() or not word.isascii()):
            continue
        parts = [p for p in word.split("-") if p]
        if len(parts) > 1:
            if all(p.lower() in _NUMBER_WORDS for p in parts):
                continue  # 'Ninety-Seven'
            if any(p[0].islower() for p in parts[1:]) or any(_unfamiliar(p) for p in parts):
                found.append(word)  # 'Seong-ho': a romanised given name
            continue
        if len(word) > 1 and _unfamiliar(word):
            found.append(word)
    return found
