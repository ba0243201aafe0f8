"""Mastering and encoding: bring the mix to its loudness target and encode every format,
redoing only what changed since the last build.

A full master measures the mix chapter by chapter, solves the gain and
limiter for the target, encodes, and measures the finished file (correcting
once if the codec moved it). A rebuild keeps the last build's master gain
while the episode still meets the target with it, so every piece of a
chapter (about 20 s) whose audio did not change keeps its encoded MP3 frames
(narrate.export.gapless); only the changed pieces are rendered and encoded
again. Its loudness is then
worked out from the last measurement and the mix, not measured again (that
would mean decoding the whole hour); ``narrate build --fresh`` measures anew.

M4B and Opus are not spliced that way (the Opus decoder predicts each frame
from the one before; AAC would need pieces on its own 1024-sample grid), so
they are encoded whole when their audio changed, and otherwise only re-tagged.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from narrate.cache import Store
from narrate.export.encode import Target, encode_chunks, reencode
from narrate.export.formats import AudioFormat
from narrate.export.gapless import POSTROLL_FRAMES, PREROLL_FRAMES, SAMPLES_PER_FRAME, Segment, assemble, encode_segment
from narrate.export.m4b import ffmetadata
from narrate.loudness import Master, Measurement, default_target, measure_file, solve_master
from narrate.mix import Episode
from narrate.plan import Plan

# The limiter aims this far under the true-peak ceiling: encoding adds
# overshoot, and the check after encoding is what counts.
ENCODE_MARGIN_DB = 1.0
LOUDNESS_TOLERANCE_LU = 0.5
PEAK_MARGIN_DB = 0.3  # a re-encode to fix a true-peak overshoot aims this far under the ceiling
KEEP_MASTER_LU = 0.3  # a rebuild keeps the last master gain while the episode stays this close to target
PROBE_SECONDS = 90
STATE_FORMAT = 1


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
    estimated: bool = False  # worked out from the last build's measurement, not measured on this file

    def summary(self) -> str:
        m = self.measured
        how = "estimated from the last measurement, " if self.estimated else ""
        return (
            f"loudness {m.integrated_lufs:.1f} LUFS, true peak {m.true_peak_dbtp:.1f} dBTP "
            f"({how}target {self.target_lufs:g} LUFS, at most {self.ceiling_dbtp:g} dBTP)"
        )


@dataclass(frozen=True)
class Mastered:
    """What mastering and encoding did."""

    loudness: Loudness
    state: dict  # kept in the build record for the next build
    analysed: tuple[int, ...]  # chapters (numbers) whose mix was rendered and measured anew
    encoded: tuple[int, ...]  # chapters whose MP3 frames were encoded anew
    whole: tuple[str, ...]  # formats encoded whole
    kept_master: bool  # the last build's master gain was kept
    encoded_seconds: float = 0.0  # how much of the MP3 was encoded anew


def master_and_encode(
    plan: Plan,
    episode: Episode,
    files: dict[AudioFormat, Path],
    existing: dict[str, Path],
    folder: Path,
    store: Store,
    previous: dict | None,
    log: Callable[[str], None],
) -> Mastered:
    """Write every format's audio (untagged) to ``files``; ``existing`` are the files the last build wrote.

    ``previous`` is the last build's mastering state (None for a fresh build).
    """
    target = loudness_target(plan)
    ceiling = plan.meta.mix.true_peak
    keys = [episode.region_key(i) for i in range(len(episode.layouts))]
    analyses, analysed = _analyse(episode, keys, store)
    energies = np.concatenate([e for e, _ in analyses])
    peaks = np.concatenate([p for _, p in analyses])
    bounds = episode.frame_offsets
    formats = list(files)
    first = formats[0]
    work = _Work(episode, formats, store, existing, previous)
    try:
        kept = _keep_master(previous, first.name, energies, peaks, bounds, target, ceiling)
        if kept:
            master, estimates = kept
            work.encode(episode.with_master(master), files, folder)
            by_format = {
                f.name: estimates[f.name] if f.name in estimates and f.name not in work.whole
                else work.settle(f, files[f], target, ceiling, log)
                for f in formats
            }
            attempt = 1
            state = {k: previous[k] for k in ("target_lufs", "ceiling_dbtp", "aim_true_peak_dbtp")}  # type: ignore[index]
            measured_now = set(work.whole)
        else:
            aim_tp = ceiling - ENCODE_MARGIN_DB
            shift = _codec_shift(episode.with_master(solve_master(energies, peaks, target, aim_tp, bounds)), first, folder)
            aim_lufs = target - shift
            for attempt in (1, 2):
                master = solve_master(energies, peaks, aim_lufs, aim_tp, bounds)
                work.encode(episode.with_master(master), files, folder, everything=True)
                measured = measure_file(str(files[first]))
                loud_error = target - measured.integrated_lufs
                peak_error = measured.true_peak_dbtp - ceiling
                if attempt == 2 or not math.isfinite(measured.integrated_lufs):
                    break
                if abs(loud_error) <= LOUDNESS_TOLERANCE_LU and peak_error <= 0:
                    break
                log(f"  {measured.integrated_lufs:.1f} LUFS, {measured.true_peak_dbtp:.1f} dBTP after encoding: correcting")
                aim_lufs += loud_error
                if peak_error > 0:
                    aim_tp -= peak_error + 0.2
            by_format = {first.name: measured}
            others = [f for f in formats if f is not first]
            with ThreadPoolExecutor(2) as pool:  # ffmpeg does the work; two cores
                by_format |= dict(zip((f.name for f in others),
                                      pool.map(lambda f: work.settle(f, files[f], target, ceiling, log), others)))
            state = {"target_lufs": target, "ceiling_dbtp": ceiling, "aim_true_peak_dbtp": aim_tp}
            measured_now = set(by_format)
        # how far each encoder moved loudness and true peak from the mastered mix, for the next build's estimates
        pcm_tp = _pcm_true_peak(peaks, master)
        for name in measured_now:
            m = by_format[name]
            work.format_state.setdefault(name, {}).update(
                codec_shift_lu=round(m.integrated_lufs - master.predicted_lufs, 3),
                codec_overshoot_db=round(m.true_peak_dbtp - pcm_tp, 3),
                measured=m.as_dict(),
            )
    finally:
        work.close()
    measured = by_format[first.name]
    loudness = Loudness(target, ceiling, master.gain_db, master.limited_frames, measured, attempt, by_format,
                        estimated=kept is not None and first.name == "mp3")
    state |= {
        "format": STATE_FORMAT,
        "gain_db": master.gain_db,
        "first_format": first.name,
        "reference_lufs": episode.reference,
        "formats": work.format_state,
    }
    numbers = [c.number for c in episode.plan.chapters]
    return Mastered(loudness, state, tuple(numbers[i] for i in analysed), tuple(numbers[i] for i in work.encoded),
                    tuple(work.whole), kept is not None, work.encoded_seconds)


def loudness_target(plan: Plan) -> float:
    """The integrated loudness the episode is mastered to: the script's 'loudness', else the podcast norm."""
    mix = plan.meta.mix
    return mix.loudness if mix.loudness is not None else default_target(mix.channels)


