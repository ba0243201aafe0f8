"""Publishing talking books (``--format daisy``, ``--format epub``) beside the episode, from its master.

Each chapter is rendered from the mastered mix again and encoded on its own, as a constant-bit-rate mono
MP3 (64 kbit/s): DAISY's NCC and SMIL, and the EPUB's overlays, point into these files. The DAISY book is
a folder, ``<stem>.daisy/``; the EPUB one file, ``<stem>.epub``.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from narrate.episode import Episode
from narrate.export import daisy, mp3
from narrate.export.book import Book
from narrate.export.encode import Target, encode_chunks
from narrate.export.epub import write_epub
from narrate.export.layout import Layout
from narrate.export.page import Link
from narrate.files import PARTIAL, WORK_PREFIX, remove_leftovers

BOOKS = ("daisy", "epub", "walk")  # walk: the walking tour, whose legs are these chapter files (export.walk)
BLOCK_SECONDS = 20  # rendered and encoded a block at a time: memory holds a block, not a chapter


def daisy_folder(layout: Layout) -> Path:
    return layout.folder / f"{layout.stem}.daisy"


def remove_book_leftovers(layout: Layout) -> int:
    """The partial files a stopped build left in the episode's DAISY folder (it holds only narrate's files,
    so every partial there is one); how many."""
    folder = daisy_folder(layout)
    stems = sorted({p.name.split(".")[1] for p in folder.glob(f".*.*{PARTIAL}*")}) if folder.is_dir() else []
    return remove_leftovers(folder, stems)


def book_paths(layout: Layout, books: tuple[str, ...], book: Book) -> list[Path]:
    """Every file the chosen books are made of."""
    out: list[Path] = []
    if "daisy" in books:
        out += [daisy_folder(layout) / name for name in daisy.file_names(book)]
    if "epub" in books:
        out.append(layout.path(".epub"))
    return out


def book_links(layout: Layout, books: tuple[str, ...], tmp: dict[Path, Path]) -> list[Link]:
    """The web page's download of the EPUB (a DAISY book is a folder, copied to a player whole: not a link)."""
    if "epub" not in books:
        return []
    return [Link(layout.path(".epub").name, "application/epub+zip", "EPUB 3 talking book (text and audio)",
                 tmp[layout.path(".epub")].stat().st_size)]


def chapter_durations(episode: Episode) -> dict[int, int]:
    """Each chapter's audio, in whole milliseconds (rounded down, so no clip ends after its file)."""
    return {c.number: layout.length * 1000 // episode.rate for c, layout in zip(episode.plan.chapters, episode.layouts)}


def write_books(books: tuple[str, ...], book: Book, mastered: Episode, tmp: dict[Path, Path], layout: Layout,
                cover: Path | None, modified: _dt.datetime, copies: dict[int, Path] | None = None) -> None:
    """Write the chosen books to the temporary paths ``tmp`` (by final path) that publishing renames;
    ``copies``: a chapter's MP3 is also wanted at this (temporary) path, by chapter number."""
    with tempfile.TemporaryDirectory(dir=layout.folder, prefix=WORK_PREFIX) as work:
        folder = daisy_folder(layout)
        audio = {c.number: tmp[folder / daisy.audio_name(c)] if "daisy" in books else Path(work) / f"{c.number}.mp3"
                 for c in book.chapters}
        with ThreadPoolExecutor(2) as pool:  # LAME does the work: two chapters at a time
            list(pool.map(lambda i: _chapter_mp3(mastered, i, audio[book.chapters[i].number]),
                          range(len(book.chapters))))
        for number, path in (copies or {}).items():
            shutil.copyfile(audio[number], path)
        if "daisy" in books:
            for name, data in daisy.daisy_files(book).items():
                tmp[folder / name].write_bytes(data)
        if "epub" in books:
            write_epub(tmp[layout.path(".epub")], book, audio, cover, modified)


def _chapter_mp3(episode: Episode, index: int, path: Path) -> None:
    """One chapter of the mastered mix as a mono CBR MP3 (its samples, start to end, nothing added)."""
    length = episode.layouts[index].length
    step = BLOCK_SECONDS * episode.rate

    def blocks():  # type: ignore[no-untyped-def]
        for a in range(0, length, step):
            audio = episode.render_chapter(index, a, min(a + step, length))
            yield audio.mean(axis=1, keepdims=True).astype(np.float32)

    encode_chunks(blocks(), episode.rate, 1, [Target(path, tuple(mp3.codec_args(1)), "mp3")])
