"""The check after encoding: a finished file's loudness, true peak and loudness range, read by ffmpeg's
BS.1770 meter (``ebur128``, true peak 4x oversampled) from the decoded audio: a whole file, a long file in
stretches at once, or a stream measured as its pieces are made (``StreamMeter``)."""

from __future__ import annotations

import math
from array import array
import re
import subprocess
import threading
from dataclasses import dataclass

import numpy as np

from narrate.audio import ffmpeg_exe
from narrate.errors import ExportError
from narrate.loudness import ABSOLUTE_GATE, RELATIVE_GATE


@dataclass(frozen=True)
class Measurement:
    """Loudness of a finished file, as ffmpeg's ebur128 meter reads it."""

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


def measure_file(path: str, seconds: float | None = None, parts: int = 2) -> Measurement:
    """Decode a finished file and measure it with ffmpeg's BS.1770 meter (true peak 4x oversampled).

    A file ``seconds`` long (at least SPLIT_SECONDS) is measured in ``parts`` stretches side by side, one
    ffmpeg each, from the meter's own 400 ms and 3 s loudness every 100 ms: the integrated loudness and
    loudness range are worked out from those by BS.1770's and EBU Tech 3342's gating, the true peak is the
    largest of the stretches'. On two cores that halves the one pass a whole hour's measurement costs."""
    if seconds is None or seconds < SPLIT_SECONDS or parts < 2:
        return _measure_whole(path)
    from concurrent.futures import ThreadPoolExecutor

    step = seconds / parts
    spans = [(max(0.0, k * step - (OVERLAP_SECONDS if k else 0.0)), None if k == parts - 1 else
              step + (OVERLAP_SECONDS if k else 0.0), OVERLAP_SECONDS if k else 0.0) for k in range(parts)]
    with ThreadPoolExecutor(parts) as pool:
        return _combined(list(pool.map(lambda span: _meter_values(path, *span), spans)))


METER = "ebur128=peak=true:metadata=1,ametadata=mode=print:file=-"  # its values every 100 ms, on stdout


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
        elif line.startswith("lavfi.r128.true_peak="):
            self.peak = max(self.peak, float(line.split("=", 1)[1]))


def _combined(parts: list[_Readings]) -> Measurement:
    """One measurement from the readings of consecutive stretches: BS.1770's gating over all their 400 ms
    blocks, EBU Tech 3342's over their 3 s windows, and the highest true peak."""
    momentary = np.concatenate([np.frombuffer(p.momentary, dtype=np.float64) for p in parts])
    short = np.concatenate([np.frombuffer(p.short, dtype=np.float64) for p in parts])
    peak = max(p.peak for p in parts)
    return Measurement(_gated_integrated(momentary), 20 * math.log10(peak) if peak > 0 else -math.inf,
                       _loudness_range(short))


def _meter_values(path: str, start: float, length: float | None, skip: float) -> _Readings:
    """ffmpeg's readings over one stretch of a file, leaving out its first ``skip`` seconds."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-ss", f"{start:.3f}"]
    if length is not None:
        cmd += ["-t", f"{length:.3f}"]
    cmd += ["-i", path, "-map", "0:a:0", "-af", METER, "-f", "null", "-"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        lines = out.stderr.strip().splitlines()
        raise ExportError(f"could not measure the loudness of {path}: {lines[-1] if lines else 'no output'}")
    readings = _Readings(skip)
    for line in out.stdout.splitlines():
        readings.read(line)
    return readings


class StreamMeter:
    """ffmpeg's BS.1770 meter (true peak 4x oversampled) over a stream written to it a piece at a time, as
    the pieces are made: what it reads when the stream ends is the measurement, with no pass of its own."""

    def __init__(self, input_format: str) -> None:
        self.proc = subprocess.Popen(
            [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", "-f", input_format, "-i", "pipe:0",
             "-map", "0:a:0", "-af", METER, "-f", "null", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=False)
        self.readings = _Readings()
        self.errors: list[bytes] = []
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=lambda: self.errors.extend(self.proc.stderr), daemon=True)]
        for t in self._threads:
            t.start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.readings.read(line.decode("ascii", "replace"))

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
        code = self.proc.wait()
        for t in self._threads:
            t.join()
        if code != 0 or not self.readings.momentary:
            lines = b"".join(self.errors).decode("utf-8", "replace").strip().splitlines()
            raise ExportError(f"could not measure the loudness of {what}: {lines[-1] if lines else 'no output'}")
        return _combined([self.readings])

    def close(self) -> None:
        """Stop the meter without a result."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


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


def _measure_whole(path: str) -> Measurement:
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
