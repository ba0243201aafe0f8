"""The orchestrator: parse -> plan -> synthesise -> mix -> export.

Everything a user can get wrong is checked before the first slow step, and
nothing appears at the output path unless the whole build succeeded.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np

from narrate import __version__
from narrate.audio import ffmpeg_version
from narrate.cache import SpeechCache, default_dir
from narrate.engines import Engines
from narrate.errors import NarrateError, ScriptError, SoundError
from narrate.export import feed as feeds
from narrate.export.encode import Target, encode_chunks, published, published_all, reencode
from narrate.export.formats import FORMATS, SUFFIXES, AudioFormat
from narrate.export.m4b import ffmetadata
from narrate.export.mp3 import picture_mime
from narrate.export.page import Link, episode_page
from narrate.export.sidecars import sidecars
from narrate.loudness import Measurement, default_target, measure_file, solve_master
from narrate.mix import RATE, Episode, MixSounds, cue_seconds, mix_episode
from narrate.plan import EDITIONS, Cue, Plan, Silence, plan_episode
from narrate.script import Script, check_base_url, parse_formats, parse_script, read_script_text
from narrate.sounds import find_sound, is_off, load_sound, make_loop
from narrate.synth import SynthStats, synthesize
from narrate.text import mangle_prone_names
from narrate.timeline import Timeline

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
    measured: Measurement  # the first format's file
    passes: int  # encodes it took (a second one only if the first missed the target)
    by_format: dict[str, Measurement] = field(default_factory=dict)

    def summary(self) -> str:
        m = self.measured
        return (
            f"loudness {m.integrated_lufs:.1f} LUFS, true peak {m.true_peak_dbtp:.1f} dBTP "
            f"(target {self.target_lufs:g} LUFS, at most {self.ceiling_dbtp:g} dBTP)"
        )


@dataclass(frozen=True)
class Layout:
    """Where one episode's files go: ``folder/<stem>.<suffix>`` and its page, under the feed's ``root``."""

    root: Path
    folder: Path
    stem: str
    page: str  # 'index.html' in the episode's own folder; '<stem>.html' beside a named file

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.stem}{suffix}"

    def url(self, base_url: str, name: str) -> str:
        """A file's public address, for a base_url that serves ``root``."""
        rel = self.folder.relative_to(self.root).as_posix()
        return base_url + quote(("" if rel == "." else rel + "/") + name)


@dataclass(frozen=True)
class BuildResult:
    """What a build made and what it cost."""

    output: Path  # the first format's audio file
    timeline: Timeline
    stats: SynthStats
    loudness: Loudness
    manifest: Path
    edition: str = "full"
    outputs: dict[str, Path] = field(default_factory=dict)  # format -> audio file
    files: tuple[Path, ...] = ()  # everything written, audio first
    layout: Layout | None = None
    show: dict = field(default_factory=dict)  # the feed channel's settings from this script
    base_url: str | None = None


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


def episode_layout(script_path: str, output: str | None, edition: str = "full") -> tuple[Layout, str | None]:
    """Where an episode goes, and the format its output name asks for (if it names a file).

    OUT names a folder (default: build): the episode gets its own folder in it,
    OUT/<script>/, with an index.html, and OUT holds the feed. OUT may instead
    name an .mp3, .m4b or .opus file: the other files go beside it, named after it.
    The speech-only edition is <script>-speech, so both editions can sit side by side.
    """
    stem = Path(script_path).stem + ("" if edition == "full" else f"-{edition}")
    if output is None:
        root = Path("build")
        return Layout(root, root / stem, stem, "index.html"), None
    out = Path(output)
    if out.suffix.lower() in SUFFIXES and not out.is_dir():
        return Layout(out.parent, out.parent, out.stem, f"{out.stem}.html"), SUFFIXES[out.suffix.lower()]
    if out.is_file() or (out.suffix and not out.is_dir() and out.suffix[1:].isalpha()):
        known = ", ".join(SUFFIXES)
        raise NarrateError(f"cannot write '{out.suffix}' files: name a folder, or a file ending in {known}", output)
    return Layout(out, out / stem, stem, "index.html"), None


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
    for chapter in script.chapters:
        if (img := chapter.settings.img) and not _is_url(img):
            path = base / img
            where = (script.path, chapter.settings.line_of("img", chapter.line))
            if not path.is_file():
                raise SoundError(f"chapter image not found: {img} (looked for {path}); give a file or an http(s) URL", *where)
            if picture_mime(path.read_bytes()[:16]) is None:
                raise SoundError(f"chapter image {img} is not a PNG or JPEG file", *where)
    for value, kind, line in _sound_settings(script):
        try:
            find_sound(value, kind, base)
        except SoundError as exc:
            raise exc.located(script.path, line) from None
    return cover


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


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
    formats: tuple[str, ...] | None = None,
    base_url: str | None = None,
) -> BuildResult:
    """Build one episode for a script: every audio format from one mix, its sidecars, page and build record.

    ``formats`` and ``base_url`` override the script's 'formats' and 'podcast: base_url'.
    Nothing lands in the output folder unless every file was written.
    """
    assert edition in EDITIONS, edition
    layout, named = episode_layout(script_path, output, edition)
    script = load_script(script_path)
    cover = check_files(script)
    chosen = list(formats or script.meta.formats)
    if named:  # the file named on the command line is the main one
        chosen = [named] + [f for f in chosen if f != named]
    base_url = base_url or script.meta.podcast.base_url
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
    written = export_episode(plan, episode, layout, [FORMATS[f] for f in chosen], cover, base_url, log or (lambda _: None))
    return BuildResult(
        output=written.audio[chosen[0]],
        timeline=episode.timeline,
        stats=stats,
        loudness=written.loudness,
        manifest=layout.path(".manifest.json"),
        edition=edition,
        outputs=written.audio,
        files=written.files,
        layout=layout,
        show=written.show,
        base_url=base_url,
    )


