"""The publishing stage: one episode's files (every audio format, the sidecars, the page, the images)
and its build record, written with the writers in narrate.export.

Every file is written under a temporary name beside its target and renamed
into place together at the end (narrate.export.encode.published_all), so a
failed build leaves the last good episode as it was; a file whose content did
not change is left alone, modification time included.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narrate import __version__
from narrate.audio import ffmpeg_version
from narrate.episode import Episode
from narrate.export import feed as feeds
from narrate.export.book import make_book
from narrate.export.books import book_links, book_paths, chapter_durations, daisy_folder, write_books
from narrate.export.formats import AudioFormat
from narrate.export.layout import Layout
from narrate.export.page import Link, episode_page
from narrate.export.sidecars import sidecars
from narrate.export.walk import leg_name, page_map, walk_files, walk_folder, walk_paths
from narrate.files import published, published_all
from narrate.inputs import is_url, local_path
from narrate.master import Mastered, MasterJob, master_and_encode
from narrate.plan import Plan
from narrate.tour import Tour
from narrate.record import (
    RECORD_FORMAT, AudioFile, BuildRecord, ChapterRecord, EngineUse, FileRecord, Publish, SentenceRecord, Show,
    TranscriptFile, build_time, sha256_file,
)

_PLAYER_ORDER = ("opus", "m4b", "mp3")  # the page's player tries the smallest file it can play first


@dataclass(frozen=True)
class Outputs:
    """What to publish and where: the layout, the formats (the first is the main one), the cover, the address."""

    layout: Layout
    formats: tuple[AudioFormat, ...]
    cover: Path | None
    base_url: str | None
    books: tuple[str, ...] = ()  # talking books to publish beside the episode: 'daisy', 'epub', 'walk' (export.books)
    tour: Tour | None = None  # the script's stops, for the walk and the page's map (narrate.tour)


@dataclass(frozen=True)
class Provenance:
    """What the build record says the episode was made from, worked out once per build (the change
    report compares the same records)."""

    inputs: str  # the fingerprint of every input; equal next time means nothing to do
    settings: dict[str, Any]
    chapters: tuple[ChapterRecord, ...]
    sentences: tuple[SentenceRecord, ...]
    engines: tuple[EngineUse, ...]


@dataclass(frozen=True)
class Written:
    """What publish_episode put in the episode's folder."""

    audio: dict[str, Path]
    files: tuple[Path, ...]
    mastered: Mastered
    show: Show
    rewritten: tuple[Path, ...] = ()
    kept: tuple[Path, ...] = ()


