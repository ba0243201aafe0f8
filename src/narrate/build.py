"""The orchestrator: parse -> plan -> synthesise -> mix -> export.

Everything a user can get wrong is checked before the first slow step, and
nothing appears at the output path unless the whole build succeeded.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from narrate import __version__
from narrate.audio import ffmpeg_version
from narrate.cache import SpeechCache, atomic_write, default_dir
from narrate.engines import Engines
from narrate.errors import NarrateError, SoundError
from narrate.export.encode import published
from narrate.export.mp3 import picture_mime, write_mp3
from narrate.loudness import Measurement, default_target, measure_file, solve_master
from narrate.mix import RATE, Episode, MixSounds, cue_seconds, mix_episode
from narrate.plan import EDITIONS, Cue, Plan, Silence, plan_episode
from narrate.script import Script, parse_script, read_script_text
from narrate.sounds import find_sound, is_off, load_sound, make_loop
from narrate.synth import SynthStats, synthesize
from narrate.text import mangle_prone_names
from narrate.timeline import Timeline

OUTPUT_SUFFIXES = (".mp3",)
WORDS_PER_MINUTE = 223  # the joe voice at speed 1.0 (201 at 0.9, measured on the demo)
# The limiter aims this far under the true-peak ceiling: MP3 encoding adds
# overshoot, and the check after encoding is what counts.
ENCODE_MARGIN_DB = 1.0
LOUDNESS_TOLERANCE_LU = 0.5


@dataclass(frozen=True)
class Loudness:
    """The loudness targets, what the mix was set to, and what the finished file measures."""

    target_lufs: float
    ceiling_dbtp: float
    gain_db: float
    limited_frames: int
    measured: Measurement
    passes: int  # encodes it took (a second one only if the first missed the target)

    def summary(self) -> str:
        m = self.measured
        return (
            f"loudness {m.integrated_lufs:.1f} LUFS, true peak {m.true_peak_dbtp:.1f} dBTP "
            f"(target {self.target_lufs:g} LUFS, at most {self.ceiling_dbtp:g} dBTP)"
        )


@dataclass(frozen=True)
class BuildResult:
    """What a build made and what it cost."""

    output: Path
    timeline: Timeline
    stats: SynthStats
    loudness: Loudness
    manifest: Path
    edition: str = "full"


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


def output_path(script_path: str, output: str | None, edition: str = "full") -> Path:
    """Where the episode goes: OUT if it names an .mp3, OUT/<script>.mp3 for a folder, else build/<script>.mp3.

    The speech-only edition is <script>-speech.mp3, so both editions can sit side by side.
    """
    stem = Path(script_path).stem + ("" if edition == "full" else f"-{edition}")
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
    for value, kind, line in _sound_settings(script):
        try:
            find_sound(value, kind, base)
        except SoundError as exc:
            raise exc.located(script.path, line) from None
    return cover


def _sound_settings(script: Script) -> list[tuple[str, str, int]]:
    """Every sound the script names, as (value, 'beds' or 'cues', line)."""
    meta = script.meta
    out = [(meta.ambient, "beds", meta.line_of("ambient"))] + [
        (c.settings.ambient, "beds", c.settings.line_of("ambient", c.line)) for c in script.chapters
    ]
    for key in ("cue", "intro", "outro"):
        out.append((getattr(meta.mix, key), "cues", meta.line_of(f"mix.{key}")))
    return [(v, kind, line) for v, kind, line in out if v and not is_off(v)]


def _load_located(script: Script, value: str, kind: str, line: int) -> tuple[Path, np.ndarray]:
    try:
        path = find_sound(value, kind, Path(script.path).parent)
        return path, load_sound(path, RATE)
    except SoundError as exc:
        raise exc.located(script.path, line) from None


def load_cues(script: Script, edition: str) -> dict[str, np.ndarray]:
    """Decode the chapter cue and, in the full edition, the stings, by kind."""
    mix = script.meta.mix
    wanted = ("cue",) if edition == "speech" else ("cue", "intro", "outro")
    return {
        "chime" if key == "cue" else key: _load_located(script, value, "cues", script.meta.line_of(f"mix.{key}"))[1]
        for key in wanted
        if (value := getattr(mix, key))
    }


def load_sounds(script: Script, edition: str) -> MixSounds:
    """Decode the cues and each chapter's bed that this edition plays."""
    meta = script.meta
    beds: list[tuple[str, np.ndarray] | None] = []
    for chapter in script.chapters:
        value = chapter.settings.ambient or meta.ambient
        if edition == "speech" or not value or is_off(value):
            beds.append(None)
            continue
        line = chapter.settings.line_of("ambient", 0) or meta.line_of("ambient")
        path, audio = _load_located(script, value, "beds", line)
        beds.append((str(path), make_loop(audio, RATE)))
    return MixSounds(cues=load_cues(script, edition), beds=tuple(beds))


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
    edition: str = "full",
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the episode for a script; see the module docstring for the stages."""
    assert edition in EDITIONS, edition
    out = output_path(script_path, output, edition)
    script = load_script(script_path)
    cover = check_files(script)
    engines = engines or Engines()
    plan = plan_episode(script, engines, edition)

    total = len(plan.unique_speeches())
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    cache = SpeechCache(cache_dir or default_dir())
    clips, stats = synthesize(plan, engines, cache, advance)
    sounds = load_sounds(script, edition)
    episode = mix_episode(plan, clips, sounds)
    loudness = _master_and_write(plan, episode, out, cover, log or (lambda _: None))
    manifest = manifest_path(out)
    write_manifest(manifest, plan, episode.timeline, loudness, out, engines)
    return BuildResult(out, episode.timeline, stats, loudness, manifest, edition)


def _master_and_write(plan: Plan, episode: Episode, out: Path, cover: Path | None, log: Callable[[str], None]) -> Loudness:
    """Bring the mix to its loudness target, encode it, and measure the decoded result.

    If the encoded file misses the target (MP3 overshoot on unusual material),
    the gain or ceiling is corrected by the measured error and it is encoded once more.
    """
    mix = plan.meta.mix
    target = mix.loudness if mix.loudness is not None else default_target(mix.channels)
    energies, peaks = episode.analyse()
    aim_tp = mix.true_peak - ENCODE_MARGIN_DB
    shift = _codec_shift(episode.with_master(solve_master(energies, peaks, target, aim_tp)), out)
    aim_lufs = target - shift
    with published(out) as tmp:
        for attempt in (1, 2):
            master = solve_master(energies, peaks, aim_lufs, aim_tp)
            write_mp3(plan, episode.with_master(master), tmp, cover)
            measured = measure_file(str(tmp))
            loud_error = target - measured.integrated_lufs
            peak_error = measured.true_peak_dbtp - mix.true_peak
            if attempt == 2 or not math.isfinite(measured.integrated_lufs):
                break
            if abs(loud_error) <= LOUDNESS_TOLERANCE_LU and peak_error <= 0:
                break
            log(f"  {measured.integrated_lufs:.1f} LUFS, {measured.true_peak_dbtp:.1f} dBTP after encoding: correcting")
            aim_lufs += loud_error
            if peak_error > 0:
                aim_tp -= peak_error + 0.2
    return Loudness(target, mix.true_peak, master.gain_db, master.limited_frames, measured, attempt)


PROBE_SECONDS = 90


def _codec_shift(episode: Episode, out: Path) -> float:
    """How much MP3 encoding moves the loudness of this episode (LU), from a short excerpt.

    The encoder's low-pass and psychoacoustic model take some energy away (about
    0.4 LU on the demo); encoding 90 s from the middle and measuring both sides
    lets the full encode aim for the target instead of missing it.
    """
    import tempfile

    import numpy as np

    from narrate.export.encode import encode_chunks
    from narrate.export.mp3 import codec_args
    from narrate.loudness import loudness_of

    chapter = episode.render_chapter(len(episode.layouts) // 2)
    n = min(len(chapter), PROBE_SECONDS * episode.rate)
    excerpt = chapter[(len(chapter) - n) // 2 :][:n]
    excerpt = (np.clip(excerpt, -1, 1) * 32767).round() / 32767  # as the encoder will receive it
    before = loudness_of(excerpt, episode.rate)
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        probe = Path(tmp) / "probe.mp3"
        encode_chunks([excerpt], episode.rate, episode.channels, probe, codec_args(episode.channels), "mp3")
        after = measure_file(str(probe)).integrated_lufs
    if not (math.isfinite(before) and math.isfinite(after)):
        return 0.0
    return after - before


def manifest_path(out: Path) -> Path:
    """The build record beside an episode: <episode>.manifest.json."""
    return out.with_name(out.stem + ".manifest.json")


def write_manifest(path: Path, plan: Plan, timeline: Timeline, loudness: Loudness, out: Path, engines: Engines) -> None:
    """Record what was built, how loud it measured, and with which versions."""
    record = {
        "narrate": __version__,
        "ffmpeg": ffmpeg_version(),
        "script": plan.path,
        "edition": plan.edition,
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "output": out.name,
        "duration_ms": timeline.duration_ms,
        "loudness": {
            "target_lufs": loudness.target_lufs,
            "true_peak_ceiling_dbtp": loudness.ceiling_dbtp,
            "master_gain_db": round(loudness.gain_db, 2),
            "limited_frames": loudness.limited_frames,
            "encodes": loudness.passes,
            "measured": loudness.measured.as_dict(),
            "meter": "ffmpeg ebur128 (ITU-R BS.1770-4, true peak 4x oversampled) on the decoded file",
        },
        "chapters": [
            {"number": c.number, "title": c.title, "line": c.line, "start_ms": c.start_ms, "end_ms": c.end_ms}
            for c in timeline.chapters
        ],
    }
    atomic_write(path, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
