"""The build record (``<episode>.manifest.json``): what one build made, from what, and how it measured.

``BuildRecord`` is the one reader and writer of the file. The next build reads
it to see what changed (narrate.changes) and to keep its mastering (narrate.master);
the feed lists the episodes it finds records for (narrate.export.feed); verify
compares the audio with the sentences it lists (narrate.verify).

It also holds the build's **fingerprint**: the SHA-256 of canonical JSON of every
input (the plan, the settings, the output layout, and the content of every file
the script uses). When it equals the last build's, there is nothing to do.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
import datetime as _datetime
from typing import Any

from narrate import __version__
from narrate.engines import Engines
from narrate.errors import NarrateError
from narrate.plan import Plan
from narrate.timeline import Timeline, WordSpan

RECORD_FORMAT = 2  # the record's layout; a record in another one is treated as no record


@dataclass(frozen=True)
class EngineUse:
    """An engine and voice the episode speaks with, and the engine's version."""

    engine: str
    voice: str
    version: str


@dataclass(frozen=True)
class SentenceRecord:
    """One spoken sentence: where it is, what was written and said, by what voice, its cache key and times."""

    chapter: int
    line: int
    role: str
    speaker: str | None
    text: str  # as written
    spoken: str  # as the engine was given it
    engine: str
    voice: str
    model: str
    settings: dict[str, Any]
    key: str
    start_ms: int
    end_ms: int
    language: str = ""  # a passage in another language than the script's: which
    words: tuple[WordSpan, ...] = ()  # its written words, each with when it is said (narrate.readalong)
    timed_by: str = ""  # 'voice': the words' times are the voice's own; 'spread': estimated over the sentence


@dataclass(frozen=True)
class ChapterRecord:
    """One chapter: its title, its own settings, where it lies, and its mix's region key."""

    number: int
    title: str
    settings: dict[str, Any]
    line: int
    start_ms: int
    end_ms: int
    mix_key: str


@dataclass(frozen=True)
class AudioFile:
    format: str
    name: str
    mime: str
    label: str
    bytes: int


@dataclass(frozen=True)
class TranscriptFile:
    name: str
    mime: str


@dataclass(frozen=True)
class Show:
    """The feed channel's settings that a script gives."""

    title: str
    description: str | None
    author: str | None
    language: str
    category: str | None
    explicit: bool
    email: str | None
    type: str

    @classmethod
    def of(cls, plan: Plan) -> Show:
        meta, podcast = plan.meta, plan.meta.podcast
        return cls(
            title=podcast.title or meta.album or meta.title,
            description=podcast.description or meta.description,
            author=meta.author,
            language=meta.language,
            category=podcast.category,
            explicit=podcast.explicit,
            email=podcast.email,
            type=podcast.type,
        )


@dataclass(frozen=True)
class Publish:
    """What a feed needs to list the episode."""

    title: str
    author: str | None
    description: str | None
    language: str
    guid: str
    episode: int | None
    season: int | None
    page: str
    cover: str | None
    audio: tuple[AudioFile, ...]
    chapters: str
    transcripts: tuple[TranscriptFile, ...]
    show: Show
    pub_date: str  # RFC 2822
    pub_date_iso: str


@dataclass(frozen=True)
class FileRecord:
    """A file the build wrote: its size and hash, and the modification time it was left with."""

    bytes: int
    sha256: str
    mtime_ns: int | None = None