def publish_episode(plan: Plan, episode: Episode, out: Outputs, facts: Provenance, previous: BuildRecord | None,
                   job: MasterJob) -> Written:
    """Master and encode every format from one mix, then write the sidecars, page, images and build record."""
    layout, formats, cover = out.layout, out.formats, out.cover
    timeline = episode.timeline
    audio = {f.name: layout.path(f.suffix) for f in formats}
    cover_name = f"{layout.stem}.cover{cover.suffix.lower()}" if cover else None
    images, image_urls = _chapter_images(plan, layout, out.base_url)
    extra = sidecars(plan, timeline, image_urls)
    show = Show.of(plan)
    manifest = layout.manifest
    last = previous.publish if previous else None
    guid = plan.meta.podcast.guid or (last.guid if last else None) or feeds.episode_guid(show.title, layout.stem)
    book = make_book(plan, timeline, chapter_durations(episode), guid, _narrator(facts, plan), build_time().date()) \
        if out.books else None
    walk = out.tour if "walk" in out.books else None
    legs = {s.number: walk_folder(layout) / leg_name(s.number) for s in walk.stops} if walk else {}
    paths = [*audio.values(), *(layout.path(x.suffix) for x in extra), layout.folder / layout.page,
             *([layout.folder / cover_name] if cover_name else []), *(layout.folder / n for _, n in images.values()),
             *(book_paths(layout, out.books, book) if book else []), *(walk_paths(layout, walk) if walk else []),
             manifest]
    kept: list[Path] = []  # the files a rebuild found already as they would be written
    with published_all(paths, unchanged=kept) as temps:
        tmp = dict(zip(paths, temps))
        targets = {f: tmp[audio[f.name]] for f in formats}
        mastered = master_and_encode(plan, episode, targets, audio, layout.folder, job)
        for f in formats:
            f.tag(tmp[audio[f.name]], plan, timeline, cover)
        if book and mastered.episode:
            write_books(out.books, book, mastered.episode, tmp, layout, cover, build_time(),
                        {n: tmp[p] for n, p in legs.items()})
        if walk and book:
            _write_walk(tmp, walk_files(plan, timeline, book, walk, layout, out.base_url, audio[formats[0].name].name,
                                        cover_name, {n: tmp[p] for n, p in legs.items()}), layout)
        _write_beside(tmp, layout, extra, cover, cover_name, images, Path(plan.path).parent)
        sizes = {f.name: tmp[audio[f.name]].stat().st_size for f in formats}
        downloads = [Link(audio[f.name].name, f.mime, f.label, sizes[f.name]) for f in formats] + [
            Link(layout.path(x.suffix).name, x.mime, x.label, len(x.data)) for x in extra
        ] + (book_links(layout, out.books, tmp) if book else [])
        page = episode_page(plan, timeline, _sources(formats, audio), downloads, cover_name,
                            page_map(layout, walk, plan.meta.title, plan.meta.language) if walk else None)
        tmp[layout.folder / layout.page].write_text(page, encoding="utf-8")
        publish = _publish_entry(plan, layout, guid, cover_name, show, last,
                                 tuple(AudioFile(f.name, audio[f.name].name, f.mime, f.label, sizes[f.name])
                                       for f in formats),
                                 tuple(TranscriptFile(layout.path(x.suffix).name, x.mime)
                                       for x in extra if x.suffix != ".chapters.json"))
        files = {_name(p, layout): FileRecord(tmp[p].stat().st_size, sha256_file(tmp[p]))
                 for p in paths if p != manifest}
        record = _record(plan, episode, mastered, audio[formats[0].name], publish, facts, files)
        # the build record is written last, once every other file's place is known
        record.write(tmp[manifest])
    _stamp_times(record, layout)
    if book and "daisy" in out.books:
        _remove_stale(daisy_folder(layout), set(paths))
    if walk:
        _remove_stale(walk_folder(layout), set(paths))
    rewritten = tuple(p for p in paths if p not in kept)
    return Written(audio, tuple(paths), mastered, show, rewritten, tuple(kept))


def _write_walk(tmp: dict[Path, Path], files: dict[str, bytes], layout: Layout) -> None:
    """The walk's page, data and service worker, each into its temporary file."""
    for name, data in files.items():
        tmp[walk_folder(layout) / name].write_bytes(data)


def _write_beside(tmp: dict[Path, Path], layout: Layout, extra: list[Any], cover: Path | None, cover_name: str | None,
                  images: dict[int, tuple[str, str]], base: Path) -> None:
    """The sidecars, the cover and the chapters' images, each into its temporary file."""
    for x in extra:
        tmp[layout.path(x.suffix)].write_bytes(x.data)
    if cover and cover_name:
        shutil.copyfile(cover, tmp[layout.folder / cover_name])
    for src, name in images.values():
        shutil.copyfile(local_path(base, src), tmp[layout.folder / name])


def _chapter_images(plan: Plan, layout: Layout, base_url: str | None) -> tuple[dict[int, tuple[str, str]],
                                                                               dict[int, str]]:
    """The chapters' own images: those copied beside the episode (chapter -> (source, file name)), and every
    chapter image's address (those given as addresses kept as they are)."""
    images = {
        c.number: (c.settings.img, f"{layout.stem}.chapter-{c.number:02d}{Path(c.settings.img).suffix.lower()}")
        for c in plan.chapters
        if c.settings.img and not is_url(c.settings.img)
    }
    urls = {c.number: c.settings.img for c in plan.chapters if c.settings.img and is_url(c.settings.img)}
    return images, urls | {n: layout.url(base_url, name) if base_url else name for n, (_, name) in images.items()}


