"""The orchestrator: parse -> plan -> synthesise -> mix -> export.

Everything a user can get wrong is checked before the first slow step, and
nothing appears at the output path unless the whole build succeeded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np

from narrate import __version__
from narrate.audio import ffmpeg_version
from narrate.cache import Store, default_dir
from narrate.changes import ChangeReport, compare
from narrate.engines import Engines
from narrate.errors import NarrateError, ScriptError, SoundError
from narrate.export import feed as feeds
from narrate.export.encode import published, published_all
from narrate.export.formats import FORMATS, SUFFIXES, AudioFormat
from narrate.export.mp3 import picture_mime
from narrate.export.page import Link, episode_page
from narrate.export.sidecars import sidecars
from narrate.master import Loudness, Mastered, master_and_encode
from narrate.mix import RATE, Episode, MixSounds, cue_seconds, mix_episode
from narrate.plan import EDITIONS, Cue, Plan, Silence, plan_episode
from narrate.script import ChapterSettings, Script, check_base_url, parse_formats, parse_script, read_script_text
from narrate.sounds import find_sound, is_off, load_sound, make_loop
from narrate.synth import SynthStats, synthesize
from narrate.text import mangle_prone_names
from narrate.timeline import Timeline

WORDS_PER_MINUTE = 223  # the joe voice at speed 1.0 (201 at 0.9, measured on the demo)
RECORD_FORMAT = 2  # the build record's layout; a record in another one is treated as no record


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
class Cost:
    """What a build did: sentences synthesised, chapters remixed and encoded, files rewritten."""

    synthesised: int = 0
    sentences: int = 0
    analysed: tuple[int, ...] = ()  # chapter numbers whose mix was rendered and measured anew
    encoded: tuple[int, ...] = ()  # chapters whose MP3 frames were encoded anew
    whole: tuple[str, ...] = ()  # formats encoded whole
    chapters: int = 0
    rewritten: tuple[str, ...] = ()  # file names
    kept: tuple[str, ...] = ()  # files left as they were: their content did not change
    kept_master: bool = False
    encoded_seconds: float = 0.0  # of the MP3

    def lines(self) -> list[str]:
        """The cost, as the CLI prints it."""
        out = [f"synthesised {self.synthesised} of {self.sentences} sentences, {self.sentences - self.synthesised} from cache"]
        if self.chapters:
            mp3 = (f"encoded {_seconds(self.encoded_seconds)} of MP3 in {_chapters(self.encoded, self.chapters)}"
                   if self.encoded else "encoded no MP3")
            out.append(f"remixed {_chapters(self.analysed, self.chapters)}; {mp3}"
                       + (f"; encoded {', '.join(self.whole)} whole" if self.whole else ""))
        kept = f"; left {len(self.kept)} unchanged" if self.kept else ""
        out.append(f"rewrote {len(self.rewritten)} file{'s' if len(self.rewritten) != 1 else ''}"
                   + (f" ({', '.join(self.rewritten)})" if self.rewritten else "") + kept)
        return out


def _seconds(seconds: float) -> str:
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}" if s >= 60 else f"{s} s"


def _chapters(numbers: tuple[int, ...], total: int) -> str:
    if not numbers:
        return "no chapters"
    if len(numbers) == total:
        return f"all {total} chapters"
    return f"chapter{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))} of {total}"


@dataclass(frozen=True)
class BuildResult:
    """What a build made and what it cost."""

    output: Path  # the first format's audio file
    timeline: Timeline | None  # None when nothing changed and nothing was built
    stats: SynthStats
    loudness: Loudness | None
    manifest: Path
    edition: str = "full"
    outputs: dict[str, Path] = field(default_factory=dict)  # format -> audio file
    files: tuple[Path, ...] = ()  # everything the episode consists of, audio first
    layout: Layout | None = None
    show: dict = field(default_factory=dict)  # the feed channel's settings from this script
    base_url: str | None = None
    changes: ChangeReport | None = None
    cost: Cost = field(default_factory=Cost)

    @property
    def unchanged(self) -> bool:
        """Nothing changed since the last build, so nothing was done."""
        return self.timeline is None


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


def _warm_imports() -> None:
    """Import scipy's signal and ndimage modules (about a second) in the background: the mixer needs them."""
    import scipy.ndimage  # noqa: F401
    import scipy.signal  # noqa: F401


