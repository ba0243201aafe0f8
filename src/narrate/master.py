"""The mastering stage: decide the gain and limiter that bring the mix to its loudness target, have
every format encoded at it (narrate.encoding does the work), and check what the codecs did.

A full master measures the mix chapter by chapter, solves the gain and
limiter for the target, encodes, and measures the finished file (correcting
once if the codec moved it). A rebuild keeps the last build's master gain
while the episode still meets the target with it, so every piece of a
chapter (about 20 s) whose audio did not change keeps its encoded MP3 frames
(narrate.export.gapless); only the changed pieces are rendered and encoded
again. Its loudness is then worked out from the last measurement and the mix, not measured again (that
would mean decoding the whole hour); ``narrate build --fresh`` measures anew.

M4B and Opus are not spliced that way (the Opus decoder predicts each frame
from the one before; AAC would need pieces on its own 1024-sample grid), so
they are encoded whole when their audio changed, and otherwise only re-tagged.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from narrate.cache import Store
from narrate.encoding import Encoder, PieceMeter, codec_shifts, plain_target
from narrate.episode import Episode
from narrate.export.encode import reencode
from narrate.export.formats import AudioFormat
from narrate.loudness import Master, default_target, solve_master
from narrate.meter import Measurement, measure_file
from narrate.plan import Plan

# The limiter aims this far under the true-peak ceiling: encoding adds
# overshoot, and the check after encoding is what counts.
ENCODE_MARGIN_DB = 1.0
LOUDNESS_TOLERANCE_LU = 0.5
PEAK_MARGIN_DB = 0.3  # a re-encode to fix a true-peak overshoot aims this far under the ceiling
FORMAT_GAIN_UP = 0.5  # dB: the most a format's own gain may raise it over the mastered samples
KEEP_MASTER_LU = 0.3  # a rebuild keeps the last master gain while the episode stays this close to target
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

    def record(self) -> dict[str, Any]:
        """How the build record keeps it."""
        return {
            "target_lufs": self.target_lufs,
            "true_peak_ceiling_dbtp": self.ceiling_dbtp,
            "master_gain_db": round(self.gain_db, 2),
            "limited_frames": self.limited_frames,
            "encodes": self.passes,
            "estimated": self.estimated,
            "measured": self.measured.as_dict(),
            "measured_by_format": {name: m.as_dict() for name, m in self.by_format.items()},
            "meter": "the decoded file: loudness by ffmpeg's ebur128 (ITU-R BS.1770-4), true peak 4x oversampled "
                     "(BS.1770-4 Annex 2)"
            + ("; this build's MP3 figures are estimated from that measurement and the changed chapters' mix"
               if self.estimated else ""),
        }

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
    encoded: tuple[int, ...]  # chapters whose MP3 frames were encoded anew
    whole: tuple[str, ...]  # formats encoded whole
    kept_master: bool  # the last build's master gain was kept
    encoded_seconds: float = 0.0  # how much of the MP3 was encoded anew
    seconds: tuple[tuple[str, float], ...] = ()  # wall time of each step: analyse, probe codecs, encode, measure
    episode: Episode | None = None  # the mix at its master gain and limiter, for what is rendered from it later


@dataclass(frozen=True)
class Pins:
    """The speech reference and master gain a long episode is mastered at, from its first ``chapters``."""

    chapters: int
    reference: float
    gain_db: float
    aim_true_peak_dbtp: float
    shifts: dict[str, float]  # what each format's codec does to loudness (LU), as codec_shifts measured it


@dataclass(frozen=True)
class MasterJob:
    """What mastering works with besides the mix: the cache, the last build's state, and where to report."""

    store: Store
    previous: dict | None = None  # the last build's mastering state (BuildRecord.mastering); None: master afresh
    log: Callable[[str], None] = lambda _: None
    pins: Pins | None = None  # a long episode's reference and gain, from its first chapters (narrate.stream)
    meter: PieceMeter | None = None  # the MP3 measured as its pieces are made (narrate.encoding)