def _sources(formats: tuple[AudioFormat, ...], audio: dict[str, Path]) -> list[Link]:
    """The page's player's sources, in the order browsers should try them."""
    ordered = sorted(formats, key=lambda f: _PLAYER_ORDER.index(f.name))
    return [Link(audio[f.name].name, f.mime, f.label) for f in ordered]


def _publish_entry(plan: Plan, layout: Layout, guid: str, cover_name: str | None, show: Show, last: Publish | None,
                   audio: tuple[AudioFile, ...], transcripts: tuple[TranscriptFile, ...]) -> Publish:
    """What the feed says of this episode, its publication date kept from the last build."""
    pub_date, pub_date_iso = feeds.pub_date(plan.meta.date, last.pub_date_iso if last else None)
    meta = plan.meta
    return Publish(title=meta.title, author=meta.author, description=meta.description, language=meta.language,
                   guid=guid, episode=meta.podcast.episode, season=meta.podcast.season, page=layout.page,
                   cover=cover_name, audio=audio, chapters=layout.path(".chapters.json").name,
                   transcripts=transcripts, show=show, pub_date=pub_date, pub_date_iso=pub_date_iso)


def _stamp_times(record: BuildRecord, layout: Layout) -> None:
    """The build record again, with the sizes and times the files now have, so the next build can see that
    nothing was touched."""
    final = {name: FileRecord(seen.bytes, seen.sha256, (layout.folder / name).stat().st_mtime_ns)
             for name, seen in record.files.items()}
    with published(layout.manifest) as tmp_manifest:
        dataclasses.replace(record, files=final).write(tmp_manifest)


def _name(path: Path, layout: Layout) -> str:
    """How the build record names a file: its path under the episode's folder ('story.daisy/ncc.html')."""
    return path.relative_to(layout.folder).as_posix()


def _narrator(facts: Provenance, plan: Plan) -> str:
    """The voices that read the book, for its metadata, the narrator's first: 'joe (bundled), a Piper voice'."""
    first = next((s.voice.label for s in plan.speeches() if s.speaker is None), None)
    voices = sorted(facts.engines, key=lambda e: e.voice != first)
    return "; ".join(f"{e.voice}, a {e.engine.capitalize()} voice" for e in voices) or "narrate"


def _remove_stale(folder: Path, keep: set[Path]) -> None:
    """Chapter files a longer book left in its DAISY folder (only names narrate writes there)."""
    for path in folder.glob("c[0-9][0-9][0-9].*"):
        if path not in keep and path.suffix in (".smil", ".mp3"):
            path.unlink(missing_ok=True)


def _record(plan: Plan, episode: Episode, mastered: Mastered, out: Path, publish: Publish, facts: Provenance,
            files: dict[str, FileRecord]) -> BuildRecord:
    """What was built from what, how loud it measured, with which versions, and what a feed needs to list it.

    Every sentence is listed with its chapter, line, normalised text, voice
    (engine, model hash, settings) and cache key, and where it lies in the
    episode: with the script and the sounds, that is all it takes to make the
    same episode again.
    """
    return BuildRecord(
        record_format=RECORD_FORMAT,
        narrate=__version__,
        ffmpeg=ffmpeg_version(),
        engines=facts.engines,
        script=plan.path,
        script_sha256=sha256_file(Path(plan.path)),
        edition=plan.edition_name,
        built=build_time().astimezone().strftime("%Y-%m-%dT%H:%M:%S%z"),
        inputs=facts.inputs,
        output=out.name,
        duration_ms=episode.timeline.duration_ms,
        settings=facts.settings,
        loudness=mastered.loudness.record(),
        chapters=facts.chapters,
        sentences=facts.sentences,
        sounds=dict(sorted(episode.sounds.ids.items())),
        mastering=mastered.state,
        publish=publish,
        files=files,
    )
