"""The episode's timeline: the one source every output's times are written from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WordSpan:
    """When one written word is said in the episode (a word not said on its own, such as a footnote mark, is
    joined to its neighbour: narrate.readalong)."""

    text: str  # as written
    start_ms: int
    end_ms: int


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
    cells: tuple[str, ...] = ()  # a table's header ('table') or a row's cells ('row'), as written
    language: str = ""  # a passage in another language than the script's: which
    words: tuple[WordSpan, ...] = ()  # its written words, each with when it is said
    timed_by: str = ""  # where the words' times come from: 'voice' (its own model) or 'spread' (narrate.readalong)


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


def clock(ms: int) -> str:
    """'1:02:03' or '2:03' for a time in milliseconds (whole seconds, cut; add 500 to round)."""
    h, rem = divmod(int(ms) // 1000, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def stamp(ms: int, sep: str = ".") -> str:
    """'01:02:03.456' for a time in milliseconds: WebVTT (sep '.'), SRT (','), Vorbis chapters."""
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"
