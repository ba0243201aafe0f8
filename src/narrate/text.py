"""Text processing before any engine sees a word: sentences, pronunciations, normalisation.

All pure functions. Normalisation (narrate.normalise) turns what a voice would
misread (4,350km, US$12,000, 3:30am, 2½, Mr.) into words, so every engine says
the same thing and the cache key is the text actually spoken.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

from narrate.addresses import EMAIL, URL
from narrate.normalise import Reading, normalise

# --- sentences ------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _segmenter(lang: str):  # type: ignore[no-untyped-def]
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    return pysbd.Segmenter(language=lang if lang in LANGUAGE_CODES else "en", clean=False)


def _sentences(segmenter, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    """pysbd's sentences, as its processor finds them. Its ``segment`` would then find each one in the text
    again with a regular expression of its own (a new one for every sentence: 0.4 s of compiling in an
    hour's script, a third of a build with nothing to do); the caller finds them with str.find instead."""
    return [s for chunk in _chunks(text) for s in segmenter.processor(chunk).process()] if text else []


# pysbd rewrites the whole text once for each abbreviation or bracket it meets, so its time grows with the square
# of a paragraph's length ('St. St. St. ...' of 300,000 characters: hours). It is given a long paragraph in
# pieces of at most this many characters, each cut where a sentence ends (after a word of four letters or more,
# before a capital), else between words: a sentence that long is read in parts anyway.
PYSBD_CHUNK = 4000
_SENTENCE_END = re.compile(r"(?<=[^\W\d_]{4}[.!?])[\"'”’)]*\s+")
_BETWEEN_WORDS = re.compile(r"\s+")


def _chunks(text: str) -> list[str]:
    """``text`` in consecutive pieces of at most about PYSBD_CHUNK characters (see there)."""
    pieces, start = [], 0
    while len(text) - start > PYSBD_CHUNK:
        low, high = start + PYSBD_CHUNK // 2, start + PYSBD_CHUNK
        ends = [
            m.end()
            for m in _SENTENCE_END.finditer(text, low, high)
            if text[m.end() :][:2].lstrip("\"“‘(")[:1].isupper()
        ]
        ends = ends or [m.end() for m in _BETWEEN_WORDS.finditer(text, low, high)]
        cut = ends[-1] if ends else high
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


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
    for piece in _rejoin_numbers([seg.strip() for seg in _sentences(_segmenter(lang.split("-")[0].lower()), text)]):
        if not piece:
            continue
        start = text.find(piece, pos)
        if start < 0:  # pysbd altered the text; fall back to the running position
            start = pos
        out.append((start, " ".join(piece.translate(_SHOW).split())))
        pos = start + len(piece)
    return out


_LIST_MARK = re.compile(r"(\d+[.)])(?:\s+|$)")


def _rejoin_numbers(pieces: list[str]) -> list[str]:
    """Give a number back to the sentence it ends: pysbd takes 'day 1. We rested on day 2.' for a
    numbered list and splits before each '1.'. A piece that ends mid-sentence (on a word) and is
    followed by one that starts with 'N.' gets the 'N.' back, unless it is itself a list item."""
    out: list[str] = []
    for piece in pieces:
        m = _LIST_MARK.match(piece)
        if m and out and out[-1][-1:].isalnum() and not _LIST_MARK.match(out[-1]):
            out[-1] += " " + m.group(1)
            piece = piece[m.end():]
        out.append(piece)
    return out


_HIDE = str.maketrans(".?!", "\ue0f0\ue0f1\ue0f2")
_SHOW = str.maketrans("\ue0f0\ue0f1\ue0f2", ".?!")


# --- sentences too long for a voice ----------------------------------------

# Piper's memory grows with the length of what it is given at once, about 7 MB a word
# (bench/bench_sentence_memory.py: 366 MB at 50 words, 714 MB at 100, 3.9 GB at 800), so
# longer sentences are read in parts.
MAX_WORDS = 50
MAX_CHARS = 400  # a part's spoken characters: bounds a 'word' with no spaces in it too
# Where a long sentence may be cut, strongest first: after a clause's punctuation, after a comma or a
# closing bracket, and failing those between any two words.
_CUTS = (re.compile(r"(?<=[;:—–])\s+|(?<=\s-)\s+|(?<=\w—)(?=\w)"), re.compile(r"(?<=[,)\]”])\s+"), re.compile(r"\s+"))
PHONEMES = re.compile(r"(?<!\[)\[\[[^\]]*\]\]")  # raw phonemes for Piper, written [[...]]


def bounded_parts(sentence: str, spoken: Callable[[str], str],
                  max_words: int = MAX_WORDS, max_chars: int = MAX_CHARS) -> list[str]:
    """``sentence`` as written, cut into parts each of which is spoken (``spoken(part)``) in at most
    ``max_words`` words and ``max_chars`` characters; a sentence within them is one part.

    Each cut is the strongest kind of break there is (clause, comma, word) in the middle half of the
    text, else the strongest anywhere, nearest the middle; a single 'word' too long is cut by characters.
    Phonemes in [[ ]] are never cut. Joining the parts with single spaces gives back the sentence
    with its spaces normalised (where a word or dash was cut, with one space more).
    """
    text = " ".join(sentence.split())
    said = spoken(text)
    if len(said.split()) <= max_words and len(said) <= max_chars:
        return [text]
    cut = _cut_at(text)
    if cut is None:
        return [text]  # one [[phoneme]] span: it cannot be cut
    head, tail = text[: cut[0]].strip(), text[cut[1]:].strip()
    return bounded_parts(head, spoken, max_words, max_chars) + bounded_parts(tail, spoken, max_words, max_chars)


def _cut_at(text: str) -> tuple[int, int] | None:
    """Where to cut ``text`` in two: (end of the first part, start of the second)."""
    locked = [m.span() for m in PHONEMES.finditer(text)]

    def free(a: int, b: int) -> bool:
        return 0 < a and b < len(text) and not any(s < b and a < e for s, e in locked)

    middle = len(text) / 2
    found = [[m.span() for m in cuts.finditer(text) if free(*m.span())] for cuts in _CUTS]
    for central in (True, False):
        for spans in found:
            near = [s for s in spans if not central or abs(s[0] - middle) <= len(text) / 4]
            if near:
                return min(near, key=lambda s: abs(s[0] - middle))
    # one long 'word': cut it in the middle, or as near as phonemes allow
    half = len(text) // 2
    for at in (p for d in range(half + 1) for p in (half - d, half + d)):
        if free(at, at):
            return at, at
    return None


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


_TILDES = re.compile(r"~{2,}")  # strikethrough's tildes left unmatched: Markdown keeps them as text, unsaid
_NO_SOUND = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # direction marks: for the eye alone


def prepare(text: str, lexicon: Iterable[tuple[str, str]], lang: str, reading: Reading = Reading()) -> str:
    """What an engine is given: pronunciations applied, then normalised (phonemes in [[...]] left alone)."""
    kept: list[str] = []

    def hold(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return chr(0xE000 + len(kept) - 1)  # a private-use character: no rule touches it

    text = _NO_SOUND.sub("", _TILDES.sub(" ", text))
    held = PHONEMES.sub(hold, apply_pronunciations(text, lexicon))
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
