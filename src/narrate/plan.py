"""Turn a parsed script into a plan: per chapter, what is said (and by whom) and where the silences go.

Every spoken item carries its cache key, so the plan alone says what a build will cost. Planning resolves each
voice with its engine, which is where an unknown engine or voice is reported, with the line that named it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from narrate.casting import Voices, cast_speakers
from narrate.engines import Engines, ResolvedVoice
from narrate.script import Chapter, ChapterSettings, Heading, Meta, Paragraph, Pause, Script, Table
from narrate.normalise import Reading
from narrate.phonemes import check_phonemes, known_phonemes
from narrate.phrases import listed, phrases, primary
from narrate.text import bounded_parts, prepare, split_sentences

# Silences, in seconds. A chapter starts with its cue, CUE_LEAD after its marker, so skipping to a chapter lands on
# the chime; without a cue it starts with CHAPTER_LEAD of silence, so the marker never falls mid-word.
CUE_LEAD = 0.05
CHAPTER_LEAD = 1.0
AFTER_INTRO = 1.5
AFTER_TITLE = 0.9
SENTENCE_GAP = 0.35
CLAUSE_GAP = 0.2  # between the parts of a sentence too long to be said at once (narrate.text.bounded_parts)
BEFORE_HEADING = 1.2  # a sub-heading ('## ...') stands apart: a longer pause before it
AFTER_HEADING = 0.8
PARAGRAPH_GAP = 0.8
CHAPTER_TAIL = 1.0
BEFORE_OUTRO = 0.6
OUTRO_TAIL = 0.3

SPEECH_FORMAT = 3  # part of every speech key: bump it when what a synthesised sentence depends on changes
# (2: Piper's random draws seeded by each sentence's own phonemes; 3: drawn by PCG64 and Box-Muller, only what
# each draw needs, and denormals flushed to zero)


@dataclass(frozen=True)
class Speech:
    """One sentence to synthesise."""

    text: str  # normalised: exactly what the engine is given
    source: str  # as the author wrote it (for transcripts)
    voice: ResolvedVoice
    key: str
    line: int
    role: str  # "intro", "title", "leg", "text", "outro", "h2".."h6" (a sub-heading), "table" or "row"
    speaker: str | None = None
    paragraph: int = 0  # which paragraph of its chapter (from 1); 0 outside the body
    cells: tuple[str, ...] = ()  # for a table's lead-in ('table') its header, for a row ('row') its cells
    part: tuple[int, int] = (1, 1)  # (which, of how many): a sentence too long to say at once is said in parts
    language: str = ""  # a passage in another language than the script's: which ('' for the script's)


@dataclass(frozen=True)
class Silence:
    """A gap of known length; ``explicit`` when the script asked for it with [pause]."""

    seconds: float
    line: int
    explicit: bool = False


@dataclass(frozen=True)
class Cue:
    """A sound played at this point: the chapter 'chime', or the 'intro' or 'outro' sting. How long it holds the
    timeline is the mixer's business: it knows the sound's length."""

    kind: str
    line: int


Item = Speech | Silence | Cue


@dataclass(frozen=True)
class ChapterPlan:
    """Everything one chapter will say, in order."""

    number: int
    title: str
    line: int
    settings: ChapterSettings
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Plan:
    """A whole episode's plan."""

    path: str
    meta: Meta
    chapters: tuple[ChapterPlan, ...]
    edition: str = "full"
    rate: float = 1.0  # every voice's speed, and every pause, at this rate
    switches: tuple[tuple[str, str, str, int], ...] = ()  # (who, the voice, the language, its first line)

    @property
    def edition_name(self) -> str:
        """What the edition is called in file and feed names: 'full', 'speech', 'rate-0.85', 'speech-rate-0.85'."""
        return edition_name(self.edition, self.rate)

    def speeches(self) -> Iterator[Speech]:
        for chapter in self.chapters:
            for item in chapter.items:
                if isinstance(item, Speech):
                    yield item

    def unique_speeches(self) -> list[Speech]:
        """One Speech per cache key, in script order."""
        seen: dict[str, Speech] = {}
        for s in self.speeches():
            seen.setdefault(s.key, s)
        return list(seen.values())