def master_and_encode(plan: Plan, episode: Episode, files: dict[AudioFormat, Path], existing: dict[str, Path],
                      folder: Path, job: MasterJob) -> Mastered:
    """Write every format's audio (untagged) to ``files``; ``existing`` are the files the last build wrote
    (by format name), and ``folder`` is where temporary work goes."""
    clock = _Stopwatch()
    with clock("analyse"):
        energies, peaks = analyse(episode, job.store)
    work = Encoder(episode, list(files), job.store, existing, job.previous)
    run = _Mastering(plan, episode, files, folder, job, work, clock, energies, peaks)
    try:
        kept = _keep_master(job.previous, run.first.name, energies, peaks, run.bounds, run.target, run.ceiling)
        done = run.reuse(*kept) if kept else run.afresh()
        # how far each encoder moved loudness and true peak from the mastered mix, for the next build's estimates
        pcm_tp = _pcm_true_peak(peaks, done.master)
        for name in done.measured_now:
            m = done.by_format[name]
            work.format_state.setdefault(name, {}).update(
                codec_shift_lu=round(m.integrated_lufs - done.master.predicted_lufs, 3),
                codec_overshoot_db=round(m.true_peak_dbtp - pcm_tp, 3), measured=m.as_dict())
    finally:
        work.close()
    master, first = done.master, run.first.name
    loudness = Loudness(run.target, run.ceiling, master.gain_db, master.limited_frames, done.by_format[first],
                        done.attempt, done.by_format, estimated=kept is not None and first == "mp3")
    state = done.state | {"format": STATE_FORMAT, "gain_db": master.gain_db, "first_format": first,
                          "reference_lufs": episode.reference, "formats": work.format_state}
    numbers = [c.number for c in episode.plan.chapters]
    return Mastered(loudness, state, tuple(numbers[i] for i in work.encoded),
                    tuple(work.whole), kept is not None, work.encoded_seconds, tuple(clock.seconds.items()),
                    episode.with_master(master))


@dataclass
class _Done:
    """What mastering came to: the master, each format's measurement, on which attempt, and the state to keep."""

    master: Master
    by_format: dict[str, Measurement]
    attempt: int
    state: dict[str, Any]
    measured_now: set[str]


