"""The episode's timeline: the one source every output's times are written from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SentenceTime:
    """Where one spoken sentence lies in the episode."""

    chapter: int
    line: int
    text: str  # as written
    spoken: str  # as normalised for the engine
    start_ms: int
    end_ms: int
    role: str
    speaker: str | None = None
    paragraph: int = 0  # which paragraph of its chapter (from 1); 0 for titles, intro and close


@dataclass(frozen=True)
class ChapterTime:
    """Where one chapter lies in the episode; chapters tile the whole duration."""

    number: int
    title: str
    line: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Timeline:
    """Chapter and sentence times for the finished episode."""

    duration_ms: int
    chapters: tuple[ChapterTime, ...]
    sentences: tuple[SentenceTime, ...]