def speech_key(voice: ResolvedVoice, text: str) -> str:
    """The cache key of one sentence said by one voice: the hash of canonical JSON of everything that
    changes its sound (engine, voice-model hash, voice settings, normalised text, key format)."""
    payload = {
        "format": SPEECH_FORMAT,
        "engine": voice.engine,
        "model": voice.model_id,
        "settings": dict(voice.settings),
        "text": text,
    }
    canon = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def edition_name(edition: str, rate: float = 1.0) -> str:
    """'full', 'speech', 'rate-0.85' or 'speech-rate-0.85': an edition at a reading rate is an edition of its own."""
    if rate == 1.0:
        return edition
    return f"rate-{rate:g}" if edition == "full" else f"{edition}-rate-{rate:g}"


def plan_episode(script: Script, engines: Engines, edition: str = "full", allow: tuple[str | Path, ...] = (),
                 rate: float | None = None) -> Plan:
    """Plan every chapter of a script, for the 'full' or the 'speech'-only edition (a voice's own files must
    be in the script's folder or an ``allow`` folder), read at ``rate`` (default: the script's 'rate')."""
    script = replace(script, meta=cast_speakers(script.meta, engines, script.path))  # voices for whom none is given
    meta = script.meta
    rate = meta.rate if rate is None else rate
    planner = _Planner(script, Voices(script, engines, allow, rate), stings=edition == "full")
    count = len(script.chapters)
    chapters = [planner.chapter(number, chapter, count) for number, chapter in enumerate(script.chapters, start=1)]
    if rate != 1.0:  # the pauses too, so the reading keeps its shape
        chapters = [replace(c, items=tuple(replace(i, seconds=round(i.seconds / rate, 3)) if isinstance(i, Silence)
                                           else i for i in c.items)) for c in chapters]
    switches = tuple((next((s.name for s in meta.speakers if s.voice == before), "the narrator"), chosen.model,
                      language, line) for (before, language), (chosen, line) in planner.voices.switched.items())
    return Plan(script.path, meta, tuple(chapters), edition, rate, switches)


class _Planner:
    """Turns a script's chapters into what is said and heard, in order: stings, titles, sentences, pauses."""

    def __init__(self, script: Script, voices: Voices, stings: bool) -> None:
        meta = self.meta = script.meta
        self.script, self.voices, self.stings = script, voices, stings
        self.reading = Reading(links=meta.links, tasks=meta.tasks, emoji=meta.emoji, footnotes=meta.footnotes,
                               images=meta.images, language=meta.language)
        self.narrator = voices(meta.voice)
        for speaker in meta.speakers:
            voices(speaker.voice)  # report a bad speaker voice even if they never speak

    def say(self, text: str, voice: ResolvedVoice, line: int, role: str, speaker: str | None = None,
            paragraph: int = 0, cells: tuple[str, ...] = (), language: str = "") -> list[Item]:
        """The speech for one sentence: one Speech, or, for a sentence too long for a voice to take at once,
        its parts with a short gap between them; nothing for punctuation alone."""
        meta, path = self.meta, self.script.path
        lexicon = meta.lexicon(voice.engine)
        said: dict[str, str] = {}
        language = "" if language == meta.language else language
        read = replace(self.reading, language=language) if language else self.reading

        def spoken(part: str) -> str:
            if part not in said:
                said[part] = prepare(part, lexicon, language or meta.language, read)
            return said[part]

        parts = [p for p in bounded_parts(text, spoken) if any(ch.isalnum() for ch in spoken(p))]
        out: list[Item] = []
        symbols = self.voices.symbols(voice)
        for n, part in enumerate(parts, start=1):
            check_phonemes(part, path, line)
            if symbols is not None:
                known_phonemes(spoken(part), symbols, voice, meta, path, line)
            if out:
                out.append(Silence(CLAUSE_GAP, line))
            out.append(Speech(spoken(part), part, voice, speech_key(voice, spoken(part)), line, role, speaker,
                              paragraph, cells, (n, len(parts)), language))
        return out

    def chapter(self, number: int, chapter: Chapter, count: int) -> ChapterPlan:
        """A chapter's plan: the episode's opening before the first, its cue and title, its body, and the close
        after the last."""
        meta, mix, line = self.meta, self.meta.mix, chapter.line
        items: list[Item] = self._opening() if number == 1 and mix.intro else []
        if mix.cue:
            items += [Silence(CUE_LEAD, line), Cue("chime", line)] if not items else [Cue("chime", line)]
        else:
            items.append(Silence(CHAPTER_LEAD, line))
        for role, text in chapter_announcement(chapter, number, count, meta.language):
            told = chapter.settings.language if role == "title" and chapter.settings.language else meta.language
            teller = self.voices(self.voices.in_language(meta.voice, told, line)) if told != meta.language \
                else self.narrator
            if s := self.say(text, teller, line, role, language=told):
                items += [*s, Silence(SENTENCE_GAP, line)]
        _end_with(items, Silence(AFTER_TITLE, line))
        items += _body(chapter, meta, self.voices, self.narrator, self.say)
        items.append(Silence(CHAPTER_TAIL, line))
        if number == count and mix.outro:
            self._close(items, line)
        return ChapterPlan(number, chapter.title, line, chapter.settings, tuple(_merge_silences(items)))

    def _opening(self) -> list[Item]:
        items: list[Item] = [Cue("intro", 1)] if self.stings else []
        for line_text in intro_lines(self.meta):
            if s := self.say(line_text, self.narrator, 1, "intro"):
                items += [*s, Silence(SENTENCE_GAP, 1)]
        _end_with(items, Silence(AFTER_INTRO, 1))
        return items

    def _close(self, items: list[Item], line: int) -> None:
        for _, text in split_sentences(close_text(self.meta), self.meta.language):
            if s := self.say(text, self.narrator, line, "outro"):
                items += [*s, Silence(SENTENCE_GAP, line)]
        _end_with(items, Silence(BEFORE_OUTRO, line))
        items += [Cue("outro", line), Silence(OUTRO_TAIL, line)] if self.stings else []