class _Mastering:
    """One episode's mastering: its mix, formats, cache and clock, and the two ways to master it."""

    def __init__(self, plan: Plan, episode: Episode, files: dict[AudioFormat, Path], folder: Path, job: MasterJob,
                 work: Encoder, clock: _Stopwatch, energies: np.ndarray, peaks: np.ndarray) -> None:
        self.plan, self.episode, self.files, self.folder, self.job = plan, episode, files, folder, job
        self.work, self.clock, self.energies, self.peaks = work, clock, energies, peaks
        self.formats, self.first, self.bounds = list(files), list(files)[0], episode.frame_offsets
        self.target, self.ceiling = loudness_target(plan), plan.meta.mix.true_peak

    def reuse(self, master: Master, estimates: dict[str, Measurement]) -> _Done:
        """The last build's master, still right: only what changed is encoded, and measured only where a format
        was encoded whole."""
        work, previous = self.work, self.job.previous
        with self.clock("encode"):
            work.encode(self.episode.with_master(master), self.files, self.folder)
        by_format = {f.name: estimates[f.name] if f.name in estimates and f.name not in work.whole
                     else self._settle_format(f)
                     for f in self.formats}
        state = {k: previous[k] for k in ("target_lufs", "ceiling_dbtp", "aim_true_peak_dbtp")}  # type: ignore[index]
        return _Done(master, by_format, 1, state, set(work.whole))

    def afresh(self) -> _Done:
        """A master solved for the loudness target and the true-peak ceiling; one limiter serves every format, so
        it leaves room for the codec that overshoots most. Each other codec lands on the target too: its own
        gain over the mastered samples, never up by more than FORMAT_GAIN_UP (that would eat its margin)."""
        first, formats = self.first, self.formats
        pins, pinned_master = _pinned(self.job.pins, self.episode, self.energies, self.peaks, self.bounds,
                                      self.target, first.name)
        if pins:
            shifts = pins.shifts  # measured on the first chapters when the gain was pinned
        else:
            probe = self.episode.with_master(first_master(self.plan, self.energies, self.peaks, self.bounds))
            with self.clock("probe codecs"):
                shifts = codec_shifts(probe, formats, self.folder)
        gains = {f.name: round(min(shifts[first.name] - shifts[f.name], FORMAT_GAIN_UP), 2) for f in formats[1:]}
        master, measured, attempt, aim_tp = self._on_target(self.target - shifts[first.name],
                                                            self.ceiling - max(f.peak_margin_db for f in formats),
                                                            pinned_master, gains)
        by_format = {first.name: measured}
        others = [f for f in formats if f is not first]
        with self.clock("measure"), ThreadPoolExecutor(2) as pool:  # ffmpeg does the work; two cores
            by_format |= dict(zip((f.name for f in others), pool.map(self._settle_format, others)))
        state = {"target_lufs": self.target, "ceiling_dbtp": self.ceiling, "aim_true_peak_dbtp": aim_tp}
        return _Done(master, by_format, attempt, state, set(by_format))

    def _settle_format(self, fmt: AudioFormat) -> Measurement:
        return _settle(self.work, fmt, self.files[fmt], self.target, self.ceiling, self.job.log)

    def _on_target(self, aim_lufs: float, aim_tp: float, pinned: Master | None,
                   gains: dict[str, float]) -> tuple[Master, Measurement, int, float]:
        """Encode at a solved master, measure the first format, and correct once if it missed."""
        first = self.first
        for attempt in (1, 2):
            # the pinned gain, the first time: the pieces encoded while the book was spoken are at it
            master = pinned if pinned and attempt == 1 else solve_master(self.energies, self.peaks, aim_lufs,
                                                                          aim_tp, self.bounds)
            with self.clock("encode"):
                self.work.encode(self.episode.with_master(master), self.files, self.folder, everything=True,
                                 gains=gains, meter=self.job.meter)
            with self.clock("measure"):
                measured = _measure_first(self.work, first, self.files[first], self.job.meter)
            loud_error = self.target - measured.integrated_lufs
            peak_error = measured.true_peak_dbtp - self.ceiling
            if attempt == 2 or not math.isfinite(measured.integrated_lufs) or (
                    abs(loud_error) <= LOUDNESS_TOLERANCE_LU and peak_error <= 0):
                break
            self.job.log(f"  {measured.integrated_lufs:.1f} LUFS, {measured.true_peak_dbtp:.1f} dBTP after "
                         "encoding: correcting")
            aim_lufs += loud_error
            if peak_error > 0:
                aim_tp -= peak_error + 0.2
        return master, measured, attempt, aim_tp


class _Stopwatch:
    """Wall time by step name, summed over each time the step runs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - start


def loudness_target(plan: Plan) -> float:
    """The integrated loudness the episode is mastered to: the script's 'loudness', else the podcast norm."""
    mix = plan.meta.mix
    return mix.loudness if mix.loudness is not None else default_target(mix.channels)


def analyse(episode: Episode, store: Store) -> tuple[np.ndarray, np.ndarray]:
    """Every chapter's per-frame energies and true peaks, end to end: from the cache, or rendered and
    measured (two chapters at a time: numpy and scipy release the GIL)."""
    out = [cached_analysis(episode, store, i) for i in range(len(episode.layouts))]
    missing = [i for i, got in enumerate(out) if got is None]
    if missing:
        with ThreadPoolExecutor(2) as pool:
            for i, got in zip(missing, pool.map(lambda i: chapter_analysis(episode, store, i), missing)):
                out[i] = got
    done = [x for x in out if x is not None]
    return np.concatenate([e for e, _ in done]), np.concatenate([p for _, p in done])


def cached_analysis(episode: Episode, store: Store, index: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A chapter's energies and true peaks, if the cache has them (under the chapter's region key)."""
    got = store.get_arrays("mix", episode.region_key(index))
    return (got["energies"], got["peaks"]) if got is not None else None


def chapter_analysis(episode: Episode, store: Store, index: int,
                     stop: threading.Event | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A chapter's energies and true peaks: from the cache, or rendered, measured and cached."""
    got = cached_analysis(episode, store, index)
    if got is None:
        got = episode.analyse_chapter(index, stop)
        store.put_arrays("mix", episode.region_key(index), energies=got[0], peaks=got[1])
    return got


