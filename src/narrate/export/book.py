"""The structure a talking book is made of (narrate.export.daisy, narrate.export.epub), from the plan and
the finished timeline: per chapter, its headings and paragraphs, and each spoken sentence as a clip of
the chapter's own audio file.

A chapter's clips tile its audio: each runs from its sentence's start to the next one's (the first from
0, the last to the chapter's end), so a player that plays clip after clip plays every sound, chimes and
pauses included, and the clips add up to the book's length. The sentence itself lies inside its clip.

Headings: the book's title (level 0), each chapter's title (1), its leg details if the script gives any
(2: "Leg 4 of 8: from Kunming to Hekou, by bus", so a reader can jump to a leg by heading), and the
script's own sub-headings (## and below), never more than one level under the heading before them.
"""

from __future__ import annotations

import datetime as _dt
from itertools import groupby
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

from narrate import __version__
from narrate.phrases import phrases
from narrate.plan import Plan, leg_description
from narrate.timeline import SentenceTime, Timeline


@dataclass(frozen=True)
class Word:
    """One written word of a sentence: its id in the text, and its clip of the chapter's audio (ms)."""

    id: str
    text: str
    begin_ms: int
    end_ms: int


@dataclass(frozen=True)
class Clip:
    """One sentence: its id in the text, its words as written, and its clip of the chapter's audio (ms); in a
    paragraph, each word too, their clips tiling the sentence's."""

    id: str
    text: str
    begin_ms: int
    end_ms: int
    language: str = ""  # in another language than the book's: which
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Heading:
    id: str
    level: int  # 1 to 6
    text: str
    clips: tuple[Clip, ...]  # the heading as spoken; none for a chapter title that says nothing ('...')
    at: Clip | None = None  # where it leads when it is not spoken: the chapter's first sentence

    @property
    def target(self) -> Clip:
        target = self.clips[0] if self.clips else self.at
        assert target is not None
        return target


@dataclass(frozen=True)
class Paragraph:
    id: str
    clips: tuple[Clip, ...]
    speaker: str | None = None
    role: str = "text"  # or 'intro' (the title, said before the first chapter) or 'outro' (the close)


Part = Heading | Paragraph


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    duration_ms: int  # of its audio file
    parts: tuple[Part, ...]

    @property
    def clips(self) -> list[Clip]:
        return [c for p in self.parts for c in p.clips]

    @property
    def headings(self) -> list[Heading]:
        return [p for p in self.parts if isinstance(p, Heading)]


@dataclass(frozen=True)
class Book:
    title: str
    author: str | None
    publisher: str
    language: str
    date: str  # yyyy-mm-dd
    identifier: str
    narrator: str
    description: str | None
    generator: str
    chapters: tuple[Chapter, ...]

    @property
    def duration_ms(self) -> int:
        return sum(c.duration_ms for c in self.chapters)


def make_book(plan: Plan, timeline: Timeline, durations: dict[int, int], identifier: str, narrator: str,
              built: _dt.date) -> Book:
    """The book of an episode: ``durations`` are each chapter's audio in whole ms, ``identifier`` its
    permanent id (the feed item's guid), ``narrator`` the voice, ``built`` its date when the script gives none."""
    meta = plan.meta
    by_chapter: dict[int, list[SentenceTime]] = {}
    for s in timeline.sentences:
        by_chapter.setdefault(s.chapter, []).append(s)
    settings = {c.number: c.settings for c in plan.chapters}
    count = len(timeline.chapters)
    chapters = []
    for c in timeline.chapters:
        said = by_chapter.get(c.number, [])
        length = durations[c.number]
        starts = [0] + [min(s.start_ms - c.start_ms, length) for s in said[1:]]
        ends = starts[1:] + [length]
        clips = [Clip(f"c{c.number}s{i}", s.text, a, b, s.language,
                      _words(f"c{c.number}s{i}", s, a, b, c.start_ms) if s.role != "leg" else ())
                 for i, (s, a, b) in enumerate(zip(said, starts, ends), 1)]
        parts: list[Part] = []
        level = 1
        # consecutive sentences of one paragraph, or the parts of one heading said in parts, make one part
        for key, group in groupby(zip(said, clips), key=lambda sc: _part_of(sc[0])):
            run = list(group)
            first, these = run[0][0], tuple(clip for _, clip in run)
            kind, pid = key[0], f"c{c.number}{'h' if key[0] in HEADINGS else 'p'}{len(parts) + 1}"
            if kind == "title":
                level = 1
                parts.append(Heading(pid, 1, c.title, _shown_as(c.title, these)))
            elif kind == "leg":
                level = 2
                details = leg_description(settings[c.number], plan.meta.language) or first.text
                parts.append(Heading(pid, 2, phrases(plan.meta.language).leg.format(n=c.number, count=count,
                                                                                   details=details), these))
            elif kind in HEADINGS:
                level = min(int(kind[1]), level + 1)
                parts.append(Heading(pid, level, first.text, these))
            else:
                speakers = {s.speaker for s, _ in run}  # a paragraph one speaker says all of is theirs
                parts.append(Paragraph(pid, these, first.speaker if len(speakers) == 1 else None, kind))
        if not any(isinstance(p, Heading) and p.level == 1 for p in parts) and clips:
            # a title of punctuation alone is not spoken; the chapter is still a heading to move to
            parts.insert(0, Heading(f"c{c.number}h0", 1, c.title, (), at=clips[0]))
        chapters.append(Chapter(c.number, c.title, length, tuple(parts)))
    date = meta.date or built
    return Book(
        title=meta.title, author=meta.author, publisher=meta.author or "narrate", language=meta.language,
        date=date.isoformat(), identifier=identifier, narrator=narrator, description=meta.description,
        generator=f"narrate {__version__}", chapters=tuple(chapters),
    )


