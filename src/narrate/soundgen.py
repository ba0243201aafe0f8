"""Generate narrate's own ambient beds, chapter cue and stings: procedural, deterministic, licence-free.

    python -m narrate.soundgen [FOLDER]    # default: the repository's audio/

Beds are built in the frequency domain with random phases, so the inverse FFT
is exactly periodic: each loop joins itself without a click by construction.
Every modulation also repeats a whole number of times per loop. A fixed seed
per sound makes the output identical on every run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

RATE = 44100
BED_SECONDS = 20.0
PEAK = 10 ** (-3 / 20)  # every file peaks at -3 dBFS: no clipping, headroom for the mix


def _spectral_noise(n: int, rng: np.random.Generator, shape: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Periodic noise of length n whose amplitude spectrum is shape(frequency in Hz)."""
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    amp = shape(np.maximum(freqs, 1.0))
    amp[0] = 0.0  # no DC
    spectrum = amp * np.exp(2j * np.pi * rng.random(len(freqs)))
    out = np.fft.irfft(spectrum, n)
    return out / (np.max(np.abs(out)) + 1e-12)


def _band(lo: float, hi: float, tilt: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    """A smooth band-pass shape with a 1/f**tilt slope."""
    def shape(f: np.ndarray) -> np.ndarray:
        return f ** (-tilt) / (1 + (lo / f) ** 4) / (1 + (f / hi) ** 4)
    return shape


def _cycles(n: int, k: int, phase: float = 0.0) -> np.ndarray:
    """A sine that completes exactly k cycles over n samples (so it loops)."""
    return np.sin(2 * np.pi * k * np.arange(n) / n + phase)


def _stereo(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.stack([left, right], axis=1)


def _decorrelated(n: int, seed: int, shape: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return _stereo(_spectral_noise(n, rng, shape), _spectral_noise(n, rng, shape))


def _events(
    n: int, rng: np.random.Generator, count: int, make: Callable[[np.random.Generator], np.ndarray]
) -> np.ndarray:
    """Short sounds scattered around the loop; one that runs past the end wraps to the start."""
    out = np.zeros(n)
    for _ in range(count):
        grain = make(rng)
        at = rng.integers(0, n)
        idx = (at + np.arange(len(grain))) % n
        np.add.at(out, idx, grain)
    return out


def rain(n: int) -> np.ndarray:
    """Broadband hiss of rainfall with scattered drops."""
    bed = _decorrelated(n, 11, _band(200, 12000, tilt=0.3))
    rng = np.random.default_rng(12)

    def drop(r: np.random.Generator) -> np.ndarray:
        m = int(RATE * 0.012)
        return r.uniform(0.2, 0.6) * r.standard_normal(m) * np.exp(-np.arange(m) / (m / 5))
    drops = np.stack([_events(n, rng, int(BED_SECONDS * 60), drop) for _ in range(2)], axis=1)
    return bed * 0.6 + drops * 0.4


def river_night(n: int) -> np.ndarray:
    """Low rushing water with a slow swell, and a few distant crickets."""
    water = _decorrelated(n, 21, _band(60, 2500, tilt=1.0))
    swell = 0.75 + 0.25 * _cycles(n, 3)[:, None]
    gurgle = _decorrelated(n, 22, _band(300, 900)) * (0.5 + 0.5 * _cycles(n, 17))[:, None]
    return water * swell + 0.35 * gurgle + 0.08 * night_insects(n)


def mountain_wind(n: int) -> np.ndarray:
    """Gusting wind: band noise that swells and whistles on a slow cycle."""
    low = _decorrelated(n, 31, _band(80, 900, tilt=0.5))
    high = _decorrelated(n, 32, _band(600, 1600))
    gust = (0.55 + 0.3 * _cycles(n, 2) + 0.15 * _cycles(n, 5, 1.0))[:, None]
    return low * gust + 0.3 * high * gust**2


def bus_interior(n: int) -> np.ndarray:
    """A diesel drone: a low engine tone with harmonics over road rumble."""
    t = np.arange(n) / RATE
    f0 = 1 / BED_SECONDS * round(48 * BED_SECONDS)  # a whole number of cycles per loop
    engine = sum(a * np.sin(2 * np.pi * f0 * k * t) for k, a in ((1, 1.0), (2, 0.6), (3, 0.35), (4, 0.2), (6, 0.1)))
    engine = engine * (0.9 + 0.1 * _cycles(n, 7))
    road = _decorrelated(n, 41, _band(30, 400, tilt=1.0))
    return 0.5 * engine[:, None] + 0.6 * road


def car_interior(n: int) -> np.ndarray:
    """A smaller engine, higher and quieter, with more tyre noise."""
    t = np.arange(n) / RATE
    f0 = 1 / BED_SECONDS * round(85 * BED_SECONDS)
    engine = sum(a * np.sin(2 * np.pi * f0 * k * t) for k, a in ((1, 1.0), (2, 0.4), (3, 0.15)))
    tyres = _decorrelated(n, 51, _band(80, 1500, tilt=0.8))
    return 0.3 * engine[:, None] + 0.8 * tyres


def night_insects(n: int) -> np.ndarray:
    """Crickets: trains of short 4.5 kHz chirps, left and right, over a faint hiss."""
    rng = np.random.default_rng(61)
    t = np.arange(int(RATE * 0.018)) / RATE

    def chirp(r: np.random.Generator) -> np.ndarray:
        tone = np.sin(2 * np.pi * r.uniform(4200, 4800) * t) * np.hanning(len(t))
        gap = np.zeros(int(RATE * 0.02))
        return r.uniform(0.3, 0.8) * np.concatenate([tone, gap, tone, gap, tone])
    chirps = np.stack([_events(n, rng, int(BED_SECONDS * 6), chirp) for _ in range(2)], axis=1)
    return chirps + 0.1 * _decorrelated(n, 62, _band(2000, 9000))


def room_tone(n: int) -> np.ndarray:
    """A quiet room: soft low-mid air noise."""
    return _decorrelated(n, 71, _band(40, 3000, tilt=1.2))


BEDS: dict[str, Callable[[int], np.ndarray]] = {
    "rain": rain,
    "river-night": river_night,
    "mountain-wind": mountain_wind,
    "bus": bus_interior,
    "car": car_interior,
    "night-insects": night_insects,
    "room": room_tone,
}


def _bell(freq: float, seconds: float, partials: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    """An inharmonic bell: (ratio, amplitude, decay seconds) partials with a soft attack."""
    t = np.arange(int(RATE * seconds)) / RATE
    out = sum(a * np.sin(2 * np.pi * freq * r * t) * np.exp(-t / d) for r, a, d in partials)
    attack = np.minimum(1.0, t / 0.004)
    release = np.minimum(1.0, (t[-1] - t) / 0.05)
    return out * attack * release


_CHIME = ((1.0, 1.0, 0.9), (2.0, 0.5, 0.6), (2.76, 0.3, 0.4), (5.4, 0.12, 0.2))


def chime() -> np.ndarray:
    """The chapter cue: two soft bell notes, a fifth apart."""
    a = _bell(880.0, 1.6, _CHIME)
    b = _bell(1318.5, 1.3, _CHIME)
    out = np.zeros(int(RATE * 1.6))
    out[: len(a)] += a
    start = int(RATE * 0.18)
    out[start : start + len(b)] += 0.8 * b[: len(out) - start]
    return _stereo(out, out)


def sting(rising: bool) -> np.ndarray:
    """Intro (rising) or outro (falling) sting: a bell arpeggio over a soft pad."""
    notes = [523.25, 659.25, 783.99, 1046.5]
    if not rising:
        notes = notes[::-1]
    total = int(RATE * 3.2)
    t = np.arange(total) / RATE
    pad_f = notes[0] if rising else notes[-1]
    pad = sum(np.sin(2 * np.pi * pad_f * k * t) / k**2 for k in (1, 2, 3)) * np.sin(np.pi * t / t[-1]) ** 2
    left, right = 0.25 * pad, 0.25 * pad
    for i, f in enumerate(notes):
        note = _bell(f, 2.0, _CHIME)
        at = int(RATE * 0.28 * i)
        seg = note[: total - at]
        pan = i / (len(notes) - 1)
        left[at : at + len(seg)] += (1 - 0.5 * pan) * seg
        right[at : at + len(seg)] += (0.5 + 0.5 * pan) * seg
    return _stereo(left, right)


def _normalise(x: np.ndarray) -> np.ndarray:
    x = x - x.mean(axis=0)  # no DC offset
    return (x / np.max(np.abs(x)) * PEAK).astype(np.float32)


def write_flac(path: Path, samples: np.ndarray) -> None:
    """16-bit stereo FLAC (lossless, so a decoded file equals the generator's output)."""
    from narrate.audio import ffmpeg_exe, to_pcm16

    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", str(RATE), "-ac", str(samples.shape[1]),
           "-i", "pipe:0", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
           "-c:a", "flac", "-compression_level", "8", str(path)]
    subprocess.run(cmd, input=to_pcm16(samples), check=True)


def generate(folder: Path) -> list[Path]:
    """Write every bed, the cue and the stings under ``folder``."""
    n = int(RATE * BED_SECONDS)
    made = []
    (folder / "beds").mkdir(parents=True, exist_ok=True)
    (folder / "cues").mkdir(parents=True, exist_ok=True)
    for name, make in BEDS.items():
        made.append(folder / "beds" / f"{name}.flac")
        write_flac(made[-1], _normalise(make(n)))
    for name, samples in (("chime", chime()), ("intro", sting(True)), ("outro", sting(False))):
        made.append(folder / "cues" / f"{name}.flac")
        write_flac(made[-1], _normalise(samples))
    return made


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "audio"
    for p in generate(target):
        print(f"wrote {p}")
