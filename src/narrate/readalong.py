"""Which written word is said when: the voice's words, told back as the words the author wrote.

A voice says what narrate gave it, not what was written: "3 March" is said "the third of March", "Mr." is
"Mister", a footnote mark is not said at all. ``written_words`` aligns the two word sequences (difflib, on
each word's letters and digits alone, case folded): a written word the voice said as written takes its
time; a run of written words said otherwise takes the time of the run of spoken words in its place, shared
out in proportion to how long each is to say (a number's digits count as a syllable each), so "3" lasts
"the third of". A word said that was never written ("dollars" after "$5") extends the written word before
it. A written word not said at all (a silent emoji, a footnote mark) is joined to the word before it (or
after it, at the start), so every written word is in a timed span, and no span is empty or overlaps another.

Where a voice does not say when it says each word (every voice but heart: narrate.engines.word_times),
``spread`` is the fallback: the sentence's spoken words share its clip in proportion to their letters, a
comma or a full stop counting as a pause. BENCHMARKS.md gives how far each is from Whisper's word times.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from narrate.engines.word_times import WordTime
from narrate.timeline import WordSpan

_TOKEN = re.compile(r"\S+")
_PAUSES = {",": 3.0, ";": 4.0, ":": 4.0, ".": 6.0, "!": 6.0, "?": 6.0, "—": 3.0, "…": 6.0}


def word_key(word: str) -> str:
    """A word as the alignment compares it: its letters and digits, case folded."""
    return "".join(c for c in word.casefold() if c.isalpha() or c.isdecimal())


def _weight(word: str) -> float:
    """How long a written word is to say, roughly: its letters, and three for each digit (a syllable or two)."""
    return max(1.0, sum(3.0 if c.isdigit() else 1.0 for c in word if c.isalnum()))


def spread(text: str, seconds: float) -> list[WordTime]:
    """The fallback: each word of ``text`` (as the voice was given it) timed in proportion to its letters over
    ``seconds`` of speech, punctuation after a word counting as a pause after it."""
    words = [w for w in _TOKEN.findall(text) if word_key(w)]
    if not words or seconds <= 0:
        return []
    sizes = [(float(len(word_key(w))), _PAUSES.get(w[-1], 0.0)) for w in words]
    total = sum(a + b for a, b in sizes) - sizes[-1][1]
    scale, at, out = seconds / total, 0.0, []
    for word, (size, pause) in zip(words, sizes):
        out.append(WordTime(word, at, at + size * scale))
        at += (size + pause) * scale
    return out


def written_words(source: str, said: Sequence[WordTime], offset_ms: int, length_ms: int) -> tuple[WordSpan, ...]:
    """The written words of ``source`` with their times in the episode: ``said`` are the voice's words, timed
    from the start of the sentence's clip as trimmed, which starts at ``offset_ms`` and lasts ``length_ms``."""
    written = [m for m in _TOKEN.finditer(source)]
    if not written or length_ms < 1:
        return ()
    keyed = [i for i, m in enumerate(written) if word_key(m.group())]  # a mark with no letter or digit is not said
    if not keyed or not said:  # nothing to tell the words apart by: the sentence is one span
        return (WordSpan(" ".join(source.split()), offset_ms, offset_ms + length_ms),)
    found = _owners([word_key(written[i].group()) for i in keyed], [word_key(w.text) for w in said],
                    [_weight(written[i].group()) for i in keyed])
    owner: list[list[int]] = [[] for _ in written]
    for i, js in zip(keyed, found):
        owner[i] = js
    spans: list[tuple[int, int, float, float]] = []  # (first char, end char, start s, end s)
    for i, m in enumerate(written):
        times = [said[j] for j in owner[i]]
        if times:  # (words before the first one said are joined to it, and words not said to the one before)
            first = m.start() if spans else written[0].start()
            spans.append((first, m.end(), min(t.start for t in times), max(t.end for t in times)))
        elif spans:
            spans[-1] = (spans[-1][0], m.end(), spans[-1][2], spans[-1][3])
    return _in_episode(source, spans, offset_ms, length_ms)


