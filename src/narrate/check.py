"""``narrate check``: validate a script and estimate its length, without making audio."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from narrate.audio import RATE
from narrate.casting import foreign_voices, shared_voices
from narrate.dialogue import narrators_own, quotations
from narrate.engines import Engines
from narrate.errors import ExportError
from narrate.export.layout import episode_layout
from narrate.export.formats import chapter_limits
from narrate.tour import load_tour
from narrate.inputs import check_files, cover_warnings, load_script, load_sounds
from narrate.mix import cue_seconds
from narrate.phrases import primary
from narrate.pacing import Leg, legs, pacing_warnings
from narrate.record import BuildRecord
from narrate.plan import Cue, Plan, Silence, Speech, plan_episode, speaking_seconds
from narrate.script import Meta, Paragraph, Script
from narrate.text import mangle_prone_names, prepare


@dataclass(frozen=True)
class CheckReport:
    """What ``narrate check`` reports about a script."""

    plan: Plan
    sentences: int
    estimated_seconds: float
    unlisted_names: tuple[tuple[int, str], ...]  # (line, name)
    long_sentences: tuple[tuple[int, int, int], ...] = ()  # (line, words, parts): read in parts (text.MAX_WORDS)
    warnings: tuple[str, ...] = ()
    unattributed: tuple[tuple[int, str], ...] = ()  # (line, opening words): quotations the narrator reads
    pacing: tuple[Leg, ...] = ()  # a walk's legs, each against the way on (narrate.pacing)


def check(script_path: str, engines: Engines | None = None, allow: tuple[str | Path, ...] = (),
          output: str | None = None) -> CheckReport:
    """Validate a script without making audio: the script, every file it names (its sounds decoded), the
    voices, and what the chosen formats can hold. ``output``: where it is built (as for build), for a walk's
    pacing to take each unchanged leg's length from the last build."""
    script = load_script(script_path)
    cover = check_files(script, allow)
    too_many, warnings = chapter_limits(script.meta.formats, len(script.chapters))
    if cover:
        warnings += cover_warnings(script, cover)
    if tour := load_tour(script, allow, walk="walk" in script.meta.formats):
        warnings += tour.warnings
    if too_many:
        raise ExportError(too_many[0], script.path, script.meta.line_of("formats"))
    plan = plan_episode(script, engines or Engines(), allow=allow)
    for who, voice, language, line in foreign_voices(plan.meta, engines or Engines()):
        warnings.append(
            f"warning: {script.path}:{line}: {who} speaks in {voice}, a voice of {language}, but the script "
            f"is in {plan.meta.language}: give a voice of its language ('narrate voices --language "
            f"{plan.meta.language}')"
        )
    for speaker, other, twin in shared_voices(plan.meta, engines or Engines()):
        how = (f"speaks in {other}'s voice ({speaker.voice.model})" if not twin else
               f"would sound like {other}: {speaker.voice.model} and {twin} are made from the same voice")
        warnings.append(f"warning: {script.path}:{speaker.line}: {speaker.name} {how}: give one of them a voice of "
                        "its own ('narrate voices' lists them)")
    speeches = list(plan.speeches())
    cues = load_sounds(script, "full").cues  # decoded, so a damaged sound is found now; only cue lengths count
    chapter_s = {c.number: speaking_seconds(i for i in c.items if isinstance(i, Speech))
                 + sum(i.seconds for i in c.items if isinstance(i, Silence))
                 + sum(cue_seconds(i.kind, len(cues[i.kind]), RATE) for i in c.items
                       if isinstance(i, Cue) and i.kind in cues) for c in plan.chapters}
    seconds = sum(chapter_s.values())  # every speech and silence is in a chapter
    walked: list[Leg] = []
    if tour and "walk" in script.meta.formats:
        built = built_lengths(script_path, plan, output)
        walked = legs(tour, {**chapter_s, **built}, set(built))
    warnings += pacing_warnings(script.path, walked)
    known = script.meta.names()
    names: list[tuple[int, str]] = []
    lines = Path(script.path).read_text(encoding="utf-8").splitlines()
    english = primary(script.meta.language) == "en"  # the word lists know English names
    for s in speeches if english else []:
        if s.role == "intro" or (s.language and primary(s.language) != "en"):
            continue  # a passage in another language is read by a voice of it
        for name in mangle_prone_names(s.source, known + [n for _, n in names]):
            names.append((_line_of(name, lines, s.line), name))
    long = tuple((s.line, sum(len(p.source.split()) for p in speeches[k : k + s.part[1]]), s.part[1])
                 for k, s in enumerate(speeches) if s.part[0] == 1 and s.part[1] > 1)
    sentences = sum(1 for s in speeches if s.part[0] == 1)
    return CheckReport(plan, sentences, seconds, tuple(names), long, tuple(warnings), unattributed(script),
                       tuple(walked))