HEADINGS = ("title", "leg", "h2", "h3", "h4", "h5", "h6")


def _shown_as(title: str, clips: tuple[Clip, ...]) -> tuple[Clip, ...]:
    """A chapter title's clip with its words as the heading shows them ("The river" is said "The river."); without
    word times if the title and what is said have different numbers of words."""
    if len(clips) != 1:
        return clips  # said in parts: the heading shows each part as said
    tokens = title.split()
    if len(tokens) != len(clips[0].words):
        return (replace(clips[0], words=()),)
    return (replace(clips[0], words=tuple(replace(w, text=t) for w, t in zip(clips[0].words, tokens))),)


def _words(sentence: str, s: SentenceTime, begin: int, end: int, chapter_start: int) -> tuple[Word, ...]:
    """A sentence's words, each clip from the word's start to the next one's, the first from the sentence clip's
    start and the last to its end: so the words play every sound of the sentence's clip, one after another."""
    if len(s.words) < 2:
        return ()
    starts = [begin] + [min(max(w.start_ms - chapter_start, begin), end) for w in s.words[1:]]
    starts = [max(a, b) for a, b in zip(starts, [begin] + starts)]  # never before the word before
    ends = starts[1:] + [end]
    return tuple(Word(f"{sentence}w{k}", w.text, a, b)
                 for k, (w, a, b) in enumerate(zip(s.words, starts, ends), 1) if b > a)


def _part_of(s: SentenceTime) -> tuple:
    """Which part of the book a sentence belongs to: a heading (by its kind and line, so a heading said in
    parts is one), or a paragraph (by its number, whoever says its passages; the intro and the close are
    paragraphs too)."""
    if s.role in HEADINGS:
        return s.role, s.line
    kind = s.role if s.role in ("intro", "outro") else "text"
    return kind, s.paragraph


def add_text(parent: ET.Element, parts: tuple[Part, ...], words: bool = True) -> None:
    """The parts as (X)HTML under ``parent``: each heading an h1..h6 and each paragraph a p (class 'speaker'
    when a speaker says it), with every sentence a span whose id its clip points to, and with ``words``, each
    word of a paragraph's sentence a span of its own in it."""
    for part in parts:
        if isinstance(part, Heading):
            el = ET.SubElement(parent, f"h{part.level}", {"id": part.id})
            if not part.clips:
                el.text = part.text
            texts = [part.text] if len(part.clips) == 1 else [c.text for c in part.clips]
        else:
            el = ET.SubElement(parent, "p", {"id": part.id, **({"class": "speaker"} if part.speaker else {})})
            texts = [c.text for c in part.clips]
        for i, (clip, text) in enumerate(zip(part.clips, texts)):
            span = ET.SubElement(el, "span", {"id": clip.id, **({"lang": clip.language, "xml:lang": clip.language}
                                                                if clip.language else {})})
            if clip.words and words:
                _add_words(span, clip.words)
            else:
                span.text = text
            span.tail = " " if i < len(part.clips) - 1 else None


def _add_words(span: ET.Element, words: tuple[Word, ...]) -> None:
    """A sentence's words, each a span with its id, a space between them."""
    for k, word in enumerate(words):
        child = ET.SubElement(span, "span", {"id": word.id})
        child.text = word.text
        child.tail = " " if k < len(words) - 1 else None


def clock(ms: int) -> str:
    """hh:mm:ss, rounded to the second (DAISY's ncc:totalTime)."""
    s = (ms + 500) // 1000
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def npt(ms: int) -> str:
    """A SMIL 1.0 clip time: npt=12.345s."""
    return f"npt={ms / 1000:.3f}s"
