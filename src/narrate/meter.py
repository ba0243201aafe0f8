"""The check after encoding: a finished file's loudness, true peak and loudness range, from the decoded
audio: a whole file, a long file in stretches at once, or a stream measured as its pieces are made
(``StreamMeter``).

Loudness is ffmpeg's BS.1770 meter (``ebur128``). The true peak is BS.1770 Annex 2's 4x oversampling
(narrate.loudness's interpolator) over the same decoded audio, worked out only where it can be the highest
(``_TruePeak``): ffmpeg's own true peak oversamples every sample, and cost as much as encoding the MP3."""

from __future__ import annotations

import math
import os
import re
import struct
import subprocess
import threading
from array import array
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from narrate.audio import ffmpeg_exe
from narrate.errors import ExportError
from narrate.loudness import ABSOLUTE_GATE, PEAK_CONTEXT, RELATIVE_GATE, interpolator_gain, stretch_true_peak


@dataclass(frozen=True)
class Measurement:
    """Loudness of a finished file: integrated loudness (LUFS), true peak (dBTP), loudness range (LU)."""

    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float

    def as_dict(self) -> dict[str, float]:
        return {
            "integrated_lufs": round(self.integrated_lufs, 2),
            "true_peak_dbtp": round(self.true_peak_dbtp, 2),
            "loudness_range_lu": round(self.loudness_range_lu, 2),
        }


_SUMMARY = {
    "integrated_lufs": re.compile(r"Integrated loudness:\s*I:\s*(-?[\d.]+|-inf) LUFS", re.S),
    "loudness_range_lu": re.compile(r"Loudness range:\s*LRA:\s*(-?[\d.]+) LU", re.S),
    "true_peak_dbtp": re.compile(r"True peak:\s*Peak:\s*(-?[\d.]+|-inf) dBFS", re.S),
}


SPLIT_SECONDS = 600  # a file at least this long is measured in two halves at once
OVERLAP_SECONDS = 3.5  # each later part starts this early, so its 3 s windows are whole where its values count
PEAK_FRAME = 256  # samples the true-peak search weighs at a time
READ_BYTES = 2**19  # decoded audio read at a time


def measure_file(path: str, seconds: float | None = None, parts: int = 2) -> Measurement:
    """Decode a finished file and measure it: loudness by ffmpeg's BS.1770 meter, true peak 4x oversampled.

    A file ``seconds`` long (at least SPLIT_SECONDS) is measured in ``parts`` stretches side by side, one
    ffmpeg each, from the meter's own 400 ms and 3 s loudness every 100 ms: the integrated loudness and
    loudness range are worked out from those by BS.1770's and EBU Tech 3342's gating, the true peak is the
    largest of the stretches'. On two cores that halves the one pass a whole hour's measurement costs."""
    if seconds is None or seconds < SPLIT_SECONDS or parts < 2:
        return _combined([_meter_values(path, 0.0, None, 0.0)])
    from concurrent.futures import ThreadPoolExecutor

    step = seconds / parts
    spans = [(max(0.0, k * step - (OVERLAP_SECONDS if k else 0.0)), None if k == parts - 1 else
              step + (OVERLAP_SECONDS if k else 0.0), OVERLAP_SECONDS if k else 0.0) for k in range(parts)]
    with ThreadPoolExecutor(parts) as pool:
        return _combined(list(pool.map(lambda span: _meter_values(path, *span), spans)))


# the meter's values every 100 ms on stdout; the decoded audio goes on, as float WAV, for the true peak
METER = "ebur128=peak=none:metadata=1,ametadata=mode=print:file=-"


class _Readings:
    """The meter's momentary (400 ms) and short-term (3 s) loudness every 100 ms, and the highest true peak
    (linear), read from its printed values, leaving out those before ``skip`` seconds."""

    def __init__(self, skip: float = 0.0) -> None:
        self.skip, self.at = skip, 0.0
        self.momentary = array("d")  # not lists: seven hours of readings are 4 MB so, 17 MB as Python floats
        self.short = array("d")
        self.peak = 0.0

    def read(self, line: str) -> None:
        if line.startswith("frame:"):
            self.at = float(line.rsplit("pts_time:", 1)[1])
        elif self.at < self.skip - 1e-6:
            return
        elif line.startswith("lavfi.r128.M="):
            self.momentary.append(float(line.split("=", 1)[1]))
        elif line.startswith("lavfi.r128.S="):
            self.short.append(float(line.split("=", 1)[1]))


