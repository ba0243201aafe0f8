"""Audio plumbing shared by the stages: clips, ffmpeg, decoding, resampling.

ffmpeg comes from the imageio-ffmpeg wheel, which has no ffprobe, so pydub is
always handed the format and codec explicitly.
"""

from __future__ import annotations

import functools
import io
import subprocess
import warnings
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

RATE = 44100  # the mix's sample rate: sounds are decoded to it, and every format is encoded from it


@dataclass(frozen=True, eq=False)
class Clip:
    """Mono float32 samples in [-1, 1] at ``rate`` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg binary bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@functools.cache
def ffmpeg_version() -> str:
    """ffmpeg's own version line, for build records."""
    out = subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0] if out.stdout else "unknown"


def _audio_segment():  # type: ignore[no-untyped-def]
    # pydub warns at import when ffmpeg is not on PATH; we hand it the bundled one.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


# Containers pydub must be told about, with the decoder to force (no ffprobe here).
_CODECS = {"mp3": "mp3", "wav": None, "ogg": None, "flac": "flac", "opus": "libopus", "m4a": "aac"}


def decode_frames(source: bytes | str | Path, fmt: str) -> tuple[np.ndarray, int]:
    """Decode audio in a known container: float32 samples of shape (frames, channels), and the rate."""
    segment_cls = _audio_segment()
    data = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    codec = _CODECS.get(fmt)
    if fmt == "ogg":
        codec = "libvorbis" if not _is_opus(source) else "libopus"
    seg = segment_cls.from_file(data, format=fmt, codec=codec) if codec else segment_cls.from_file(data, format=fmt)
    width = seg.sample_width
    raw = np.frombuffer(seg.raw_data, dtype={1: np.int8, 2: np.int16, 4: np.int32}[width])
    samples = raw.astype(np.float32).reshape(-1, seg.channels) / float(2 ** (8 * width - 1))
    return samples, seg.frame_rate


def decode(source: bytes | str | Path, fmt: str) -> Clip:
    """Decode audio in a known container to a mono float32 clip."""
    samples, rate = decode_frames(source, fmt)
    return Clip(samples.mean(axis=1).astype(np.float32), rate)


def _is_opus(source: bytes | str | Path) -> bool:
    if isinstance(source, bytes):
        head = source[:64]
    else:
        with open(source, "rb") as fh:
            head = fh.read(64)
    return b"OpusHead" in head


def resample_array(samples: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Samples (along the first axis) from ``src`` Hz to ``dst`` Hz, float32, by the SoX resampler (soxr's
    'high quality': linear phase, no aliasing, 5x as fast as scipy's polyphase filter). As many samples as
    ``resampled_length`` says (soxr rounds where scipy's rule, which the layouts keep, rounds up)."""
    if src == dst:
        return samples
    import soxr

    out = soxr.resample(np.ascontiguousarray(samples, dtype=np.float32), src, dst, quality="HQ")
    n = resampled_length(len(samples), src, dst)
    if len(out) < n:
        out = np.concatenate([out, np.zeros((n - len(out), *out.shape[1:]), np.float32)])
    return out[:n]


def resampled_length(n: int, src: int, dst: int) -> int:
    """How many samples resample() returns for ``n`` input samples: n * dst / src, rounded up."""
    g = gcd(src, dst)
    up, down = dst // g, src // g
    return -(-n * up // down)


def resample(clip: Clip, rate: int) -> np.ndarray:
    """The clip's samples at ``rate`` Hz."""
    return resample_array(clip.samples, clip.rate, rate)


def trim_silence(samples: np.ndarray, rate: int, threshold_db: float = -50.0, keep_ms: int = 30) -> np.ndarray:
    """Cut leading and trailing silence, keeping a short margin so no onset is clipped."""
    start, stop = speech_bounds(samples, rate, threshold_db, keep_ms)
    return samples[start:stop]


def speech_bounds(samples: np.ndarray, rate: int, threshold_db: float = -50.0, keep_ms: int = 30) -> tuple[int, int]:
    """Where ``trim_silence`` cuts: the first and past-the-last sample kept (0, 0 if all is silence)."""
    if samples.size == 0:
        return 0, 0
    loud = np.flatnonzero(np.abs(samples) > 10 ** (threshold_db / 20))
    if loud.size == 0:
        return 0, 0
    keep = rate * keep_ms // 1000
    return max(0, int(loud[0]) - keep), min(len(samples), int(loud[-1]) + 1 + keep)


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples (any shape, interleaved by row) as little-endian 16-bit PCM."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