def first_master(plan: Plan, energies: np.ndarray, peaks: np.ndarray, bounds: tuple[int, ...],
                 aim_lufs: float | None = None) -> Master:
    """The master gain and limiter that bring a mix to the episode's target, with the true peak aimed
    ENCODE_MARGIN_DB under the ceiling (encoding adds overshoot); ``aim_lufs`` corrects for the codec."""
    target = loudness_target(plan) if aim_lufs is None else aim_lufs
    return solve_master(energies, peaks, target, plan.meta.mix.true_peak - ENCODE_MARGIN_DB, bounds)


def _measure_first(work: Encoder, fmt: AudioFormat, path: Path, meter: PieceMeter | None) -> Measurement:
    """The first format's loudness after encoding: an MP3 from what the meter read of its pieces as they were
    made (no pass over the file), anything else by measuring the file."""
    if meter is not None and fmt.name == "mp3" and work.segment_keys:
        got = meter.result(work.segment_keys, str(path))
        if got is not None:
            return got
    return measure_file(str(path), work.episode.timeline.duration_ms / 1000)


def _pcm_true_peak(peaks: np.ndarray, master: Master) -> float:
    top = float(np.max(peaks * master.limiter)) * 10 ** (master.gain_db / 20) if len(peaks) else 0.0
    return 20 * math.log10(top) if top > 0 else -math.inf


def _pinned(pins: Pins | None, episode: Episode, energies: np.ndarray, peaks: np.ndarray, bounds: tuple[int, ...],
            target: float, first: str) -> tuple[Pins | None, Master | None]:
    """The pins and the whole episode's master at their gain, if the episode was mixed at their reference and
    that gain brings it within KEEP_MASTER_LU of the target (the test a rebuild's kept gain must pass)."""
    if pins is None or pins.reference != episode.reference or first not in pins.shifts:
        return None, None
    aim = target - pins.shifts[first]
    master = solve_master(energies, peaks, aim, pins.aim_true_peak_dbtp, bounds, gain_db=pins.gain_db)
    return (pins, master) if abs(master.predicted_lufs - aim) <= KEEP_MASTER_LU else (None, None)


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
            name: (
                float(f["codec_shift_lu"]),
                float(f["codec_overshoot_db"]),
                float(f["measured"]["loudness_range_lu"]),
            )
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


def _settle(
    work: Encoder, fmt: AudioFormat, path: Path, target: float, ceiling: float, log: Callable[[str], None]
) -> Measurement:
    """Measure a format after the first; if its codec moved it off target or over the ceiling, encode it
    once more from the same samples with the gain that fixes it (the ceiling wins). A reused file keeps
    the measurement it had."""
    state = work.format_state.setdefault(fmt.name, {})
    if fmt.name not in work.whole and "measured" in state:
        m = state["measured"]
        return Measurement(m["integrated_lufs"], m["true_peak_dbtp"], m["loudness_range_lu"])
    seconds = work.episode.timeline.duration_ms / 1000
    got = measure_file(str(path), seconds)
    if math.isfinite(got.integrated_lufs) and work.raw is not None and (
        abs(target - got.integrated_lufs) > LOUDNESS_TOLERANCE_LU or got.true_peak_dbtp > ceiling
    ):
        change = min(target - got.integrated_lufs, ceiling - PEAK_MARGIN_DB - got.true_peak_dbtp)
        log(f"  {fmt.name}: {got.integrated_lufs:.1f} LUFS, {got.true_peak_dbtp:.1f} dBTP after encoding: "
            f"encoding again {change:+.1f} dB")
        ep = work.episode
        gain = state.get("gain_db", 0.0) + change  # over the mastered samples, as the file was encoded from
        reencode(work.raw, ep.rate, ep.channels, plain_target(fmt, path, ep, work.raw.parent), gain)
        got = measure_file(str(path), seconds)
        if got.true_peak_dbtp > ceiling or abs(target - got.integrated_lufs) > LOUDNESS_TOLERANCE_LU:
            log(f"  {fmt.name}: still {got.integrated_lufs:.1f} LUFS, {got.true_peak_dbtp:.1f} dBTP "
                "after one correction; see the build record")
        state["gain_db"] = round(gain, 3)
    state["measured"] = got.as_dict()
    return got