class _TruePeak:
    """The highest true peak of a stream of samples fed a stretch at a time, by narrate.loudness's BS.1770
    Annex 2 interpolator, worked out only where it can be the highest: no interpolated value exceeds the
    samples around it by more than ``interpolator_gain`` (5.3 dB), so a frame of PEAK_FRAME samples whose
    samples, and its neighbours', peak under ``best / gain`` is passed over. In speech mastered under a
    ceiling most frames are; the answer is the same as oversampling everything."""

    def __init__(self, channels: int) -> None:
        self.best = 0.0
        self.gain = interpolator_gain()
        self._held = np.zeros((0, channels), np.float32)  # samples not yet weighed, after the context before them
        self._lead = 0  # how many of them are that context

    def feed(self, x: np.ndarray) -> None:
        buf = np.concatenate([self._held, x]) if len(self._held) else x
        frames = (len(buf) - self._lead - PEAK_CONTEXT) // PEAK_FRAME  # frames with their context after them
        if frames <= 0:
            self._held = buf
            return
        self._weigh(buf, self._lead, frames)
        done = self._lead + frames * PEAK_FRAME
        self._held, self._lead = buf[done - PEAK_CONTEXT :].copy(), PEAK_CONTEXT

    def finish(self) -> float:
        """The highest true peak of everything fed (linear)."""
        rest = len(self._held) - self._lead
        if rest > 0 and np.abs(self._held[self._lead :]).max() * self.gain > self.best:
            self.best = max(self.best, stretch_true_peak(self._held, self._lead, rest))
        return self.best

    def _weigh(self, buf: np.ndarray, first: int, frames: int) -> None:
        peaks = np.abs(buf[first : first + frames * PEAK_FRAME]).reshape(frames, -1).max(axis=1)
        before = float(np.abs(buf[:first]).max(initial=0.0))
        after = float(np.abs(buf[first + frames * PEAK_FRAME :]).max(initial=0.0))
        reach = np.maximum(peaks, np.maximum(np.r_[before, peaks[:-1]], np.r_[peaks[1:], after]))
        hot = np.flatnonzero(reach * self.gain > self.best)
        if not hot.size:
            return
        runs = np.split(hot, np.flatnonzero(np.diff(hot) > 1) + 1)  # neighbouring frames, oversampled at once
        for run in sorted(runs, key=lambda r: -float(reach[r].max())):
            if float(reach[run].max()) * self.gain <= self.best:
                break
            a, b = first + int(run[0]) * PEAK_FRAME, first + (int(run[-1]) + 1) * PEAK_FRAME
            lo, hi = max(0, a - PEAK_CONTEXT), min(len(buf), b + PEAK_CONTEXT)
            self.best = max(self.best, stretch_true_peak(buf[lo:hi], a - lo, b - a))


class _MeterRun:
    """One ffmpeg decoding ``source`` (its input options and -i) through the meter: its readings from stdout,
    and the decoded audio, as float WAV on a pipe of its own, weighed for the true peak as it comes."""

    def __init__(self, source: list[str], skip: float = 0.0, stdin: int | None = subprocess.DEVNULL) -> None:
        audio_out, audio_in = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", *source, "-map", "0:a:0",
                 "-af", METER, "-c:a", "pcm_f32le", "-fflags", "+bitexact", "-f", "wav", f"pipe:{audio_in}"],
                stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(audio_in,))
        except BaseException:
            os.close(audio_out)
            raise
        finally:
            os.close(audio_in)
        self.readings = _Readings(skip)
        self.errors: list[bytes] = []
        self.failure: BaseException | None = None
        self._audio = os.fdopen(audio_out, "rb")
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=lambda: self.errors.extend(self.proc.stderr), daemon=True),
                         threading.Thread(target=self._weigh, daemon=True)]
        for t in self._threads:
            t.start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.readings.read(line.decode("ascii", "replace"))

    def _weigh(self) -> None:
        try:
            channels = _wav_channels(self._audio)
            if channels is None:
                return
            peak, frame = _TruePeak(channels), 4 * channels
            while data := self._audio.read(READ_BYTES // frame * frame):
                usable = len(data) // frame * frame  # a pipe read ends on a whole sample
                peak.feed(np.frombuffer(data[:usable], dtype="<f4").reshape(-1, channels))
            self.readings.peak = peak.finish()
        except Exception as exc:  # noqa: BLE001  # finish() reports it
            self.failure = exc
        finally:
            self._audio.close()

    def finish(self, what: str) -> _Readings:
        """Wait for the meter; its readings (``what`` names the audio in an error)."""
        code = self.proc.wait()
        for t in self._threads:
            t.join()
        if code != 0 or self.failure is not None or not self.readings.momentary:
            lines = b"".join(self.errors).decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1] if lines else str(self.failure) if self.failure else "no output"
            raise ExportError(f"could not measure the loudness of {what}: {detail}")
        return self.readings

    def close(self) -> None:
        """Stop without a result."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for t in self._threads:
            t.join()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _wav_channels(stream: BinaryIO) -> int | None:
    """The channel count in the header of a WAV stream, read up to its samples; None if it ends first."""
    if len(head := stream.read(12)) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    channels = None
    while len(chunk := stream.read(8)) == 8:
        name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if name == b"data":
            return channels
        body = stream.read(size + (size & 1))
        if name == b"fmt ":
            channels = struct.unpack("<H", body[2:4])[0]
    return None


def _combined(parts: list[_Readings]) -> Measurement:
    """One measurement from the readings of consecutive stretches: BS.1770's gating over all their 400 ms
    blocks, EBU Tech 3342's over their 3 s windows, and the highest true peak."""
    momentary = np.concatenate([np.frombuffer(p.momentary, dtype=np.float64) for p in parts])
    short = np.concatenate([np.frombuffer(p.short, dtype=np.float64) for p in parts])
    peak = max(p.peak for p in parts)
    return Measurement(_gated_integrated(momentary), 20 * math.log10(peak) if peak > 0 else -math.inf,
                       _loudness_range(short))


