"""Loudness: BS.1770 measurement in 10 ms frames, and a true-peak limiter (the check after encoding is
narrate.meter's).

pyloudnorm's meter needs the whole signal in memory (6.3 GB for an hour of
44.1 kHz stereo), so narrate uses pyloudnorm's own K-weighting filters and
gating rule on per-frame energies instead. BS.1770's gating blocks (400 ms,
every 100 ms) are sums of 10 ms frames, so chapters are analysed one at a time
and combined, and the effect of any per-frame gain on the integrated loudness
can be predicted exactly enough to solve for the master gain before rendering.

True peak is measured with 4x oversampling (a 48-tap polyphase interpolator,
as in BS.1770 Annex 2). The limiter works on the same 10 ms grid: a frame's
gain never exceeds what keeps its true peak under the ceiling, and the gain
curve is smoothed so that it moves over tens of milliseconds, not per sample.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from narrate.audio import Clip

BLOCK_FRAMES = 40  # 400 ms gating blocks...
HOP_FRAMES = 10  # ...every 100 ms (75 % overlap)
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
OVERSAMPLE = 4
LIMITER_FRAMES = 4  # the gain moves over +-40 ms around a peak
MONO_OFFSET = -3.0  # podcast norms: -16 LUFS stereo, -19 LUFS mono


def frame_size(rate: int) -> int:
    """Samples per 10 ms frame."""
    return rate // 100


def linear(db: float) -> float:
    """A level in dB as a linear gain."""
    return 10 ** (db / 20)


def default_target(channels: int) -> float:
    """The podcast loudness norm: -16 LUFS for stereo, -19 LUFS for mono."""
    return -16.0 if channels > 1 else -16.0 + MONO_OFFSET


@functools.cache
def _k_weighting(rate: int) -> tuple[np.ndarray, float]:
    """pyloudnorm's K-weighting (high shelf + high pass) as second-order sections."""
    import pyloudnorm

    filters = list(pyloudnorm.Meter(rate)._filters.values())
    sos = np.vstack([np.concatenate([np.asarray(f.b, float), np.asarray(f.a, float)]) for f in filters])
    gain = float(np.prod([f.passband_gain for f in filters]))
    return sos, gain


@functools.cache
def _interpolator() -> np.ndarray:
    from scipy.signal import firwin

    return (firwin(12 * OVERSAMPLE, 1 / OVERSAMPLE) * OVERSAMPLE).astype(np.float32)


BLOCK_SAMPLES = 2**18  # work through long chapters in pieces of about 6 s: memory holds a piece (tens of MB)


def frame_energies(audio: np.ndarray, rate: int) -> np.ndarray:
    """K-weighted mean square of each 10 ms frame, summed over channels (BS.1770 weights L and R 1.0)."""
    return k_weighted_frames(audio, rate)[0]