def _in_episode(source: str, spans: list[tuple[int, int, float, float]], offset_ms: int,
                length_ms: int) -> tuple[WordSpan, ...]:
    """Each span's text and episode times: in order, inside the clip, none empty, none overlapping the next (a span
    that would start when the clip has ended is joined to the one before)."""
    out: list[tuple[int, int, int, int]] = []  # (first char, end char, start ms, end ms)
    limit = offset_ms + length_ms
    for k, (a, b, start, end) in enumerate(spans):
        begin = max(offset_ms + round(start * 1000), out[-1][3] if out else offset_ms)
        if out and begin >= limit:
            out[-1] = (out[-1][0], b, out[-1][2], limit)
            continue
        begin = min(begin, limit - 1)
        stop = min(offset_ms + round(end * 1000), limit)
        if k + 1 < len(spans):
            stop = min(stop, offset_ms + round(spans[k + 1][2] * 1000))
        out.append((a, b, begin, max(stop, begin + 1)))
    return tuple(WordSpan(" ".join(source[a:b].split()), begin, stop) for a, b, begin, stop in out)


def _owners(written: list[str], spoken: list[str], weights: list[float]) -> list[list[int]]:
    """For each written word, the indices of the spoken words that say it."""
    owner: list[list[int]] = [[] for _ in written]
    matcher = difflib.SequenceMatcher(None, written, spoken, autojunk=False)
    last = -1  # the last written word given a spoken one
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                owner[i1 + k].append(j1 + k)
            last = i2 - 1
        elif op == "insert":  # said, never written: the word before says it, or the next at the start
            owner[last if last >= 0 else min(i1, len(written) - 1)].extend(range(j1, j2))
        elif op == "replace":
            for i, js in enumerate(_replaced(written[i1:i2], spoken[j1:j2], weights[i1:i2])):
                owner[i1 + i].extend(j1 + j for j in js)
            last = i2 - 1
    return owner


def _replaced(written: list[str], spoken: list[str], weights: list[float]) -> list[list[int]]:
    """For a run of written words said otherwise, the spoken words of each (indices into ``spoken``): a word at
    either end said as its letters in two to four pieces ("a.m." as "A M") takes them; the rest are shared."""
    out: list[list[int]] = [[] for _ in written]
    lo, hi, a, b = 0, len(written), 0, len(spoken)
    while lo < hi and (k := _pieces(written[lo], spoken[a:b])):
        out[lo], lo, a = list(range(a, a + k)), lo + 1, a + k
    while lo < hi and (k := _pieces(written[hi - 1], spoken[a:b][::-1])):
        out[hi - 1], hi, b = list(range(b - k, b)), hi - 1, b - k
    if lo < hi and a < b:
        for j, i in zip(range(a, b), _shared(weights[lo:hi], b - a)):
            out[lo + i].append(j)
    elif a < b:  # every written word placed: what is left was said with the one before
        out[max(lo - 1, 0)].extend(range(a, b))
    return out


def _pieces(word: str, spoken: list[str]) -> int:
    """How many of the first spoken words (two to four) spell ``word`` together; 0 if none do."""
    for k in range(2, min(4, len(spoken)) + 1):
        if "".join(spoken[:k]) == word or "".join(reversed(spoken[:k])) == word:
            return k
    return 0


def _shared(weights: list[float], count: int) -> list[int]:
    """Which of the written words (by ``weights``) each of ``count`` spoken words goes to, in order: one each,
    and the rest in proportion to the weights; when fewer are spoken than written, evenly (some get none)."""
    n = len(weights)
    if count < n:
        return [int((j + 0.5) * n / count) for j in range(count)]
    spare, total = count - n, sum(weights)
    extra = [int(spare * w / total) for w in weights]
    by_remainder = sorted(range(n), key=lambda i: -(spare * weights[i] / total - extra[i]))
    for i in by_remainder[: spare - sum(extra)]:
        extra[i] += 1
    return [i for i in range(n) for _ in range(1 + extra[i])]