WORDS_PER_MINUTE = 223  # the joe voice at speed 1.0 (201 at 0.9, measured on the demo)


def speaking_seconds(speeches: Iterable[Speech]) -> float:
    """About how long these sentences take to say, at each voice's speed."""
    return sum(len(s.text.split()) / (WORDS_PER_MINUTE * float(dict(s.voice.settings).get("speed", 1.0))) * 60
               for s in speeches)


def estimated_seconds(plan: Plan) -> float:
    """About how long the episode will be: its speech and its silences (not its cues)."""
    silence = sum(i.seconds for c in plan.chapters for i in c.items if isinstance(i, Silence))
    return speaking_seconds(plan.speeches()) + silence


def intro_lines(meta: Meta) -> list[str]:
    """What is said before the first chapter: the episode's title and author, in the script's language."""
    lines = [_sentence(meta.title)]
    if meta.author:
        lines.append(phrases(meta.language).by.format(author=meta.author.strip().rstrip(".")))
    return lines


def close_text(meta: Meta) -> str:
    """The spoken close at the end of the episode, in the script's language."""
    if meta.mix.close:
        return meta.mix.close
    said = phrases(meta.language)
    title = meta.title.strip().rstrip(".")
    return said.close_by.format(title=title, author=meta.author.strip().rstrip(".")) if meta.author else \
        said.close.format(title=title)


def chapter_announcement(chapter: Chapter, number: int, count: int, language: str = "en") -> list[tuple[str, str]]:
    """What is said at the start of a chapter, as (role, text): its title, then the leg's
    details when the script gives any ('Leg three of eight: from Kunming to Hekou, by bus.')."""
    said = [("title", _sentence(chapter.title))]
    if details := leg_description(chapter.settings, language):
        from narrate.numbers import number_words

        code = primary(language)
        said.append(("leg", _sentence(phrases(language).leg.format(
            n=number_words(number, lang=code), count=number_words(count, lang=code), details=details))))
    return said


def leg_description(settings: ChapterSettings, language: str = "en") -> str | None:
    """'from Kunming to Hekou, by bus, 350 km' from a chapter's settings, if it has any, in the language."""
    said = phrases(language)
    parts = []
    if settings.origin and settings.destination:
        parts.append(said.from_to.format(origin=settings.origin, destination=settings.destination))
    elif settings.destination:
        parts.append(said.to.format(destination=settings.destination))
    elif settings.origin:
        parts.append(said.from_.format(origin=settings.origin))
    if settings.travel:
        travel = settings.travel
        parts.append(travel if travel.startswith(said.travel_words) else said.by_travel.format(travel=travel))
    if settings.distance:
        parts.append(settings.distance)
    return ", ".join(parts) or None


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."