def _meter_values(path: str, start: float, length: float | None, skip: float) -> _Readings:
    """The meter's readings over one stretch of a file, leaving out its first ``skip`` seconds."""
    source = ["-ss", f"{start:.3f}"] + (["-t", f"{length:.3f}"] if length is not None else []) + ["-i", path]
    return _MeterRun(source, skip).finish(path)


class StreamMeter:
    """The meter over a stream written to it a piece at a time, as the pieces are made: what it reads when
    the stream ends is the measurement, with no pass of its own."""

    def __init__(self, input_format: str) -> None:
        self.run = _MeterRun(["-f", input_format, "-i", "pipe:0"], stdin=subprocess.PIPE)
        self.proc = self.run.proc

    def write(self, data: bytes) -> None:
        try:
            self.proc.stdin.write(data)  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            pass  # the meter stopped: result() says why

    def result(self, what: str) -> Measurement:
        """Close the stream and return what the meter read of it (``what`` names it in an error)."""
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            pass
        return _combined([self.run.finish(what)])

    def close(self) -> None:
        """Stop the meter without a result."""
        self.run.close()


def _gated_integrated(blocks_lufs: np.ndarray) -> float:
    """BS.1770-4 integrated loudness from the loudness of its 400 ms blocks (75 % overlap)."""
    z = 10 ** ((blocks_lufs[blocks_lufs >= ABSOLUTE_GATE] + 0.691) / 10)
    if z.size == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(z.mean()) + RELATIVE_GATE
    z = z[-0.691 + 10 * np.log10(z) > relative]
    return -0.691 + 10 * math.log10(z.mean()) if z.size else -math.inf


def _loudness_range(short_lufs: np.ndarray) -> float:
    """EBU Tech 3342 loudness range from short-term (3 s) loudness: gated at -70 LUFS and 20 LU below their
    mean, the spread between the 10th and 95th percentiles."""
    s = short_lufs[short_lufs >= ABSOLUTE_GATE]
    if s.size == 0:
        return 0.0
    relative = 10 * math.log10(np.mean(10 ** (s / 10))) - 20
    s = s[s >= relative]
    return float(np.percentile(s, 95) - np.percentile(s, 10)) if s.size else 0.0


def ffmpeg_summary(path: str) -> Measurement:
    """ffmpeg's own BS.1770 summary of a file (true peak by its own 4x oversampling): a meter that shares
    nothing with narrate's, for checking it."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", path, "-map", "0:a:0",
           "-af", "ebur128=peak=true", "-f", "null", "-"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    summary = out.stderr[out.stderr.rfind("Summary:"):] if "Summary:" in out.stderr else ""
    values = {}
    for key, pattern in _SUMMARY.items():
        m = pattern.search(summary)
        if out.returncode != 0 or not m:
            lines = out.stderr.strip().splitlines()
            raise ExportError(f"could not measure the loudness of {path}: {lines[-1] if lines else 'no output'}")
        values[key] = float(m.group(1))
    return Measurement(**values)