def load_sounds(script: Script, edition: str) -> MixSounds:
    """Decode the cues and each chapter's bed that this edition plays."""
    meta = script.meta
    beds: list[tuple[str, np.ndarray] | None] = []
    loops: dict[str, tuple[str, np.ndarray]] = {}  # each sound decoded once, however many legs play it
    for chapter in script.chapters:
        value = chapter.settings.ambient or meta.ambient
        if edition == "speech" or not value or is_off(value):
            beds.append(None)
            continue
        if value not in loops:
            line = chapter.settings.line_of("ambient", 0) or meta.line_of("ambient")
            path, audio = _load_located(script, value, "beds", line)
            loops[value] = (str(path), make_loop(audio, RATE))
        beds.append(loops[value])
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
    fresh: bool = False,
) -> BuildResult:
    """Build one episode for a script: every audio format from one mix, its sidecars, page and build record.

    ``formats`` and ``base_url`` override the script's 'formats' and 'podcast: base_url'.
    Only what changed since the last build is made again, and only files whose
    content changed are rewritten; ``fresh`` masters and encodes everything anew
    (the sentences still come from the cache). Nothing lands in the output
    folder unless every file was written.
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
    manifest = layout.path(".manifest.json")
    previous = _read_record(manifest)
    inputs = _fingerprint(plan, script, edition, chosen, base_url, layout)
    store = Store(cache_dir or default_dir())
    if not fresh and previous and previous.get("inputs") == inputs and _files_intact(previous, layout):
        total = len(plan.unique_speeches())
        return BuildResult(
            output=layout.path(FORMATS[chosen[0]].suffix), timeline=None, stats=SynthStats(total, 0), loudness=None,
            manifest=manifest, edition=edition, layout=layout, base_url=base_url, show=show_settings(plan),
            outputs={f: layout.path(FORMATS[f].suffix) for f in chosen},
            changes=ChangeReport(False, previous.get("built")),
            cost=Cost(0, total, kept=tuple(previous.get("files", {}))),
        )

    total = len(plan.unique_speeches())
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    with ThreadPoolExecutor(2) as pool:  # decode the sounds and load scipy while the voice speaks
        pool.submit(_warm_imports)
        loading = pool.submit(load_sounds, script, edition)
        clips, stats = synthesize(plan, engines, store.speech, advance)
        sounds = loading.result()
    state = None if fresh else (previous or {}).get("mastering")
    episode = mix_episode(plan, clips, sounds, reference=(state or {}).get("reference_lufs"),
                          energies_of=store.clip_energies)
    facts = Provenance(inputs, _settings_record(plan, chosen, base_url), _chapter_records(plan),
                       _sentence_records(plan, episode.timeline), _engine_versions(plan, engines))
    changes = compare(previous, facts.chapters, facts.sentences, facts.settings)
    written = export_episode(plan, episode, layout, [FORMATS[f] for f in chosen], cover, base_url,
                             log or (lambda _: None), store, facts, previous, fresh)
    store.record_use(str(manifest.absolute()), {s.key for s in plan.speeches()})
    m = written.mastered
    cost = Cost(stats.synthesised, stats.total, m.analysed, m.encoded, m.whole, len(plan.chapters),
                tuple(p.name for p in written.rewritten), tuple(p.name for p in written.kept), m.kept_master,
                m.encoded_seconds)
    return BuildResult(
        output=written.audio[chosen[0]],
        timeline=episode.timeline,
        stats=stats,
        loudness=m.loudness,
        manifest=manifest,
        edition=edition,
        outputs=written.audio,
        files=written.files,
        layout=layout,
        show=written.show,
        base_url=base_url,
        changes=changes,
        cost=cost,
    )


def used_files(script: Script) -> list[Path]:
    """Every local file the script uses besides itself: its sounds, cover and chapter images
    (a sound that cannot be found is left out; check_files is what reports it)."""
    base = Path(script.path).parent
    files = []
    for value, kind, _ in _sound_settings(script):
        try:
            files.append(find_sound(value, kind, base))
        except NarrateError:
            continue
    if script.meta.cover:
        files.append(base / script.meta.cover)
    files += [base / c.settings.img for c in script.chapters if c.settings.img and not _is_url(c.settings.img)]
    return files


def _fingerprint(plan: Plan, script: Script, edition: str, formats: list[str], base_url: str | None, layout: Layout) -> str:
    """A hash of every input of the build: when it equals the last build's, there is nothing to do."""
    files = used_files(script)
    h = hashlib.sha256()
    h.update(json.dumps([RECORD_FORMAT, __version__, edition, formats, base_url, layout.stem, layout.page]).encode())
    # the script however its path was spelled ('story.md', './story.md', '/home/me/story.md')
    h.update(repr(dataclasses.replace(plan, path=str(Path(plan.path).resolve()))).encode("utf-8"))
    for path in sorted({f.resolve() for f in files}):
        h.update(str(path).encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _files_intact(record: dict, layout: Layout) -> bool:
    """Every file the last build wrote is still there, as it was written (size and modification time)."""
    files = record.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for name, seen in files.items():
        try:
            st = (layout.folder / name).stat()
        except OSError:
            return False
        if not isinstance(seen, dict) or [st.st_size, st.st_mtime_ns] != [seen.get("bytes"), seen.get("mtime_ns")]:
            return False
    return True


def _chapter_records(plan: Plan) -> list[dict]:
    return [{"number": c.number, "title": c.title, "settings": _chapter_settings(c.settings)} for c in plan.chapters]


def _sentence_records(plan: Plan, timeline: Timeline) -> list[dict]:
    """Every spoken sentence as the build record keeps it: where it is, what was said, by what, and its cache key."""
    out = []
    speeches = list(plan.speeches())
    assert len(speeches) == len(timeline.sentences)
    for s, t in zip(speeches, timeline.sentences):
        out.append({
            "chapter": t.chapter,
            "line": s.line,
            "role": s.role,
            "speaker": s.speaker,
            "text": s.source,
            "spoken": s.text,
            "engine": s.voice.engine,
            "voice": s.voice.label,
            "model": s.voice.model_id,
            "settings": dict(s.voice.settings),
            "key": s.key,
            "start_ms": t.start_ms,
            "end_ms": t.end_ms,
        })
    return out


def _settings_record(plan: Plan, formats: list[str], base_url: str | None) -> dict:
    """The front matter's settings and each chapter's, flattened to 'mix.bed_level'-style keys."""
    out: dict[str, object] = {"formats": ",".join(formats), "base_url": base_url, "edition": plan.edition}

    def flat(prefix: str, value: object) -> None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                if f.name not in ("lines", "line"):
                    flat(f"{prefix}{f.name}.", getattr(value, f.name))
        elif isinstance(value, tuple) and value and all(dataclasses.is_dataclass(v) for v in value):
            for i, v in enumerate(value, 1):
                flat(f"{prefix}{i}.", v)
        else:
            out[prefix[:-1]] = value if isinstance(value, (str, int, float, bool, type(None))) else json.dumps(
                value, default=str, ensure_ascii=False)

    flat("", plan.meta)
    return out


def _chapter_settings(settings: ChapterSettings) -> dict:
    """A chapter's own settings (ambient, from, to, ...) as the change report compares them."""
    return {f.name: (list(v) if isinstance(v := getattr(settings, f.name), tuple) else v)
            for f in dataclasses.fields(settings) if f.name != "lines"}


@dataclass(frozen=True)
class Provenance:
    """What the build record says the episode was made from, worked out once per build (the change
    report compares the same records)."""

    inputs: str  # the fingerprint of every input; equal next time means nothing to do
    settings: dict
    chapters: list[dict]
    sentences: list[dict]
    engine_versions: dict[str, str]


@dataclass(frozen=True)
class Written:
    """What export_episode put in the episode's folder."""

    audio: dict[str, Path]
    files: tuple[Path, ...]
    mastered: Mastered
    show: dict  # the feed channel's settings from this script
    rewritten: tuple[Path, ...] = ()
    kept: tuple[Path, ...] = ()


def export_episode(
    plan: Plan,
    episode: Episode,
    layout: Layout,
    formats: list[AudioFormat],
    cover: Path | None,
    base_url: str | None,
    log: Callable[[str], None],
    store: Store,
    facts: Provenance,
    previous: dict | None = None,
    fresh: bool = False,
) -> Written:
    """Master and encode every format from one mix, then write the sidecars, page, images and build record.

    All files are written under temporary names and put in place together at
    the end; a file whose content did not change is left as it was.
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
    paths = [
        *audio.values(),
        *(layout.path(x.suffix) for x in extra),
        layout.folder / layout.page,
        *([layout.folder / cover_name] if cover_name else []),
        *(layout.folder / name for _, name in images.values()),
        manifest,
    ]
    base = Path(plan.path).parent
    state = None if fresh else (previous or {}).get("mastering")
    existing = {f.name: audio[f.name] for f in formats}
    kept: list[Path] = []
    with published_all(paths, unchanged=kept) as temps:
        tmp = dict(zip(paths, temps))
        mastered = master_and_encode(plan, episode, {f: tmp[audio[f.name]] for f in formats}, existing, layout.folder,
                                     store, state, log)
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
        record = _record(plan, episode, mastered, audio[formats[0].name], publish, facts)
        record["files"] = {
            p.name: {"bytes": tmp[p].stat().st_size, "sha256": _sha256(tmp[p])} for p in paths if p != manifest
        }
        # the build record is written last, once every other file's place is known
        tmp[manifest].write_bytes(_dump(record))
    # the sizes and times the files now have, so the next build can see that nothing was touched
    for name, seen in record["files"].items():
        st = (layout.folder / name).stat()
        seen["mtime_ns"] = st.st_mtime_ns
    with published(manifest) as tmp_manifest:
        tmp_manifest.write_bytes(_dump(record))
    rewritten = tuple(p for p in paths if p not in kept)
    return Written(audio, tuple(paths), mastered, show, rewritten, tuple(kept))


def _dump(record: dict) -> bytes:
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


def _record(plan: Plan, episode: Episode, mastered: Mastered, out: Path, publish: dict, facts: Provenance) -> dict:
    """What was built from what, how loud it measured, with which versions, and what a feed needs to list it.

    Every sentence is listed with its chapter, line, normalised text, voice
    (engine, model hash, settings) and cache key, and where it lies in the
    episode: with the script and the sounds, that is all it takes to make the
    same episode again.
    """
    timeline = episode.timeline
    loudness = mastered.loudness
    engines = sorted({(s.voice.engine, s.voice.label) for s in plan.speeches()})
    return {
        "record_format": RECORD_FORMAT,
        "narrate": __version__,
        "ffmpeg": ffmpeg_version(),
        "engines": [{"engine": e, "voice": v, "version": facts.engine_versions.get(e, "unknown")}
                    for e, v in engines],
        "script": plan.path,
        "script_sha256": _sha256(Path(plan.path)),
        "edition": plan.edition,
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "inputs": facts.inputs,
        "output": out.name,
        "duration_ms": timeline.duration_ms,
        "settings": facts.settings,
        "loudness": {
            "target_lufs": loudness.target_lufs,
            "true_peak_ceiling_dbtp": loudness.ceiling_dbtp,
            "master_gain_db": round(loudness.gain_db, 2),
            "limited_frames": loudness.limited_frames,
            "encodes": loudness.passes,
            "estimated": loudness.estimated,
            "measured": loudness.measured.as_dict(),
            "measured_by_format": {name: m.as_dict() for name, m in loudness.by_format.items()},
            "meter": "ffmpeg ebur128 (ITU-R BS.1770-4, true peak 4x oversampled) on the decoded file"
            + ("; this build's MP3 figures are estimated from that measurement and the changed chapters' mix"
               if loudness.estimated else ""),
        },
        "chapters": [
            {**record, "line": c.line, "start_ms": c.start_ms, "end_ms": c.end_ms, "mix_key": episode.region_key(i)}
            for i, (c, record) in enumerate(zip(timeline.chapters, facts.chapters))
        ],
        "sentences": facts.sentences,
        "sounds": {
            name: digest for name, digest in sorted(episode.sounds.ids.items())
        },
        "mastering": mastered.state,
        "publish": publish,
    }


def _engine_versions(plan: Plan, engines: Engines) -> dict[str, str]:
    """The version of each engine this plan speaks with, as the engine itself reports it."""
    out = {}
    for name in sorted({s.voice.engine for s in plan.speeches()}):
        try:
            engine = engines.get(name)
            out[name] = engine.version() if hasattr(engine, "version") else "unknown"
        except NarrateError:
            out[name] = "unknown"
    return out


def write_feed(root: Path, edition: str, show: dict, base_url: str) -> tuple[Path, int, bool]:
    """Write the feed for every episode of this edition under ``root``, unless it would not change;
    return its path, its item count and whether it was written."""
    episodes = feeds.find_episodes(root, edition)
    path = root / feeds.feed_name(edition)
    data = feeds.feed_xml(show, episodes, base_url, edition)
    try:
        if path.read_bytes() == data:
            return path, len(episodes), False
    except OSError:
        pass
    with published(path) as tmp:
        tmp.write_bytes(data)
    return path, len(episodes), True


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