def _analyse(episode: Episode, keys: list[str], store: Store) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[int]]:
    """Each chapter's per-frame energies and true peaks: from the cache, or rendered and measured
    (two chapters at a time: numpy and scipy release the GIL)."""
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    missing = []
    for i, key in enumerate(keys):
        got = store.get_arrays("mix", key)
        out.append((got["energies"], got["peaks"]) if got else None)
        if got is None:
            missing.append(i)
    if missing:
        with ThreadPoolExecutor(2) as pool:
            for i, (e, p) in zip(missing, pool.map(episode.analyse_chapter, missing)):
                store.put_arrays("mix", keys[i], energies=e, peaks=p)
                out[i] = (e, p)
    return [x for x in out if x is not None], missing


def _pcm_true_peak(peaks: np.ndarray, master: Master) -> float:
    top = float(np.max(peaks * master.limiter)) * 10 ** (master.gain_db / 20) if len(peaks) else 0.0
    return 20 * math.log10(top) if top > 0 else -math.inf


def _keep_master(
    previous: dict | None,
    first: str,
    energies: np.ndarray,
    peaks: np.ndarray,
    bounds: tuple[int, ...],
    target: float,
    ceiling: float,
) -> tuple[Master, dict[str, Measurement]] | None:
    """The last build's master gain, if the episode still meets its targets with it, with each
    format's loudness estimated from the last measurement; None when it must be mastered afresh."""
    if not previous or previous.get("format") != STATE_FORMAT or previous.get("first_format") != first:
        return None
    if previous.get("target_lufs") != target or previous.get("ceiling_dbtp") != ceiling:
        return None
    try:
        gain = float(previous["gain_db"])
        aim_tp = float(previous["aim_true_peak_dbtp"])
        shifts = {
            name: (float(f["codec_shift_lu"]), float(f["codec_overshoot_db"]), float(f["measured"]["loudness_range_lu"]))
            for name, f in previous["formats"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if first not in shifts:
        return None
    master = solve_master(energies, peaks, target, aim_tp, bounds, gain_db=gain)
    pcm_tp = _pcm_true_peak(peaks, master)
    estimates = {
        name: Measurement(round(master.predicted_lufs + shift, 2), round(pcm_tp + overshoot, 2), lra)
        for name, (shift, overshoot, lra) in shifts.items()
    }
    got = estimates[first]
    if not math.isfinite(got.integrated_lufs) or abs(got.integrated_lufs - target) > KEEP_MASTER_LU:
        return None
    if got.true_peak_dbtp > ceiling:
        return None
    return master, estimates


class _Work:
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
        self._tmp: tempfile.TemporaryDirectory | None = None

    def encode(self, mastered: Episode, files: dict[AudioFormat, Path], folder: Path, everything: bool = False) -> None:
        n = len(mastered.layouts)
        finals = [mastered.region_key(i, mastered=True) for i in range(n)]
        audio_key = _hash(["audio", mastered.rate, mastered.channels, finals])
        mp3 = next((f for f in self.formats if f.name == "mp3"), None)
        whole = []
        for fmt in self.formats:
            if fmt is mp3:
                continue
            fmt_key = _hash([audio_key, fmt.codec_args(mastered.channels)])
            old = self.previous_formats.get(fmt.name, {})
            have = self.existing.get(fmt.name)
            if not everything and old.get("audio_key") == fmt_key and have and have.is_file():
                shutil.copyfile(have, files[fmt])  # same audio: only its tags may change
                self.format_state[fmt.name] = dict(old)
            else:
                whole.append(fmt)
                self.format_state[fmt.name] = {"audio_key": fmt_key, "gain_db": 0.0,
                                               **{k: v for k, v in old.items() if k.startswith("codec_") or k == "measured"}}
        units = _pieces(mastered) if mp3 else []
        segment_keys = [self._segment_key(mastered, u) for u in units]
        segments: list[Segment | None] = [_load_segment(self.store, k) for k in segment_keys]
        need = [k for k, seg in enumerate(segments) if seg is None]
        if whole:
            self._encode_whole(mastered, whole, files, folder, units, segments, segment_keys, need)
        elif need:
            with ThreadPoolExecutor(2) as pool:  # each worker renders its piece and waits on its encoder
                jobs = {k: pool.submit(self._segment, mastered, units[k], None, segment_keys[k]) for k in need}
                for k, job in jobs.items():
                    segments[k] = job.result()
        self.encoded = sorted({units[k].chapter for k in need})
        self.encoded_seconds = sum(units[k].b - units[k].a for k in need) / mastered.rate
        self.whole = [f.name for f in whole]
        if mp3:
            samples = sum(layout.length for layout in mastered.layouts)
            data = assemble([seg for seg in segments if seg is not None], samples, mp3.codec_args(mastered.channels),
                            mastered.rate, mastered.channels)
            files[mp3].write_bytes(data)
            old = self.previous_formats.get("mp3", {})
            self.format_state["mp3"] = {"audio_key": _hash(segment_keys),
                                        **{k: v for k, v in old.items() if k.startswith("codec_") or k == "measured"}}

    def _segment_key(self, mastered: Episode, unit: _Piece) -> str:
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

    def _segment(self, mastered: Episode, unit: _Piece, chapter: np.ndarray | None, key: str,
                 before: np.ndarray | None = None) -> Segment:
        """Encode one piece's MP3 frames, with the real audio either side of it for context.

        ``chapter`` is the piece's whole chapter, if already rendered (else the piece is rendered),
        and ``before`` the end of the chapter before it."""
        i, a, b = unit
        n = len(mastered.layouts)
        length = mastered.layouts[i].length
        pre = PREROLL_FRAMES * SAMPLES_PER_FRAME if (i > 0 or a > 0) else 0
        post = POSTROLL_FRAMES * SAMPLES_PER_FRAME if (i < n - 1 or b < length) else 0

        def here(lo: int, hi: int) -> np.ndarray:
            return chapter[lo:hi] if chapter is not None else mastered.render_chapter(i, lo, hi)

        parts = []
        if pre and a > 0:
            parts.append(here(a - pre, a))
        elif pre:
            prev = mastered.layouts[i - 1].length
            parts.append(before[-pre:] if before is not None else mastered.render_chapter(i - 1, prev - pre, prev))
        parts.append(here(a, b))
        if post and b < length:
            parts.append(here(b, min(b + post, length)))
        elif post:
            parts.append(mastered.render_chapter(i + 1, 0, post))
        last = i == n - 1 and b == length
        segment = encode_segment(np.concatenate(parts), mastered.rate, mastered.channels, self._mp3_args(mastered),
                                 pre // SAMPLES_PER_FRAME, None if last else (b - a) // SAMPLES_PER_FRAME)
        _save_segment(self.store, key, segment)
        return segment

    def _encode_whole(self, mastered: Episode, whole: list[AudioFormat], files: dict[AudioFormat, Path], folder: Path,
                      units: list[_Piece], segments: list[Segment | None], segment_keys: list[str],
                      need: list[int]) -> None:
        """Render every chapter once, streaming it to the whole-file encoders (and keeping it as raw PCM
        for corrections) while the MP3 pieces that are missing are encoded beside them."""
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(dir=folder, prefix=".narrate-")
        work = Path(self._tmp.name)
        targets = []
        for fmt in whole:
            if fmt.chapters_from_ffmetadata:
                (work / f"{fmt.name}.ffmetadata").write_text(ffmetadata(mastered.timeline), encoding="utf-8")
            targets.append(_plain_target(fmt, files[fmt], mastered, work))
        self.raw = work / "mix.s16"
        targets.append(Target(self.raw, ("-c:a", "pcm_s16le"), "s16le"))
        jobs: dict[int, Future[Segment]] = {}
        slots = threading.Semaphore(8)  # MP3 pieces waiting for the encoder, each holding its chapter: bounds memory
        by_chapter: dict[int, list[int]] = {}
        for k in need:
            by_chapter.setdefault(units[k].chapter, []).append(k)

        def chapters(pool: ThreadPoolExecutor) -> Iterator[np.ndarray]:
            before = None
            for i in range(len(mastered.layouts)):
                audio = mastered.render_chapter(i)
                for k in by_chapter.get(i, ()):
                    slots.acquire()
                    jobs[k] = pool.submit(self._segment, mastered, units[k], audio, segment_keys[k], before)
                    jobs[k].add_done_callback(lambda _: slots.release())
                before = audio[-PREROLL_FRAMES * SAMPLES_PER_FRAME :]
                yield audio

        with ThreadPoolExecutor(1) as pool:
            encode_chunks(chapters(pool), mastered.rate, mastered.channels, targets)
            for k, job in jobs.items():
                segments[k] = job.result()

    def settle(self, fmt: AudioFormat, path: Path, target: float, ceiling: float, log: Callable[[str], None]) -> Measurement:
        """Measure a format after the first; if its codec moved it off target or over the ceiling, encode it
        once more from the same samples with the gain that fixes it (the ceiling wins). A reused file keeps
        the measurement it had."""
        state = self.format_state.setdefault(fmt.name, {})
        if fmt.name not in self.whole and "measured" in state:
            m = state["measured"]
            return Measurement(m["integrated_lufs"], m["true_peak_dbtp"], m["loudness_range_lu"])
        got = measure_file(str(path))
        if math.isfinite(got.integrated_lufs) and self.raw is not None and (
            abs(target - got.integrated_lufs) > LOUDNESS_TOLERANCE_LU or got.true_peak_dbtp > ceiling
        ):
            gain = min(target - got.integrated_lufs, ceiling - PEAK_MARGIN_DB - got.true_peak_dbtp)
            log(f"  {fmt.name}: {got.integrated_lufs:.1f} LUFS, {got.true_peak_dbtp:.1f} dBTP after encoding: "
                f"encoding again {gain:+.1f} dB")
            ep = self.episode
            reencode(self.raw, ep.rate, ep.channels, _plain_target(fmt, path, ep, self.raw.parent), gain)
            got = measure_file(str(path))
            if got.true_peak_dbtp > ceiling or abs(target - got.integrated_lufs) > LOUDNESS_TOLERANCE_LU:
                log(f"  {fmt.name}: still {got.integrated_lufs:.1f} LUFS, {got.true_peak_dbtp:.1f} dBTP "
                    "after one correction; see the build record")
            state["gain_db"] = round(gain, 3)
        state["measured"] = got.as_dict()
        return got

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


class _Piece(NamedTuple):
    """A stretch of one chapter that is encoded to MP3 on its own: samples a..b of chapter index ``chapter``."""

    chapter: int
    a: int
    b: int


PIECE_FRAMES = 768  # about 20 s: an edit re-encodes its own piece onwards, the pieces two at a time


def _pieces(episode: Episode) -> list[_Piece]:
    """Every chapter cut into pieces of PIECE_FRAMES MP3 frames (the last one of a chapter may be longer)."""
    out = []
    for i, layout in enumerate(episode.layouts):
        frames = layout.length // SAMPLES_PER_FRAME
        cuts = list(range(0, frames, PIECE_FRAMES))
        if len(cuts) > 1 and frames - cuts[-1] < PIECE_FRAMES // 4:
            cuts.pop()  # no sliver at the end
        bounds = [c * SAMPLES_PER_FRAME for c in cuts] + [layout.length]
        out += [_Piece(i, lo, hi) for lo, hi in zip(bounds, bounds[1:])]
    return out


def _plain_target(fmt: AudioFormat, path: Path, episode: Episode, work: Path) -> Target:
    """The ffmpeg output for a whole-file format; its chapters come from ``work/<format>.ffmetadata``."""
    inputs: tuple[str, ...] = ()
    maps: tuple[str, ...] = ()
    if fmt.chapters_from_ffmetadata:
        inputs = (str(work / f"{fmt.name}.ffmetadata"),)
        maps = ("-map", "0:a", "-map_metadata", "1", "-map_chapters", "1")
    return Target(path, tuple(fmt.codec_args(episode.channels)), fmt.muxer, inputs, maps)


def _hash(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


_SEGMENT_MAGIC = b"NSEG1"


def _save_segment(store: Store, key: str, segment: Segment) -> None:
    header = _SEGMENT_MAGIC + segment.frames.to_bytes(4, "big") + segment.crc.to_bytes(2, "big")
    store.put("mp3", key, header + segment.data)


def _load_segment(store: Store, key: str) -> Segment | None:
    data = store.get("mp3", key)
    if data is None or not data.startswith(_SEGMENT_MAGIC) or len(data) < 11:
        return None
    return Segment(data[11:], int.from_bytes(data[5:9], "big"), int.from_bytes(data[9:11], "big"))


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
