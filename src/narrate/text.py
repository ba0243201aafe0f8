"""Text processing before any engine sees a word: sentences, pronunciations, normalisation.

All pure functions. Normalisation (narrate.normalise) turns what a voice would
misread (4,350km, US$12,000, 3:30am, 2½, Mr.) into words, so every engine says
the same thing and the cache key is the text actually spoken.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from narrate.normalise import normalise

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


# --- normalisation (narrate.normalise) -------------------------------------


def prepare(text: str, lexicon: Iterable[tuple[str, str]], lang: str) -> str:
    """What an engine is given: pronunciations applied, then normalised (phonemes in [[...]] left alone)."""
    parts = re.split(r"(\[\[[^\]]*\]\])", apply_pronunciations(text, lexicon))
    return " ".join(p if p.startswith("[[") else normalise(p, lang) for p in parts if p.strip()).replace(" ,", ",")


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