def k_weighted_frames(audio: np.ndarray, rate: int, state: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``frame_energies`` of a signal that may go on: given the filters' ``state`` at the end of what came
    before (None at the start), the energies and the state to carry on with."""
    from scipy.signal import sosfilt

    sos, gain = _k_weighting(rate)
    f = frame_size(rate)
    n = len(audio) // f * f
    channels = audio.shape[1]
    if state is None:
        state = np.zeros((sos.shape[0], channels, 2))  # the filters run on across pieces
    step = BLOCK_SAMPLES // f * f
    out = []
    for a in range(0, n, step):
        weighted, state = sosfilt(sos, audio[a : min(a + step, n)].T, axis=-1, zi=state)  # in float64
        frames = weighted.reshape(channels, -1, f)
        out.append(np.einsum("cfi,cfi->f", frames, frames) * (gain * gain / f))  # no temporary arrays
    return (np.concatenate(out) if out else np.zeros(0)), state


PEAK_CONTEXT = 12 * OVERSAMPLE  # samples either side the true-peak interpolator looks at (its length)
PEAK_CHUNK = 2**16  # samples the interpolator works on at once


def frame_true_peaks(audio: np.ndarray, rate: int, first: int = 0, last: int | None = None) -> np.ndarray:
    """The 4x-oversampled peak of each 10 ms frame of ``audio[first:last]`` (linear, over all channels),
    using the samples of ``audio`` around that stretch as context (PEAK_CONTEXT each side is enough)."""
    f = frame_size(rate)
    end = len(audio) if last is None else last
    n = first + (end - first) // f * f
    step = BLOCK_SAMPLES // f * f
    out = []
    for a in range(first, n, step):
        b = min(a + step, n)
        lo, hi = max(0, a - PEAK_CONTEXT), min(len(audio), b + PEAK_CONTEXT)
        top = _oversampled_abs(audio[lo:hi], a - lo, b - a)
        out.append(top.reshape(top.shape[0], -1, f).max(axis=(0, 2)))
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def interpolator_gain() -> float:
    """The most the interpolator's output can exceed the largest sample it reads: the largest sum of the
    magnitudes of one phase's taps (1.84, 5.3 dB). A stretch whose samples, and PEAK_CONTEXT either side,
    peak under ``level / interpolator_gain()`` cannot have a true peak of ``level``."""
    h = _interpolator()
    return float(max(np.abs(h[p::OVERSAMPLE]).sum() for p in range(OVERSAMPLE)))


def stretch_true_peak(x: np.ndarray, start: int, n: int) -> float:
    """The 4x-oversampled peak (linear, over all channels) of samples ``start`` to ``start + n`` of ``x``,
    with the samples around them as the interpolator's context."""
    return float(_oversampled_abs(x, start, n).max()) if n > 0 else 0.0


def _oversampled_abs(x: np.ndarray, start: int, n: int) -> np.ndarray:
    """Per channel, for each of the ``n`` samples from ``start``, the largest magnitude of the four outputs
    of the interpolator that fall in its stretch of the 4x-oversampled signal (outside ``x``, silence).

    Output 4i + p is sum_k h[4k + p] x[i - k]: the values of scipy's ``upfirdn`` (upsample, filter, and
    cut the stretch out after the filter's delay, as BS.1770 Annex 2 has it), worked one phase at a time
    as twelve multiply-adds over arrays of PEAK_CHUNK samples, which numpy vectorises (2.7x faster)."""
    h = _interpolator()
    taps = len(h) // OVERSAMPLE
    delay = (len(h) - 1) // 2  # output 4i + p lands on the stretch of input sample (4i + p - delay) // 4
    channels = x.shape[1]
    padded = np.zeros((channels, len(x) + 2 * taps), np.float32)
    padded[:, taps : taps + len(x)] = x.T
    top = np.empty((channels, n), np.float32)
    m = min(PEAK_CHUNK, n)
    acc, term, best = (np.empty((channels, m), np.float32) for _ in range(3))
    for c0 in range(0, n, m):  # a chunk at a time, so the arrays stay in the processor's cache
        c = min(m, n - c0)
        a, t, b = acc[:, :c], term[:, :c], best[:, :c]
        b.fill(0)
        for p in range(OVERSAMPLE):
            i0 = taps + start + c0 + (delay - p + OVERSAMPLE - 1) // OVERSAMPLE  # phase p's first output kept
            np.multiply(padded[:, i0 : i0 + c], h[p], out=a)
            for k in range(1, taps):
                np.multiply(padded[:, i0 - k : i0 - k + c], h[OVERSAMPLE * k + p], out=t)
                a += t
            np.maximum(b, np.abs(a, out=a), out=b)
        top[:, c0 : c0 + c] = b
    return top


def integrated(energies: np.ndarray) -> float:
    """Gated integrated loudness (LUFS) from 10 ms frame energies, by BS.1770-4's rule."""
    if len(energies) < BLOCK_FRAMES:
        return -math.inf
    csum = np.concatenate([[0.0], np.cumsum(energies, dtype=np.float64)])
    starts = np.arange(0, len(energies) - BLOCK_FRAMES + 1, HOP_FRAMES)
    z = (csum[starts + BLOCK_FRAMES] - csum[starts]) / BLOCK_FRAMES
    with np.errstate(divide="ignore"):
        blocks = -0.691 + 10 * np.log10(z)
    z = z[blocks >= ABSOLUTE_GATE]
    if z.size == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(z.mean()) + RELATIVE_GATE
    with np.errstate(divide="ignore"):
        z = z[-0.691 + 10 * np.log10(z) > relative]
    return -0.691 + 10 * math.log10(z.mean()) if z.size else -math.inf


def loudness_of(audio: np.ndarray, rate: int) -> float:
    """Integrated loudness of a whole (short) signal of shape (frames, channels)."""
    return integrated(frame_energies(audio, rate))


def limiter_gains(peaks: np.ndarray, ceiling: float) -> np.ndarray:
    """Per-frame gains that keep every frame's true peak at or under ``ceiling`` (linear).

    A minimum filter spreads each frame's required gain over its neighbours, then a
    Hann window smooths it; because the window is narrower than the minimum filter,
    the smoothed gain of a frame and of both neighbours never exceeds that frame's
    requirement, so the gain interpolated between frame centres is safe too.
    """
    from scipy.ndimage import minimum_filter1d

    if not len(peaks):
        return np.ones_like(peaks)
    with np.errstate(divide="ignore"):
        need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    if need.min() >= 1.0:
        return np.ones_like(need)
    w = LIMITER_FRAMES
    spread = minimum_filter1d(need, size=2 * (w + 1) + 1, mode="nearest")
    kernel = np.hanning(2 * w + 3)[1:-1]
    kernel /= kernel.sum()
    padded = np.pad(spread, w, mode="edge")
    return np.minimum(np.convolve(padded, kernel, mode="valid"), need)


@dataclass(frozen=True)
class Master:
    """The master gain and limiter that bring a mix to its loudness target."""

    gain_db: float  # applied to the whole mix
    limiter: np.ndarray  # per-frame gains (linear, <= 1) on top of it
    predicted_lufs: float
    limited_frames: int  # frames where the limiter reduces the level


def solve_master(
    energies: np.ndarray,
    peaks: np.ndarray,
    target_lufs: float,
    ceiling_dbtp: float,
    bounds: tuple[int, ...] | None = None,
    gain_db: float | None = None,
) -> Master:
    """Find the gain whose limited result measures ``target_lufs``, peaking at ``ceiling_dbtp``.

    ``bounds`` are the frame offsets of the chapters: the limiter works within
    each chapter, so one chapter's peaks never change another's gain. Given
    ``gain_db``, that gain is kept and only the limiter is worked out.
    """
    raw = integrated(energies)
    if not math.isfinite(raw):
        return Master(0.0, np.ones_like(peaks), raw, 0)
    ceiling = 10 ** (ceiling_dbtp / 20)
    bounds = bounds or (0, len(peaks))

    def limiter(g: float) -> np.ndarray:
        parts = [limiter_gains(peaks[a:b] * g, ceiling) for a, b in zip(bounds, bounds[1:]) if b > a]
        return np.concatenate(parts) if parts else np.ones_like(peaks)

    fixed = gain_db is not None
    gain_db = target_lufs - raw if gain_db is None else gain_db
    for round_ in range(1 if fixed else 8):  # the limiter costs a little loudness; a few rounds settle it
        if round_:
            gain_db += target_lufs - got
        g = 10 ** (gain_db / 20)
        lim = limiter(g)
        got = integrated(energies * (g * lim) ** 2)
        if abs(target_lufs - got) < 0.005:
            break
    # the limiter is always the one worked out for this very gain, so a later build that keeps the
    # gain gets the same limiter, and so the same audio, for every chapter that did not change
    return Master(gain_db, lim, got, int(np.count_nonzero(lim < 0.999)))


def frame_curve(frame_values: np.ndarray, first: int, count: int, rate: int) -> np.ndarray:
    """Per-sample values interpolated linearly between frame centres, for frames first..first+count.

    Frames outside the array hold their edge value. Built with broadcasting, as
    np.interp over every sample costs several times more.
    """
    f = frame_size(rate)
    v = frame_values.astype(np.float32)
    idx = np.arange(first, first + count)
    here = v[np.clip(idx, 0, len(v) - 1)]
    before = v[np.clip(idx - 1, 0, len(v) - 1)]
    after = v[np.clip(idx + 1, 0, len(v) - 1)]
    u = (np.arange(f, dtype=np.float32) - (f - 1) / 2) / f  # -0.5 .. 0.5 of a frame
    left, right = np.minimum(u, 0), np.maximum(u, 0)
    out = here[:, None] + (here - before)[:, None] * left + (after - here)[:, None] * right
    return out.reshape(-1)


def clip_energies(clip: Clip) -> np.ndarray:
    """A (trimmed) clip's K-weighted energy per 10 ms frame, mono."""
    n = len(clip.samples) // frame_size(clip.rate) * frame_size(clip.rate)
    return frame_energies(clip.samples[:n, None], clip.rate) if n else np.zeros(0)