@dataclass(frozen=True)
class Written:
    """What export_episode put in the episode's folder."""

    audio: dict[str, Path]
    files: tuple[Path, ...]
    loudness: Loudness
    show: dict  # the feed channel's settings from this script


def export_episode(
    plan: Plan,
    episode: Episode,
    layout: Layout,
    formats: list[AudioFormat],
    cover: Path | None,
    base_url: str | None,
    log: Callable[[str], None],
) -> Written:
    """Master and encode every format from one mix, then write the sidecars, page, images and build record.

    All files are written under temporary names and renamed together at the end.
    """
    timeline = episode.timeline
    audio = {f.name: layout.path(f.suffix) for f in formats}
    cover_name = f"{layout.stem}.cover{cover.suffix.lower()}" if cover else None
    images = {
        c.number: (c.settings.img, f"{layout.stem}.chapter-{c.number:02d}{Path(c.settings.img).suffix.lower()}")
        for c in plan.chapters
        if c.settings.img and not _is_url(c.settings.img)
    }
    image_urls = {
        c.number: c.settings.img for c in plan.chapters if c.settings.img and _is_url(c.settings.img)
    } | {n: layout.url(base_url, name) if base_url else name for n, (_, name) in images.items()}
    extra = sidecars(plan, timeline, image_urls)
    show = show_settings(plan)
    manifest = layout.path(".manifest.json")
    previous = _read_record(manifest)
    paths = [
        *audio.values(),
        *(layout.path(x.suffix) for x in extra),
        layout.folder / layout.page,
        *([layout.folder / cover_name] if cover_name else []),
        *(layout.folder / name for _, name in images.values()),
        manifest,
    ]
    base = Path(plan.path).parent
    with published_all(paths) as temps:
        tmp = dict(zip(paths, temps))
        loudness = _master_and_encode(plan, episode, {f: tmp[audio[f.name]] for f in formats}, layout.folder, log)
        for f in formats:
            f.tag(tmp[audio[f.name]], plan, timeline, cover)
        for x in extra:
            tmp[layout.path(x.suffix)].write_bytes(x.data)
        if cover and cover_name:
            shutil.copyfile(cover, tmp[layout.folder / cover_name])
        for src, name in images.values():
            shutil.copyfile(base / src, tmp[layout.folder / name])
        sizes = {f.name: tmp[audio[f.name]].stat().st_size for f in formats}
        sources = [Link(audio[f.name].name, f.mime, f.label) for f in sorted(formats, key=lambda f: _PLAYER_ORDER.index(f.name))]
        downloads = [Link(audio[f.name].name, f.mime, f.label, sizes[f.name]) for f in formats] + [
            Link(layout.path(x.suffix).name, x.mime, x.label, len(x.data)) for x in extra
        ]
        page = episode_page(plan, timeline, sources, downloads, cover_name)
        tmp[layout.folder / layout.page].write_text(page, encoding="utf-8")
        publish = {
            "title": plan.meta.title,
            "author": plan.meta.author,
            "description": plan.meta.description,
            "language": plan.meta.language,
            "guid": plan.meta.podcast.guid
            or (previous or {}).get("publish", {}).get("guid")
            or feeds.episode_guid(show["title"], layout.stem),
            "episode": plan.meta.podcast.episode,
            "season": plan.meta.podcast.season,
            "page": layout.page,
            "cover": cover_name,
            "audio": [
                {"format": f.name, "name": audio[f.name].name, "mime": f.mime, "label": f.label, "bytes": sizes[f.name]}
                for f in formats
            ],
            "chapters": layout.path(".chapters.json").name,
            "transcripts": [
                {"name": layout.path(x.suffix).name, "mime": x.mime} for x in extra if x.suffix != ".chapters.json"
            ],
            "show": show,
        }
        publish["pub_date"], publish["pub_date_iso"] = feeds.pub_date(plan.meta.date, (previous or {}).get("publish"))
        record = _record(plan, timeline, loudness, audio[formats[0].name], publish)
        tmp[manifest].write_bytes((json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return Written(audio, tuple(paths), loudness, show)


_PLAYER_ORDER = ("opus", "m4b", "mp3")  # the page's player tries the smallest file it can play first


def show_settings(plan: Plan) -> dict:
    """The feed channel's settings that this script gives."""
    meta, podcast = plan.meta, plan.meta.podcast
    return {
        "title": podcast.title or meta.album or meta.title,
        "description": podcast.description or meta.description,
        "author": meta.author,
        "language": meta.language,
        "category": podcast.category,
        "explicit": podcast.explicit,
        "email": podcast.email,
        "type": podcast.type,
    }


def _read_record(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _master_and_encode(
    plan: Plan, episode: Episode, files: dict[AudioFormat, Path], folder: Path, log: Callable[[str], None]
) -> Loudness:
    """Bring the mix to its loudness target, encode every format from one rendering, and measure the results.

    The first format's file is measured; if it misses the target (overshoot on
    unusual material), the gain or ceiling is corrected by the measured error
    and everything is encoded once more. The other formats are then measured;
    one that its codec moved off target or over the ceiling (AAC overshoots
    more than MP3) is encoded again from the same samples with a gain change.
    """
    mix = plan.meta.mix
    target = mix.loudness if mix.loudness is not None else default_target(mix.channels)
    energies, peaks = episode.analyse()
    aim_tp = mix.true_peak - ENCODE_MARGIN_DB
    first = next(iter(files))
    shift = _codec_shift(episode.with_master(solve_master(energies, peaks, target, aim_tp, episode.frame_offsets)), first, folder)
    aim_lufs = target - shift
    with tempfile.TemporaryDirectory(dir=folder, prefix=".narrate-") as work:
        targets = []
        for fmt, path in files.items():
            inputs: tuple[str, ...] = ()
            maps: tuple[str, ...] = ()
            if fmt.chapters_from_ffmetadata:
                meta_file = Path(work) / f"{fmt.name}.ffmetadata"
                meta_file.write_text(ffmetadata(episode.timeline), encoding="utf-8")
                inputs = (str(meta_file),)
                maps = ("-map", "0:a", "-map_metadata", "1", "-map_chapters", "1")
            targets.append(Target(path, tuple(fmt.codec_args(episode.channels)), fmt.muxer, inputs, maps))
        # the mastered mix is also kept as raw PCM, so a format that misses can be encoded again without mixing
        raw = Target(Path(work) / "mix.s16", ("-c:a", "pcm_s16le"), "s16le")
        for attempt in (1, 2):
            master = solve_master(energies, peaks, aim_lufs, aim_tp, episode.frame_offsets)
            encode_chunks(episode.with_master(master).render(), episode.rate, episode.channels, [*targets, raw])
            measured = measure_file(str(files[first]))
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
        others = [(f, t) for f, t in zip(files, targets) if f is not first]

        def settle(item: tuple[AudioFormat, Target]) -> Measurement:
            """Measure another format; if its codec moved it off target or over the ceiling, encode it
            once more from the same samples with the gain that fixes it (the ceiling wins)."""
            fmt, tgt = item
            got = measure_file(str(tgt.path))
            if not math.isfinite(got.integrated_lufs):
                return got
            gain = target - got.integrated_lufs
            gain = min(gain, mix.true_peak - PEAK_MARGIN_DB - got.true_peak_dbtp)
            if abs(target - got.integrated_lufs) <= LOUDNESS_TOLERANCE_LU and got.true_peak_dbtp <= mix.true_peak:
                return got
            log(f"  {fmt.name}: {got.integrated_lufs:.1f} LUFS, {got.true_peak_dbtp:.1f} dBTP after encoding: "
                f"encoding again {gain:+.1f} dB")
            reencode(raw.path, episode.rate, episode.channels, tgt, gain)
            again = measure_file(str(tgt.path))
            if again.true_peak_dbtp > mix.true_peak or abs(target - again.integrated_lufs) > LOUDNESS_TOLERANCE_LU:
                log(f"  {fmt.name}: still {again.integrated_lufs:.1f} LUFS, {again.true_peak_dbtp:.1f} dBTP "
                    "after one correction; see the build record")
            return again

        with ThreadPoolExecutor(2) as pool:  # ffmpeg does the work; two cores
            by_format = dict(zip((f.name for f, _ in others), pool.map(settle, others)))
    return Loudness(target, mix.true_peak, master.gain_db, master.limited_frames, measured, attempt,
                    {first.name: measured, **by_format})


PEAK_MARGIN_DB = 0.3  # a re-encode to fix a true-peak overshoot aims this far under the ceiling


PROBE_SECONDS = 90


def _codec_shift(episode: Episode, fmt: AudioFormat, folder: Path) -> float:
    """How much encoding moves the loudness of this episode (LU), from a short excerpt.

    The encoder's low-pass and psychoacoustic model take some energy away (about
    0.4 LU with MP3 on the demo); encoding 90 s from the middle and measuring
    both sides lets the full encode aim for the target instead of missing it.
    """
    from narrate.loudness import loudness_of

    chapter = episode.render_chapter(len(episode.layouts) // 2)
    n = min(len(chapter), PROBE_SECONDS * episode.rate)
    excerpt = chapter[(len(chapter) - n) // 2 :][:n]
    excerpt = (np.clip(excerpt, -1, 1) * 32767).round() / 32767  # as the encoder will receive it
    before = loudness_of(excerpt, episode.rate)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".narrate-") as tmp:
        probe = Path(tmp) / f"probe{fmt.suffix}"
        target = Target(probe, tuple(fmt.codec_args(episode.channels)), fmt.muxer)
        encode_chunks([excerpt], episode.rate, episode.channels, [target])
        after = measure_file(str(probe)).integrated_lufs
    if not (math.isfinite(before) and math.isfinite(after)):
        return 0.0
    return after - before


def _record(plan: Plan, timeline: Timeline, loudness: Loudness, out: Path, publish: dict) -> dict:
    """What was built, how loud it measured, with which versions, and what a feed needs to list it."""
    return {
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
            "measured_by_format": {name: m.as_dict() for name, m in loudness.by_format.items()},
            "meter": "ffmpeg ebur128 (ITU-R BS.1770-4, true peak 4x oversampled) on the decoded file",
        },
        "chapters": [
            {"number": c.number, "title": c.title, "line": c.line, "start_ms": c.start_ms, "end_ms": c.end_ms}
            for c in timeline.chapters
        ],
        "publish": publish,
    }


def write_feed(root: Path, edition: str, show: dict, base_url: str) -> tuple[Path, int]:
    """Write the feed for every episode of this edition under ``root``; return its path and item count."""
    episodes = feeds.find_episodes(root, edition)
    path = root / feeds.feed_name(edition)
    with published(path) as tmp:
        tmp.write_bytes(feeds.feed_xml(show, episodes, base_url, edition))
    return path, len(episodes)


def series_base_url(scripts: list[Script], override: str | None) -> str | None:
    """The one base_url a series is published at: --base-url, else the scripts' own (which must agree)."""
    if override:
        return check_base_url(override, "--base-url")
    chosen: tuple[str, Script] | None = None
    for script in scripts:
        url = script.meta.podcast.base_url
        if url is None:
            continue
        if chosen and url != chosen[0]:
            raise ScriptError(
                f"podcast 'base_url' is '{url}' here but '{chosen[0]}' in {chosen[1].path}; "
                "a series is published at one address (or give --base-url)",
                script.path,
                script.meta.line_of("podcast.base_url"),
            )
        chosen = (url, script)
    return chosen[0] if chosen else None


def script_paths(arguments: list[str]) -> list[str]:
    """The scripts named on the command line; a folder stands for the .md files in it, by name."""
    out: list[str] = []
    for arg in arguments:
        path = Path(arg)
        if path.is_dir():
            found = sorted(str(p) for p in path.glob("*.md") if p.name.lower() != "readme.md")
            if not found:
                raise NarrateError("no .md scripts in this folder", arg)
            out += found
        else:
            out.append(arg)
    return out


def parse_format_option(value: str | None) -> tuple[str, ...] | None:
    """--format mp3,m4b -> ('mp3', 'm4b')."""
    return None if value is None else parse_formats(value, "--format")
