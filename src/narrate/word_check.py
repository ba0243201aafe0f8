"""Are the words said when the build record says? Each written word's time, against a recogniser's word timestamps.

verify transcribes the finished episode with Whisper, word timestamps on (faster-whisper's cross-attention
alignment). Here the words heard are matched with the record's words, chapter by chapter (by time, then by
spelling: difflib over each word's letters and digits, case folded), and only words heard as written are
compared: a number read out, or a word misheard, is the word error rate's business, not timing's. The gap of a
word is how far its start is from the start heard, and its end from the end heard; the report gives their
median and 90th percentile: for the words whose voice said when it said them (heart, Kokoro in English), which
fail verify above MAX_MEDIAN_MS, and apart from them, as an estimate, the words spread over their sentences for
the voices that do not say (BENCHMARKS.md, "Word times": 110 to 180 ms at the median).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from narrate.readalong import word_key
from narrate.record import BuildRecord

MAX_MEDIAN_MS = 100  # verify fails above this median gap


@dataclass(frozen=True)
class WordTiming:
    """How far the record's word times are from those heard: median and 90th percentile, over ``words`` words;
    ``timed_by`` says whose times they are: 'voice' (the voice's own), or 'spread' (narrate's estimate)."""

    median_ms: float
    p90_ms: float
    words: int
    timed_by: str = "voice"

    def failure(self) -> str | None:
        """Why the voice's own times fail (None: they pass). An estimate is reported, never failed: it is what
        a voice that does not say when it says each word gets."""
        if self.timed_by != "voice" or self.median_ms <= MAX_MEDIAN_MS:
            return None
        return (f"the words' times are {self.median_ms:.0f} ms from where the recogniser hears them (median over "
                f"{self.words} words), over {MAX_MEDIAN_MS} ms")

    def describe(self) -> str:
        whose = "word times" if self.timed_by == "voice" else "word times spread over sentences (an estimate)"
        return (f"{whose}: {self.median_ms:.0f} ms from the recogniser's at the median, {self.p90_ms:.0f} ms at "
                f"the 90th percentile ({self.words} words heard as written)")


def word_timings(record: BuildRecord, heard: list[tuple[str, float, float]],
                 unheard: frozenset[int] = frozenset()) -> tuple[WordTiming, ...]:
    """The voices' own word times, then the estimated ones, each against ``heard``, where there are any."""
    found = (word_timing(record, heard, unheard, by) for by in ("voice", "spread"))
    return tuple(t for t in found if t is not None)


def word_timing(record: BuildRecord, heard: list[tuple[str, float, float]], unheard: frozenset[int] = frozenset(),
                timed_by: str = "voice") -> WordTiming | None:
    """The record's words timed by ``timed_by`` against ``heard`` (word, start s, end s); None if no word could be
    matched. Passages in another language, and the ``unheard`` chapters, are left out."""
    gaps: list[float] = []
    for chapter in record.chapters:
        if chapter.number in unheard:
            continue
        # words timed otherwise are kept in the alignment (as anchors), and left out of the gaps
        mine = [(w, s.timed_by == timed_by) for s in record.sentences
                if s.chapter == chapter.number and not s.language for w in s.words]
        theirs = [(word_key(w), a * 1000, b * 1000) for w, a, b in heard
                  if chapter.start_ms <= (a + b) * 500 < chapter.end_ms and word_key(w)]
        keys = [word_key(w.text) for w, _ in mine]
        matcher = difflib.SequenceMatcher(None, keys, [k for k, _, _ in theirs], autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                (w, counted), (_, a, b) = mine[block.a + k], theirs[block.b + k]
                if counted:
                    gaps += [abs(w.start_ms - a), abs(w.end_ms - b)]
    if not gaps:
        return None
    return WordTiming(float(np.median(gaps)), float(np.percentile(gaps, 90)), len(gaps) // 2, timed_by)