def _body(chapter: Chapter, meta: Meta, voices: Voices, narrator: ResolvedVoice,
          say: Callable[..., list[Item]]) -> list[Item]:
    """A chapter's blocks as what is said, in order: paragraphs and their speakers, headings, tables, pauses."""
    items: list[Item] = []
    paragraph = 0
    for block in chapter.blocks:
        if isinstance(block, Pause):
            items.append(Silence(block.seconds, block.line, explicit=True))
            continue
        if isinstance(block, Table):
            paragraph += 1
            for text, line, role, cells in table_sentences(block, meta.language):
                if s := say(text, narrator, line, role, None, paragraph, cells):
                    items += [*s, Silence(SENTENCE_GAP, line)]
            if items and isinstance(items[-1], Silence):
                items[-1] = Silence(PARAGRAPH_GAP, items[-1].line)
            continue
        if isinstance(block, Heading):
            paragraph += 1
            if s := say(block.text, narrator, block.line, f"h{block.level}", None, paragraph):
                items += [Silence(BEFORE_HEADING, block.line), *s, Silence(AFTER_HEADING, block.line)]
            continue
        assert isinstance(block, Paragraph)
        speaker = meta.speaker(block.speaker) if block.speaker else None
        settings = speaker.voice if speaker else meta.voice
        language = block.language or chapter.settings.language or meta.language
        voice = voices(voices.in_language(settings, language, block.line)) if language != meta.language else \
            voices(settings) if speaker else narrator
        if block.joined and items and isinstance(items[-1], Silence):  # the same paragraph, in another language
            items[-1] = Silence(SENTENCE_GAP if items[-1].seconds == PARAGRAPH_GAP and _ends_sentence(items)
                                else CLAUSE_GAP, items[-1].line)
        paragraph += 0 if block.joined else 1
        for offset, sentence in split_sentences(block.text, language):
            line = block.line + block.text[:offset].count("\n")
            if s := say(sentence, voice, line, "text", block.speaker, paragraph, language=language):
                items += [*s, Silence(SENTENCE_GAP, line)]
        if items and isinstance(items[-1], Silence):
            items[-1] = Silence(PARAGRAPH_GAP, items[-1].line)
    return items


def _ends_sentence(items: list[Item]) -> bool:
    """Whether the last thing said ends a sentence (a passage in another language may start mid-sentence)."""
    last = next((i for i in reversed(items) if isinstance(i, Speech)), None)
    return last is not None and last.source.rstrip().endswith((".", "!", "?", "…", ":", ";"))


def _end_with(items: list[Item], gap: Silence) -> None:
    """End what was just said with ``gap``: it replaces the gap after the last sentence; after a cue (a
    title made only of punctuation says nothing) it is added, so the cue stays."""
    if items and isinstance(items[-1], Silence):
        items[-1] = gap
    else:
        items.append(gap)


def table_sentences(table: Table, language: str = "en") -> list[tuple[str, int, str, tuple[str, ...]]]:
    """How a table is read, as (sentence, line, role, cells): first its columns ('A table: Town and
    Distance.'), then row by row, each row's first cell naming it ('Lao Cai: 12 km.'; with more columns,
    'Lao Cai: Distance, 12 km; Time, 3 hours.')."""
    header = [h for h in table.header]
    named = [h for h in header if h]
    out = []
    if named:
        out.append((phrases(language).table.format(items=listed(named, language)), table.line, "table", table.header))
    for k, row in enumerate(table.rows):
        line = table.row_lines[k] if k < len(table.row_lines) else table.line
        first, rest = (row[0] if row else ""), list(zip(header[1:], row[1:]))
        filled = [(h, c) for h, c in rest if c]
        if len(header) == 2 or not any(h for h, _ in filled):
            said = "; ".join(c for _, c in filled)
        else:
            said = "; ".join(f"{h}, {c}" if h else c for h, c in filled)
        text = f"{first}: {said}." if first and said else f"{first or said}."
        out.append((text, line, "row", tuple(row)))
    return out


def _merge_silences(items: list[Item]) -> list[Item]:
    """Adjacent silences become one: an explicit [pause] replaces the automatic gap it sits
    in; otherwise the longest wins."""
    out: list[Item] = []
    for item in items:
        if isinstance(item, Silence) and out and isinstance(out[-1], Silence):
            prev = out[-1]
            if item.explicit and prev.explicit:
                out[-1] = Silence(prev.seconds + item.seconds, prev.line, explicit=True)
            elif item.explicit or (not prev.explicit and item.seconds > prev.seconds):
                out[-1] = item
            continue
        out.append(item)
    return out
