"""Turn a parsed script into a plan: per chapter, what is said (and by whom) and where the silences go.

Every spoken item carries its cache key, so the plan alone says what a build
will cost. Planning resolves each voice with its engine, which is where an
unknown engine or voice is reported, with the line that named it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from narrate.cache import speech_key
from narrate.engines import Engines, ResolvedVoice
from narrate.errors import EngineError
from narrate.script import Chapter, ChapterSettings, Meta, Paragraph, Pause, Script, VoiceSettings
from narrate.text import prepare, split_sentences

# Silences, in seconds. A chapter starts with CHAPTER_LEAD of silence, so its
# marker falls before the spoken title, never mid-word.
CHAPTER_LEAD = 1.0
AFTER_INTRO = 1.5
AFTER_TITLE = 0.9
SENTENCE_GAP = 0.35
PARAGRAPH_GAP = 0.8
CHAPTER_TAIL = 1.0


@dataclass(frozen=True)
class Speech:
    """One sentence to synthesise."""

    text: str  # normalised: exactly what the engine is given
    source: str  # as the author wrote it (for transcripts)
    voice: ResolvedVoice
    key: str
    line: int
    role: str  # "intro", "title" or "text"
    speaker: str | None = None


@dataclass(frozen=True)
class Silence:
    """A gap of known length; ``explicit`` when the script asked for it with [pause]."""

    seconds: float
    line: int
    explicit: bool = False


Item = Speech | Silence


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


class _Voices:
    """Resolve each distinct VoiceSettings once, reporting errors where the voice was set."""

    def __init__(self, engines: Engines, base_dir: Path, path: str) -> None:
        self.engines, self.base_dir, self.path = engines, base_dir, path
        self._done: dict[VoiceSettings, ResolvedVoice] = {}

    def __call__(self, voice: VoiceSettings) -> ResolvedVoice:
        if voice not in self._done:
            try:
                engine = self.engines.get(voice.engine)
                self._done[voice] = engine.resolve(voice, self.base_dir)
            except EngineError as exc:
                raise exc.located(self.path, voice.line or 1) from exc
        return self._done[voice]


def plan_episode(script: Script, engines: Engines) -> Plan:
    """Plan every chapter of a script."""
    meta = script.meta
    voices = _Voices(engines, Path(script.path).parent, script.path)
    narrator = voices(meta.voice)
    for speaker in meta.speakers:
        voices(speaker.voice)  # report a bad speaker voice even if they never speak

    def say(text: str, voice: ResolvedVoice, line: int, role: str, speaker: str | None = None) -> Speech | None:
        spoken = prepare(text, meta.pronunciations, meta.language)
        if not any(ch.isalnum() for ch in spoken):
            return None  # punctuation only: nothing to say
        return Speech(spoken, " ".join(text.split()), voice, speech_key(voice, spoken), line, role, speaker)

    chapters = []
    for number, chapter in enumerate(script.chapters, start=1):
        items: list[Item] = [Silence(CHAPTER_LEAD, chapter.line)]
        if number == 1:
            for line_text in intro_lines(meta):
                if s := say(line_text, narrator, 1, "intro"):
                    items += [s, Silence(SENTENCE_GAP, 1)]
            items[-1] = Silence(AFTER_INTRO, 1)
        if s := say(chapter_announcement(chapter), narrator, chapter.line, "title"):
            items += [s, Silence(AFTER_TITLE, chapter.line)]
        items += _body(chapter, meta, voices, narrator, say)
        items.append(Silence(CHAPTER_TAIL, chapter.line))
        chapters.append(
            ChapterPlan(number, chapter.title, chapter.line, chapter.settings, tuple(_merge_silences(items)))
        )
    return Plan(script.path, meta, tuple(chapters))


def intro_lines(meta: Meta) -> list[str]:
    """What is said before the first chapter: the episode's title and author."""
    lines = [_sentence(meta.title)]
    if meta.author:
        lines.append(f"By {_sentence(meta.author)}")
    return lines


def chapter_announcement(chapter: Chapter) -> str:
    """What is said at the start of a chapter."""
    return _sentence(chapter.title)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."


def _body(chapter: Chapter, meta: Meta, voices: _Voices, narrator: ResolvedVoice, say) -> list[Item]:  # type: ignore[no-untyped-def]
    items: list[Item] = []
    for block in chapter.blocks:
        if isinstance(block, Pause):
            items.append(Silence(block.seconds, block.line, explicit=True))
            continue
        assert isinstance(block, Paragraph)
        voice = narrator
        if block.speaker:
            speaker = meta.speaker(block.speaker)
            voice = voices(speaker.voice) if speaker else narrator
        for offset, sentence in split_sentences(block.text, meta.language):
            line = block.line + block.text[:offset].count("\n")
            if s := say(sentence, voice, line, "text", block.speaker):
                items += [s, Silence(SENTENCE_GAP, line)]
        if items and isinstance(items[-1], Silence):
            items[-1] = Silence(PARAGRAPH_GAP, items[-1].line)
    return items


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
