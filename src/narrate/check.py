"""``narrate check``: validate a script and estimate its length, without making audio."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from narrate.audio import RATE
from narrate.engines import Engines
from narrate.inputs import check_files, load_cues, load_script
from narrate.mix import cue_seconds
from narrate.plan import Cue, Plan, Silence, plan_episode
from narrate.script import Meta
from narrate.text import mangle_prone_names, prepare

WORDS_PER_MINUTE = 223  # the joe voice at speed 1.0 (201 at 0.9, measured on the demo)


@dataclass(frozen=True)
class CheckReport:
    """What ``narrate check`` reports about a script."""

    plan: Plan
    sentences: int
    estimated_seconds: float
    unlisted_names: tuple[tuple[int, str], ...]  # (line, name)


def check(script_path: str, engines: Engines | None = None) -> CheckReport:
    """Validate a script without making audio."""
    script = load_script(script_path)
    check_files(script)
    plan = plan_episode(script, engines or Engines())
    speeches = list(plan.speeches())
    speaking = sum(
        len(s.text.split()) / (WORDS_PER_MINUTE * float(dict(s.voice.settings).get("speed", 1.0))) * 60
        for s in speeches
    )
    silence = sum(i.seconds for c in plan.chapters for i in c.items if isinstance(i, Silence))
    cues = load_cues(script, "full")  # only their lengths matter here
    silence += sum(
        cue_seconds(i.kind, len(cues[i.kind]), RATE) for c in plan.chapters for i in c.items if isinstance(i, Cue) and i.kind in cues
    )
    known = script.meta.names()
    names: list[tuple[int, str]] = []
    lines = Path(script.path).read_text(encoding="utf-8").splitlines()
    for s in speeches:
        if s.role == "intro":
            continue
        for name in mangle_prone_names(s.source, known + [n for _, n in names]):
            names.append((_line_of(name, lines, s.line), name))
    return CheckReport(plan, len(speeches), speaking + silence, tuple(names))


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