def built_lengths(script_path: str, plan: Plan, output: str | None) -> dict[int, float]:
    """Each chapter's length in seconds in the episode last built from this script (at ``output``, as for build),
    where what it says is unchanged since: the same sentences, by the same voices, in the same order."""
    layout, _ = episode_layout(script_path, output, plan.edition_name)
    record = BuildRecord.read(layout.manifest)
    if record is None:
        return {}
    said = {c.number: [i.key for i in c.items if isinstance(i, Speech)] for c in plan.chapters}
    out = {}
    for c in record.chapters:
        if said.get(c.number) == [s.key for s in record.sentences if s.chapter == c.number]:
            out[c.number] = (c.end_ms - c.start_ms) / 1000
    return out


_OPENING_QUOTE = re.compile(r"(?:^|(?<=[\s(—–-]))[“\"]")


def unattributed(script: Script) -> tuple[tuple[int, str], ...]:
    """In a script that gives quotations to speakers inside its paragraphs ([“…”]{Name}), each quotation the
    narrator reads, as (line, its opening words); not those its tag gives to the narrator ("…," said I)."""
    paragraphs = [b for c in script.chapters for b in c.blocks if isinstance(b, Paragraph)]
    if not any(p.quoted for p in paragraphs):
        return ()
    out = []
    for p in paragraphs:
        if p.speaker is None:
            mine = [q.start for q, own in zip(quotations(p.text), narrators_own(p.text)) if own]
            for m in _OPENING_QUOTE.finditer(p.text):
                if m.start() in mine:  # "…," said I: the narrator's own
                    continue
                words = p.text[m.start():].split()
                out.append((p.line + p.text[:m.start()].count("\n"), " ".join(words[:8]) + (" …" * (len(words) > 8))))
    return tuple(out)


@dataclass(frozen=True)
class Said:
    """How a piece of text will be spoken: normalised, and (for engines that can tell) as phonemes."""

    written: str
    spoken: str
    voice: str  # engine and voice
    phonemes: str | None


def say(text: str, script_path: str | None = None, engines: Engines | None = None) -> Said:
    """What the narrator will say for ``text``: with a script, its language, pronunciations and voice."""
    engines = engines or Engines()
    if script_path:
        script = load_script(script_path)
        meta, base = script.meta, Path(script.path).parent
    else:
        meta, base = Meta(title="-"), Path(".")
    voice = engines.get(meta.voice.engine).resolve(meta.voice, base)
    spoken = prepare(text, meta.lexicon(voice.engine), meta.language)
    engine = engines.get(voice.engine)
    phonemes = engine.phonemes(spoken, voice) if hasattr(engine, "phonemes") else None
    return Said(" ".join(text.split()), spoken, f"{voice.engine}, {voice.label}", phonemes)


def _line_of(word: str, lines: list[str], start: int) -> int:
    """The line a word stands on: the first from its sentence's line on (a sentence may run over lines)."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
    return next((n for n in range(start, len(lines) + 1) if pattern.search(lines[n - 1])), start)
