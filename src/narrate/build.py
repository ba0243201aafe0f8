"""The orchestrator: parse -> plan -> synthesise -> mix -> export.

Everything a user can get wrong is checked before the first slow step, and
nothing appears at the output path unless the whole build succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from narrate.cache import SpeechCache, default_dir
from narrate.engines import Engines
from narrate.errors import NarrateError, SoundError
from narrate.export.mp3 import picture_mime, write_mp3
from narrate.mix import mix_episode
from narrate.plan import Plan, Silence, plan_episode
from narrate.script import Script, parse_script, read_script_text
from narrate.sounds import find_sound
from narrate.synth import SynthStats, synthesize
from narrate.text import mangle_prone_names
from narrate.timeline import Timeline

OUTPUT_SUFFIXES = (".mp3",)
WORDS_PER_MINUTE = 223  # the joe voice at speed 1.0 (201 at 0.9, measured on the demo)


@dataclass(frozen=True)
class BuildResult:
    """What a build made and what it cost."""

    output: Path
    timeline: Timeline
    stats: SynthStats


@dataclass(frozen=True)
class CheckReport:
    """What ``narrate check`` reports about a script."""

    plan: Plan
    sentences: int
    estimated_seconds: float
    unlisted_names: tuple[tuple[int, str], ...]  # (line, name)


def load_script(path: str) -> Script:
    """Read and parse a script file."""
    return parse_script(read_script_text(path), path)


def output_path(script_path: str, output: str | None) -> Path:
    """Where the episode goes: OUT if it names an .mp3, OUT/<script>.mp3 for a folder, else build/<script>.mp3."""
    stem = Path(script_path).stem
    if output is None:
        return Path("build") / f"{stem}.mp3"
    out = Path(output)
    if out.suffix.lower() in OUTPUT_SUFFIXES:
        return out
    if out.suffix and not out.is_dir():
        raise NarrateError(
            f"cannot write '{out.suffix}' files: name an .mp3 file or a folder", output
        )
    return out / f"{stem}.mp3"


def check_files(script: Script) -> Path | None:
    """Check the cover and sound files the script names; return the cover's path."""
    base = Path(script.path).parent
    meta = script.meta
    cover = None
    if meta.cover:
        cover = base / meta.cover
        where = (script.path, meta.line_of("cover"))
        if not cover.is_file():
            raise SoundError(f"cover image not found: {meta.cover} (looked for {cover})", *where)
        try:
            head = cover.read_bytes()[:16]
        except OSError as exc:
            raise SoundError(f"cannot read cover image {meta.cover}: {exc.strerror}", *where) from None
        if picture_mime(head) is None:
            raise SoundError(f"cover image {meta.cover} is not a PNG or JPEG file", *where)
    beds = [(meta.ambient, meta.line_of("ambient"))] + [
        (c.settings.ambient, c.settings.line_of("ambient", c.line)) for c in script.chapters
    ]
    for value, line in beds:
        if value:
            try:
                find_sound(value, "beds", base)
            except SoundError as exc:
                raise exc.located(script.path, line) from None
    return cover


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
    known = [name for name, _ in script.meta.pronunciations]
    names: list[tuple[int, str]] = []
    for s in speeches:
        if s.role == "intro":
            continue
        for name in mangle_prone_names(s.source, known + [n for _, n in names]):
            names.append((s.line, name))
    return CheckReport(plan, len(speeches), speaking + silence, tuple(names))


def build(
    script_path: str,
    output: str | None = None,
    cache_dir: Path | None = None,
    engines: Engines | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the episode for a script; see the module docstring for the stages."""
    out = output_path(script_path, output)
    script = load_script(script_path)
    cover = check_files(script)
    engines = engines or Engines()
    plan = plan_episode(script, engines)

    total = len(plan.unique_speeches())
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    cache = SpeechCache(cache_dir or default_dir())
    clips, stats = synthesize(plan, engines, cache, advance)
    episode = mix_episode(plan, clips)
    write_mp3(plan, episode, out, cover)
    return BuildResult(output=out, timeline=episode.timeline, stats=stats)
