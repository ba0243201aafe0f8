"""Sentences' clips as the mix uses them: trimmed, and read back from the cache only when rendered.

The synthesis stage works out what the mix needs to know of each clip while the clip
is in hand (``ClipFacts``, and its loudness frames); after that only those facts stay in
memory, and the samples are read back when a stretch of the episode is rendered. So
memory does not grow with the length of a book.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from narrate.audio import Clip, resampled_length, speech_bounds
from narrate.engines.word_times import WordTime
from narrate.loudness import clip_energies

SPEECH_ACTIVE_DB = -45.0  # a 10 ms frame of a clip counts as speech above this RMS


@dataclass(frozen=True, eq=False)
class ClipFacts:
    """What the mix needs to know of a sentence's clip without holding its samples: where its silence is
    trimmed to, and which of its 10 ms frames (from the trimmed start) hold speech."""

    rate: int
    start: int
    stop: int
    active: np.ndarray

    @property
    def length(self) -> int:
        return self.stop - self.start

    def trim(self, clip: Clip) -> Clip:
        """The clip these facts were worked out from, without its silence."""
        return Clip(clip.samples[self.start : self.stop], clip.rate)

    @classmethod
    def of(cls, clip: Clip) -> ClipFacts:
        start, stop = speech_bounds(clip.samples, clip.rate)
        trimmed = clip.samples[start:stop]
        f = clip.rate // 100
        m = len(trimmed) // f
        ms = np.square(trimmed[: m * f], dtype=np.float64).reshape(m, f).mean(axis=1)
        return cls(clip.rate, start, stop, np.flatnonzero(ms > 10 ** (SPEECH_ACTIVE_DB / 10)))


class Clips(Mapping[str, Clip]):
    """Every sentence's clip by key, trimmed of its silence, with its facts (``ClipFacts``) and loudness frames.

    Only the facts stay in memory: the samples are read back (through ``load``, from the speech cache) when
    a clip is asked for, and the last few kept, so memory does not grow with the length of the book.
    """

    KEEP = 24  # clips held at once: enough for the stretches two threads render side by side

    def __init__(self, facts: dict[str, ClipFacts], energies: dict[str, np.ndarray],
                 load: Callable[[str], Clip], keep: int = KEEP,
                 words: dict[str, tuple[WordTime, ...]] | None = None) -> None:
        self.facts, self.energies, self._load, self.keep = facts, energies, load, keep
        self.words = words if words is not None else {}  # by key, for voices that say when each word is said
        self._kept: dict[str, Clip] = {}
        self._lock = threading.Lock()

    @classmethod
    def in_memory(cls, clips: Mapping[str, Clip]) -> Clips:
        """Clips already in memory (a test, a benchmark): all kept."""
        if isinstance(clips, Clips):
            return clips
        facts = {key: ClipFacts.of(clip) for key, clip in clips.items()}
        energies = {key: clip_energies(facts[key].trim(clip)) for key, clip in clips.items()}
        return cls(facts, energies, lambda key: clips[key], keep=len(clips))

    def __getitem__(self, key: str) -> Clip:
        with self._lock:
            if key in self._kept:
                self._kept[key] = self._kept.pop(key)  # most recently used last
                return self._kept[key]
        trimmed = self.facts[key].trim(self._load(key))
        with self._lock:
            self._kept[key] = trimmed
            while len(self._kept) > self.keep:
                self._kept.pop(next(iter(self._kept)))
        return trimmed

    def __iter__(self) -> Iterator[str]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    def spoken_words(self, key: str, text: str) -> list[WordTime]:
        """When each word of a sentence (``text``, as its voice was given it) is said, in seconds from the start
        of its trimmed clip: as its voice told it, else spread over the clip (narrate.readalong.spread)."""
        from narrate.readalong import spread

        facts = self.facts[key]
        if key not in self.words:
            return spread(text, facts.length / facts.rate)
        shift = facts.start / facts.rate
        return [WordTime(w.text, w.start - shift, w.end - shift) for w in self.words[key]]

    def timed_by(self, key: str) -> str:
        """Where a sentence's word times come from: 'voice' (it said them) or 'spread'."""
        return "voice" if key in self.words else "spread"

    def length_at(self, key: str, rate: int) -> int:
        """How many samples a clip lasts, trimmed, once resampled to ``rate``."""
        facts = self.facts[key]
        return resampled_length(facts.length, facts.rate, rate)
