"""Encoding work for the mastering stage: render what is missing and encode it, reusing what it can.

The MP3 is kept in pieces of about 20 s (``PIECE_FRAMES`` MP3 frames), each
encoded with a little real audio either side and cached by the region keys of
that audio (narrate.episode), then joined gaplessly (narrate.export.gapless):
a rebuild encodes only the pieces whose sound changed. M4B and Opus are
encoded whole when their audio changed, else copied from the last build to be
re-tagged. What gain to encode at is decided by ``narrate.master``.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from narrate.cache import Store
from narrate.episode import Episode
from narrate.errors import NarrateError
from narrate.export.encode import Target, encode_chunks
from narrate.export.formats import AudioFormat
from narrate.export.gapless import (
    POSTROLL_FRAMES, PREROLL_FRAMES, SAMPLES_PER_FRAME, Segment, encode_segments, write_assembled,
)
from narrate.export.m4b import ffmetadata
from narrate.files import WORK_PREFIX
from narrate.loudness import loudness_of
from narrate.meter import Measurement, StreamMeter, measure_file

PROBE_SECONDS = 90  # how much of the mix codec_shifts encodes to see what the codec does to loudness
PIECE_FRAMES = 768  # about 20 s: an edit re-encodes its own piece onwards, the pieces two at a time
BATCH_PIECES = 8  # pieces one ffmpeg encodes, when what is left is encoded after synthesis
WHOLE_BATCH = 4  # and beside the whole-file encoders (each waits with its audio: memory holds twice this)


class Encoder:
    """Renders and encodes what is missing: MP3 chapter frames from the cache or encoded anew,
    other formats reused from the last build or encoded whole."""

    def __init__(self, episode: Episode, formats: list[AudioFormat], store: Store, existing: dict[str, Path],
                 previous: dict | None) -> None:
        self.episode = episode
        self.formats = formats
        self.store = store
        self.existing = existing
        self.previous_formats = (previous or {}).get("formats", {})
        self.encoded: list[int] = []
        self.encoded_seconds = 0.0
        self.whole: list[str] = []
        self.format_state: dict[str, dict] = {}
        self.raw: Path | None = None
        self.segment_keys: list[str] = []  # the MP3's pieces, in order, as the last encode made them
        self._tmp: tempfile.TemporaryDirectory | None = None

    def encode(self, mastered: Episode, files: dict[AudioFormat, Path], folder: Path, everything: bool = False,
               gains: dict[str, float] | None = None, meter: PieceMeter | None = None) -> None:
        """Encode what is missing. ``gains`` are each whole-file format's gain over the mastered samples
        (it lands that codec on the target); without them, each keeps the gain it had last time. The MP3's
        pieces are fed to ``meter`` as they are made."""
        n = len(mastered.layouts)
        finals = [mastered.region_key(i, mastered=True) for i in range(n)]
        audio_key = _hash(["audio", mastered.rate, mastered.channels, finals])
        mp3 = next((f for f in self.formats if f.name == "mp3"), None)
        whole = self._whole_to_encode(mastered, audio_key, files, everything, gains)
        units = pieces(mastered) if mp3 else []
        segment_keys = [self.segment_key(mastered, u) for u in units]
        self.segment_keys = segment_keys
        # each piece's (frames, CRC, bytes): its frames stay in the cache, read again one at a time when the
        # file is written, so memory holds one piece however long the book (a 7-hour MP3 is 400 MB)
        segments: list[tuple[int, int, int] | None] = [_meta(_load_segment(self.store, k)) for k in segment_keys]
        need = [k for k, seg in enumerate(segments) if seg is None]
        if whole:
            self._encode_whole(mastered, whole, files, folder, units, segments, segment_keys, need)
        elif need:
            # in batches, two at a time, each by one ffmpeg; the meter hears each batch as soon as it and those
            # before it are made, while later ones are rendered and encoded
            batches = [need[k : k + BATCH_PIECES] for k in range(0, len(need), BATCH_PIECES)]
            with ThreadPoolExecutor(2) as pool:
                jobs = [
                    pool.submit(self.segments, mastered, [units[k] for k in batch], [segment_keys[k] for k in batch])
                    for batch in batches
                ]
                for batch, job in zip(batches, jobs):
                    for k, segment in zip(batch, job.result()):
                        segments[k] = _meta(segment)
                    if meter is not None:
                        meter.feed(segment_keys)
        self.encoded = sorted({units[k].chapter for k in need})
        self.encoded_seconds = sum(units[k].b - units[k].a for k in need) / mastered.rate
        self.whole = [f.name for f in whole]
        if mp3:
            self._write_mp3(mastered, mp3, files[mp3], [seg for seg in segments if seg is not None], segment_keys)

    def _whole_to_encode(self, mastered: Episode, audio_key: str, files: dict[AudioFormat, Path], everything: bool,
                         gains: dict[str, float] | None) -> list[AudioFormat]:
        """The whole-file formats (all but the MP3) to encode anew; each whose audio is as last time is copied
        from the last build's file (only its tags may change)."""
        whole = []
        for fmt in self.formats:
            if fmt.name == "mp3":
                continue
            old = self.previous_formats.get(fmt.name, {})
            gain = round((gains or {}).get(fmt.name, old.get("gain_db", 0.0) if gains is None else 0.0), 2)
            fmt_key = _hash([audio_key, fmt.codec_args(mastered.channels), gain])
            have = self.existing.get(fmt.name)
            if not everything and old.get("audio_key") == fmt_key and have and have.is_file():
                shutil.copyfile(have, files[fmt])
                self.format_state[fmt.name] = dict(old)
            else:
                whole.append(fmt)
                self.format_state[fmt.name] = {"audio_key": fmt_key, "gain_db": gain, **_codec_facts(old)}
        return whole

    def _write_mp3(self, mastered: Episode, mp3: AudioFormat, path: Path, metas: list[tuple[int, int, int]],
                   segment_keys: list[str]) -> None:
        """The MP3 written from its pieces in the cache, one at a time."""
        samples = sum(layout.length for layout in mastered.layouts)

        def frames_of(k: int) -> bytes:
            seg = _load_segment(self.store, segment_keys[k])
            if seg is None:
                raise NarrateError("a cached piece of MP3 went missing while the episode was written (was the "
                                   "cache pruned meanwhile?); build again")
            return seg.data

        with open(path, "wb") as out:
            write_assembled(out, metas, frames_of, samples, mp3.codec_args(mastered.channels), mastered.rate,
                            mastered.channels)
        old = self.previous_formats.get("mp3", {})
        self.format_state["mp3"] = {"audio_key": _hash(segment_keys), **_codec_facts(old)}

    def segment_key(self, mastered: Episode, unit: Piece) -> str:
        """Everything that makes this piece's MP3 frames what they are: its audio and the audio either side
        that the encoder sees, by region key, and the encoder's settings."""
        i, a, b = unit
        n = len(mastered.layouts)
        length = mastered.layouts[i].length
        pre, post = PREROLL_FRAMES * SAMPLES_PER_FRAME, POSTROLL_FRAMES * SAMPLES_PER_FRAME
        first, last = i == 0 and a == 0, i == n - 1 and b == length
        parts: list = ["mp3", mastered.rate, mastered.channels, PREROLL_FRAMES, POSTROLL_FRAMES, first, last,
                       self._mp3_args(mastered), mastered.region_key(i, a, b, mastered=True)]
        if a > 0:
            parts.append(mastered.region_key(i, a - pre, a, mastered=True))
        elif i > 0:
            prev = mastered.layouts[i - 1].length
            parts.append(mastered.region_key(i - 1, prev - pre, prev, mastered=True))
        if b < length:
            parts.append(mastered.region_key(i, b, min(b + post, length), mastered=True))
        elif i < n - 1:
            parts.append(mastered.region_key(i + 1, 0, post, mastered=True))
        return _hash(parts)

    def _mp3_args(self, episode: Episode) -> list[str]:
        mp3 = next(f for f in self.formats if f.name == "mp3")
        return mp3.codec_args(episode.channels)

    def _context(self, mastered: Episode, unit: Piece) -> tuple[np.ndarray, int]:
        """A piece's audio with the real audio either side of it that its encoder sees, and how many
        samples of it come before the piece."""
        i, a, b = unit
        n = len(mastered.layouts)
        length = mastered.layouts[i].length
        pre = PREROLL_FRAMES * SAMPLES_PER_FRAME if (i > 0 or a > 0) else 0
        post = POSTROLL_FRAMES * SAMPLES_PER_FRAME if (i < n - 1 or b < length) else 0
        parts = []
        if pre and a == 0:
            prev = mastered.layouts[i - 1].length
            parts.append(mastered.render_chapter(i - 1, prev - pre, prev))
        parts.append(mastered.render_chapter(i, a - pre if a > 0 else a, min(b + post, length)))
        if post and b == length:
            parts.append(mastered.render_chapter(i + 1, 0, post))
        return np.concatenate(parts) if len(parts) > 1 else parts[0], pre

    def segments(self, mastered: Episode, units: list[Piece], keys: list[str],
                 contexts: Iterable[tuple[np.ndarray, int]] | None = None) -> list[Segment]:
        """Encode several pieces into the cache with one ffmpeg (``encode_segments``), each with the real audio
        either side of it: ``contexts`` if they are rendered already, else rendered as it goes (memory holds
        one); the pieces as encoded."""
        if contexts is None:
            contexts = (self._context(mastered, unit) for unit in units)
        end = (len(mastered.layouts) - 1, mastered.layouts[-1].length)  # the episode's last piece is kept whole
        jobs = ((audio, pre // SAMPLES_PER_FRAME, None if (unit.chapter, unit.b) == end
                 else (unit.b - unit.a) // SAMPLES_PER_FRAME) for unit, (audio, pre) in zip(units, contexts))
        made = encode_segments(jobs, mastered.rate, mastered.channels, self._mp3_args(mastered))
        for key, segment in zip(keys, made):
            _save_segment(self.store, key, segment)
        return made

    def _encode_whole(self, mastered: Episode, whole: list[AudioFormat], files: dict[AudioFormat, Path], folder: Path,
                      units: list[Piece], segments: list[tuple[int, int, int] | None], segment_keys: list[str],
                      need: list[int]) -> None:
        """Render every chapter once, streaming it to the whole-file encoders (and keeping it as raw PCM
        for corrections) while the MP3 pieces that are missing are encoded beside them, a few by one ffmpeg."""
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(dir=folder, prefix=WORK_PREFIX)
        work = Path(self._tmp.name)
        targets = []
        for fmt in whole:
            if fmt.chapters_from_ffmetadata:
                (work / f"{fmt.name}.ffmetadata").write_text(ffmetadata(mastered.timeline), encoding="utf-8")
            targets.append(plain_target(fmt, files[fmt], mastered, work, self.format_state[fmt.name]["gain_db"]))
        self.raw = work / "mix.s16"
        targets.append(Target(self.raw, ("-c:a", "pcm_s16le"), "s16le"))
        jobs: list[tuple[list[int], Future[list[Segment]]]] = []
        slots = threading.Semaphore(2 * WHOLE_BATCH)  # MP3 pieces waiting for their encoder, with their audio
        needed = set(need)

        def blocks(pool: ThreadPoolExecutor) -> Iterator[np.ndarray]:
            """The episode a piece at a time (memory holds a few pieces, however long a chapter is); the missing
            MP3 pieces are encoded from the same rendering, with their context, WHOLE_BATCH at a time."""
            batch: list[tuple[int, tuple[np.ndarray, int]]] = []
            for k, unit in enumerate(units or pieces(mastered)):
                if units and k in needed:
                    audio, pre = self._context(mastered, unit)
                    slots.acquire()
                    batch.append((k, (audio, pre)))
                    yield audio[pre : pre + unit.b - unit.a]
                else:
                    yield mastered.render_chapter(unit.chapter, unit.a, unit.b)
                if batch and (len(batch) == WHOLE_BATCH or k == len(units) - 1):
                    done = pool.submit(self.segments, mastered, [units[j] for j, _ in batch],
                                       [segment_keys[j] for j, _ in batch], [c for _, c in batch])
                    done.add_done_callback(lambda _, n=len(batch): [slots.release() for _ in range(n)])
                    jobs.append(([j for j, _ in batch], done))
                    batch = []

        with ThreadPoolExecutor(1) as pool:
            encode_chunks(blocks(pool), mastered.rate, mastered.channels, targets)
            for ks, job in jobs:
                for k, segment in zip(ks, job.result()):
                    segments[k] = _meta(segment)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


class PieceMeter:
    """The MP3 measured as it is made: its pieces, in order, are written to one ffmpeg meter as each is
    ready (while later chapters are spoken, when streaming), so the finished file needs no pass of its own.
    The frames fed are the file's own, bar its header; if the pieces change under it (the master was solved
    again), it starts over."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.fed: list[str] = []
        self._meter: StreamMeter | None = None
        self._lock = threading.Lock()

    def feed(self, keys: list[str]) -> None:
        """Write the pieces ``keys`` names, in order, from the first not yet written up to the first not yet
        in the cache."""
        with self._lock:
            if self.fed != keys[: len(self.fed)]:
                self.close()
            for key in keys[len(self.fed):]:
                segment = _load_segment(self.store, key)
                if segment is None:
                    return
                if self._meter is None:
                    self._meter = StreamMeter("mp3")
                self._meter.write(segment.data)
                self.fed.append(key)

    def result(self, keys: list[str], what: str) -> Measurement | None:
        """The measurement of the pieces ``keys`` names, all of them written; None if some are not in the
        cache."""
        self.feed(keys)
        with self._lock:
            if self.fed != keys or self._meter is None:
                return None
            meter, self._meter, self.fed = self._meter, None, []
        return meter.result(what)

    def close(self) -> None:
        if self._meter is not None:
            self._meter.close()
        self._meter, self.fed = None, []

    def __enter__(self) -> PieceMeter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Piece(NamedTuple):
    """A stretch of one chapter that is encoded to MP3 on its own: samples a..b of chapter index ``chapter``."""

    chapter: int
    a: int
    b: int


def pieces(episode: Episode) -> list[Piece]:
    """Every chapter cut into pieces of PIECE_FRAMES MP3 frames (the last one of a chapter may be longer)."""
    out = []
    for i, layout in enumerate(episode.layouts):
        frames = layout.length // SAMPLES_PER_FRAME
        cuts = list(range(0, frames, PIECE_FRAMES))
        if len(cuts) > 1 and frames - cuts[-1] < PIECE_FRAMES // 4:
            cuts.pop()  # no sliver at the end
        bounds = [c * SAMPLES_PER_FRAME for c in cuts] + [layout.length]
        out += [Piece(i, lo, hi) for lo, hi in zip(bounds, bounds[1:])]
    return out


def plain_target(fmt: AudioFormat, path: Path, episode: Episode, work: Path, gain_db: float = 0.0) -> Target:
    """The ffmpeg output for a whole-file format, at ``gain_db`` over the mastered samples; its chapters
    come from ``work/<format>.ffmetadata``."""
    inputs: tuple[str, ...] = ()
    maps: tuple[str, ...] = ()
    if fmt.chapters_from_ffmetadata:
        inputs = (str(work / f"{fmt.name}.ffmetadata"),)
        maps = ("-map", "0:a", "-map_metadata", "1", "-map_chapters", "1")
    return Target(path, tuple(fmt.codec_args(episode.channels)), fmt.muxer, inputs, maps, gain_db)


def _codec_facts(state: dict[str, Any]) -> dict[str, Any]:
    """What the last build measured of a codec, kept while its audio is made anew."""
    return {k: v for k, v in state.items() if k.startswith("codec_") or k == "measured"}


def _hash(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


_SEGMENT_MAGIC = b"NSEG1"


def _save_segment(store: Store, key: str, segment: Segment) -> None:
    header = _SEGMENT_MAGIC + segment.frames.to_bytes(4, "big") + segment.crc.to_bytes(2, "big")
    store.put("mp3", key, header + segment.data)


def _meta(segment: Segment | None) -> tuple[int, int, int] | None:
    """What writing the file needs to know of a piece before its frames: (frames, CRC-16, bytes)."""
    return None if segment is None else (segment.frames, segment.crc, len(segment.data))


def _load_segment(store: Store, key: str) -> Segment | None:
    data = store.get("mp3", key)
    if data is None or not data.startswith(_SEGMENT_MAGIC) or len(data) < 11:
        return None
    return Segment(data[11:], int.from_bytes(data[5:9], "big"), int.from_bytes(data[9:11], "big"))


def codec_shifts(episode: Episode, formats: list[AudioFormat], folder: Path) -> dict[str, float]:
    """How much each format's encoder moves the loudness of this episode (LU), from a short excerpt.

    The encoder's low-pass and psychoacoustic model take some energy away (about
    0.4 LU with MP3 on the demo) or add some (AAC, Opus); encoding 90 s from the
    middle, once rendered for every format at once, and measuring both sides lets
    the full encodes aim for the target instead of missing it.
    """
    middle = len(episode.layouts) // 2
    length = episode.layouts[middle].length
    n = min(length, PROBE_SECONDS * episode.rate)
    excerpt = episode.render_chapter(middle, (length - n) // 2, (length - n) // 2 + n)
    excerpt = (np.clip(excerpt, -1, 1) * 32767).round() / 32767  # as the encoders will receive it
    before = loudness_of(excerpt, episode.rate)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=WORK_PREFIX) as tmp:
        probes = {f.name: Path(tmp) / f"probe{f.suffix}" for f in formats}
        encode_chunks([excerpt], episode.rate, episode.channels,
                      [Target(probes[f.name], tuple(f.codec_args(episode.channels)), f.muxer) for f in formats])
        after = {name: measure_file(str(path)).integrated_lufs for name, path in probes.items()}
    return {name: lufs - before if math.isfinite(before) and math.isfinite(lufs) else 0.0
            for name, lufs in after.items()}
