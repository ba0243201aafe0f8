"""Listen to one chapter or one paragraph without building the episode.

The chapter is planned, synthesised (from the cache where it can be), mixed
with its own bed and cues, mastered to the podcast loudness target by the
same step a build uses, and written to one file; then it is played if an
audio player is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from narrate.cache import open_store
from narrate.engines import Engines
from narrate.errors import NarrateError
from narrate.export.encode import Target, encode_chunks
from narrate.export.formats import FORMATS
from narrate.files import published
from narrate.inputs import check_files, load_script, load_sounds
from narrate.master import analyse, first_master
from narrate.mix import mix_episode
from narrate.options import BuildOptions
from narrate.plan import PARAGRAPH_GAP, Plan, Silence, Speech, plan_episode
from narrate.sounds import MixSounds
from narrate.synth import SynthStats, synthesize

# Players tried in turn: the first one installed plays the preview.
PLAYERS = (
    ("mpv", ["--no-video", "--really-quiet"]),
    ("ffplay", ["-nodisp", "-autoexit", "-loglevel", "error"]),
    ("afplay", []),
    ("cvlc", ["--play-and-exit", "--quiet"]),
)


@dataclass(frozen=True)
class Preview:
    path: Path
    what: str  # "chapter 3 'Eighty hours of buses'" or "the paragraph at line 88 (chapter 3 ...)"
    seconds: float
    stats: SynthStats


def pick(plan: Plan, chapter: int | None, line: int | None, path: str) -> tuple[int, int | None]:
    """The chapter index and (for --line in a paragraph) the paragraph number to preview."""
    chapters = plan.chapters
    if chapter is not None:
        if not 1 <= chapter <= len(chapters):
            raise NarrateError(f"there is no chapter {chapter}: the script has {len(chapters)}", path)
        return chapter - 1, None
    assert line is not None
    index = max((i for i, c in enumerate(chapters) if c.line <= line), default=None)
    if index is None:
        raise NarrateError(f"line {line} comes before the first chapter (line {chapters[0].line})", path)
    body = [s for s in chapters[index].items if isinstance(s, Speech) and s.role == "text" and s.line <= line]
    return index, (body[-1].paragraph if body else None)


def preview(script_path: str, chapter: int | None = None, line: int | None = None,
            options: BuildOptions = BuildOptions(), engines: Engines | None = None) -> Preview:
    """Render one chapter (or the paragraph around a line) to an MP3 (or WAV) file, mastered as the
    episode's first encode is (narrate.master), with its analysis from the cache where it can be.
    ``options.output`` names the file (default: build/preview/<script>-chapter-NN.mp3)."""
    script = load_script(script_path)
    check_files(script, options.allow)
    engines = engines or Engines()
    plan = plan_episode(script, engines, allow=options.allow)
    index, paragraph = pick(plan, chapter, line, script_path)
    chosen = plan.chapters[index]
    what = f"chapter {chosen.number} '{chosen.title}'"
    if paragraph is not None:
        items = [i for i in chosen.items if not isinstance(i, Speech) or i.paragraph == paragraph]
        first = next(k for k, i in enumerate(items) if isinstance(i, Speech) and i.paragraph == paragraph)
        last = max(k for k, i in enumerate(items) if isinstance(i, Speech) and i.paragraph == paragraph)
        lead = Silence(PARAGRAPH_GAP, chosen.line)
        chosen = replace(chosen, items=(lead, *items[first : last + 1], lead))
        what = f"paragraph {paragraph} of {what} (line {line})"
    sub = replace(plan, chapters=(chosen,))
    stem = Path(script_path).stem
    suffix = f"chapter-{chosen.number:02d}" + (f"-line-{line}" if paragraph is not None else "")
    out = Path(options.output) if options.output else Path("build") / "preview" / f"{stem}-{suffix}.mp3"
    if out.suffix.lower() not in (".mp3", ".wav"):
        raise NarrateError("a preview is written as .mp3 or .wav", str(out))
    store = open_store(options.cache_dir)
    clips, stats = synthesize(sub, engines, store.speech, energies_of=store.clip_energies)
    sounds = load_sounds(script, "full")
    episode = mix_episode(sub, clips, MixSounds(sounds.cues, (sounds.beds[index],)))
    energies, peaks = analyse(episode, store)
    master = first_master(plan, energies, peaks, episode.frame_offsets)
    args = FORMATS["mp3"].codec_args(episode.channels) if out.suffix.lower() == ".mp3" else ["-c:a", "pcm_s16le"]
    with published(out) as tmp:
        encode_chunks(episode.with_master(master).render(), episode.rate, episode.channels,
                      [Target(tmp, tuple(args), "mp3" if out.suffix.lower() == ".mp3" else "wav")])
    return Preview(out, what, episode.timeline.duration_ms / 1000, stats)


def player() -> list[str] | None:
    """The command line of the first audio player installed, without the file."""
    for name, args in PLAYERS:
        if exe := shutil.which(name):
            return [exe, *args]
    return None


def play(path: Path) -> tuple[str, bool] | None:
    """Play a file with the first player found: (its name, whether it played), or None if there is none."""
    cmd = player()
    if cmd is None:
        return None
    done = subprocess.run([*cmd, str(path)], stdin=subprocess.DEVNULL, capture_output=True, check=False)
    return Path(cmd[0]).name, done.returncode == 0