def build_time() -> _datetime.datetime:
    """Now, or $SOURCE_DATE_EPOCH when it is set (reproducible builds: the same files, whenever and wherever
    they are built)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _datetime.datetime.fromtimestamp(int(epoch), _datetime.timezone.utc)
    return _datetime.datetime.now(_datetime.timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class BuildRecord:
    """Everything one build records; with the script and the sounds, enough to make the same episode again."""

    record_format: int
    narrate: str
    ffmpeg: str
    engines: tuple[EngineUse, ...]
    script: str
    script_sha256: str
    edition: str
    built: str  # %Y-%m-%dT%H:%M:%S%z
    inputs: str  # the fingerprint
    output: str  # the first format's audio file, by name
    duration_ms: int
    settings: dict[str, Any]  # the front matter's and chapters' settings, as 'mix.bed_level'-style keys
    loudness: dict[str, Any]  # narrate.master.Loudness.record(): targets, gain, what each format measured
    chapters: tuple[ChapterRecord, ...]
    sentences: tuple[SentenceRecord, ...]
    sounds: dict[str, str]  # sound -> content hash
    mastering: dict[str, Any]  # narrate.master's own state for the next build; only it reads this
    publish: Publish
    files: dict[str, FileRecord] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return (json.dumps(dataclasses.asdict(self), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str) -> BuildRecord | None:
        """The record, or None if it is not a build record in this layout."""
        try:
            raw = json.loads(data)
            if not isinstance(raw, dict) or raw.get("record_format") != RECORD_FORMAT:
                return None
            return _load(cls, raw)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    @classmethod
    def read(cls, path: Path) -> BuildRecord | None:
        try:
            return cls.from_json(path.read_bytes())
        except OSError:
            return None

    def write(self, path: Path) -> None:
        path.write_bytes(self.to_json())


def _load(cls: type, data: dict) -> Any:
    """A dataclass from its asdict() form, nested dataclasses and tuples of them included."""
    return cls(
        **{name: convert(data[name]) if convert else data[name] for name, convert in _fields(cls) if name in data}
    )


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Each field of a dataclass and how to rebuild its value from JSON (None: as it is), worked out
    once per class (typing.get_type_hints is slow)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))


def _converter(tp: Any) -> Callable[[Any], Any] | None:
    if dataclasses.is_dataclass(tp):
        return functools.partial(_load, tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple and (inner := _converter(args[0])):
        return lambda values: tuple(inner(v) for v in values)
    if origin is tuple:
        return tuple
    if origin is dict and (inner := _converter(args[1])):
        return lambda values: {k: inner(v) for k, v in values.items()}
    return None


def fingerprint(plan: Plan, choices: dict[str, Any], files: list[Path]) -> str:
    """A hash of every input of a build: canonical JSON of the plan (the script however its path was
    spelled) and of the build's choices, and the path and content of every file the script uses."""
    payload = {
        "record_format": RECORD_FORMAT,
        "narrate": __version__,
        "choices": choices,
        "plan": dataclasses.replace(plan, path=str(Path(plan.path).resolve())),
        "files": [[str(p), sha256_file(p)] for p in sorted({f.resolve() for f in files})],
    }
    canon = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    """JSON for what json does not know: a dataclass as its fields by name (its class too, so two kinds of
    item with the same fields differ), anything else (a date) as text. Shallow: json walks the rest."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"": type(value).__name__, **{f.name: getattr(value, f.name) for f in dataclasses.fields(value)}}
    return str(value)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def files_intact(record: BuildRecord, folder: Path) -> bool:
    """Every file the last build wrote is still there, as it was written (size and modification time)."""
    if not record.files:
        return False
    for name, seen in record.files.items():
        try:
            st = (folder / name).stat()
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != (seen.bytes, seen.mtime_ns):
            return False
    return True


def settings_record(plan: Plan, formats: list[str], base_url: str | None) -> dict[str, Any]:
    """The front matter's settings, flattened to 'mix.bed_level'-style keys, with the build's choices."""
    out: dict[str, Any] = {"formats": ",".join(formats), "base_url": base_url, "edition": plan.edition_name}

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


def chapter_settings(settings: object) -> dict[str, Any]:
    """A chapter's own settings (ambient, from, to, ...) as the change report compares them."""
    return {f.name: (list(v) if isinstance(v := getattr(settings, f.name), tuple) else v)
            for f in dataclasses.fields(settings) if f.name != "lines"}  # type: ignore[arg-type]


def sentence_records(plan: Plan, timeline: Timeline) -> tuple[SentenceRecord, ...]:
    """Every spoken sentence as the record keeps it, in the order the plan says them."""
    speeches = list(plan.speeches())
    if len(speeches) != len(timeline.sentences):
        raise ValueError("the timeline does not match the plan")
    return tuple(
        SentenceRecord(t.chapter, s.line, s.role, s.speaker, s.source, s.text, s.voice.engine, s.voice.label,
                       s.voice.model_id, dict(s.voice.settings), s.key, t.start_ms, t.end_ms, s.language, t.words,
                       t.timed_by)
        for s, t in zip(speeches, timeline.sentences)
    )


def chapter_records(plan: Plan, timeline: Timeline, mix_keys: list[str]) -> tuple[ChapterRecord, ...]:
    """Every chapter as the record keeps it; ``mix_keys`` are their region keys (narrate.episode)."""
    return tuple(
        ChapterRecord(c.number, c.title, chapter_settings(c.settings), t.line, t.start_ms, t.end_ms, key)
        for c, t, key in zip(plan.chapters, timeline.chapters, mix_keys)
    )


def engines_used(plan: Plan, engines: Engines) -> tuple[EngineUse, ...]:
    """Each engine and voice the plan speaks with, and the engine's version as the engine reports it."""
    versions = {}
    for name in sorted({s.voice.engine for s in plan.speeches()}):
        try:
            engine = engines.get(name)
            versions[name] = engine.version() if hasattr(engine, "version") else "unknown"
        except NarrateError:
            versions[name] = "unknown"
    used = sorted({(s.voice.engine, s.voice.label) for s in plan.speeches()})
    return tuple(EngineUse(e, v, versions.get(e, "unknown")) for e, v in used)
