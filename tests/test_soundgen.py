"""narrate's generated sounds, judged by measurement: spectra, clipping, DC, loop joins, determinism."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from narrate.audio import ffmpeg_exe
from narrate.soundgen import BEDS, RATE, generate

REPO = Path(__file__).resolve().parents[1]


def read(path: Path) -> np.ndarray:
    """Decode a FLAC file with ffmpeg, checking it is 16-bit stereo at RATE."""
    info = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    assert f"flac, {RATE} Hz, stereo, s16" in info, info
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-"], capture_output=True, check=True
    ).stdout
    return np.frombuffer(raw, dtype="<i2").reshape(-1, 2).astype(np.float64) / 32768.0


@pytest.fixture(scope="module")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    folder = tmp_path_factory.mktemp("audio")
    return {f"{p.parent.name}/{p.stem}": read(p) for p in generate(folder)}


def band_share(x: np.ndarray, lo: float, hi: float) -> float:
    """The share of the signal's energy between lo and hi Hz."""
    spec = np.abs(np.fft.rfft(x[:, 0])) ** 2
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    return float(spec[(f >= lo) & (f < hi)].sum() / spec.sum())


def test_every_sound_is_made(sounds: dict[str, np.ndarray]) -> None:
    assert sorted(sounds) == sorted([f"beds/{b}" for b in BEDS] + ["cues/chime", "cues/intro", "cues/outro"])


@pytest.mark.parametrize("name", [f"beds/{b}" for b in BEDS] + ["cues/chime", "cues/intro", "cues/outro"])
def test_no_clipping_and_no_dc(sounds: dict[str, np.ndarray], name: str) -> None:
    x = sounds[name]
    assert np.max(np.abs(x)) < 10 ** (-2.9 / 20)  # peaks at -3 dBFS
    assert np.all(np.abs(x.mean(axis=0)) < 1e-3)


@pytest.mark.parametrize("bed", list(BEDS))
def test_beds_loop_without_a_click(sounds: dict[str, np.ndarray], bed: str) -> None:
    x = sounds[f"beds/{bed}"]
    steps = np.abs(np.diff(x, axis=0))
    join = np.abs(x[0] - x[-1])
    # The jump across the loop point is no bigger than the signal's ordinary sample-to-sample steps.
    assert np.all(join <= np.percentile(steps, 99.9, axis=0))


def test_rain_is_broadband_and_bus_is_low_and_tonal(sounds: dict[str, np.ndarray]) -> None:
    rain, bus = sounds["beds/rain"], sounds["beds/bus"]
    assert band_share(rain, 2000, 12000) > 0.3  # plenty of energy high up
    assert band_share(bus, 0, 400) > 0.8  # a bus is low
    spec = np.abs(np.fft.rfft(bus[:, 0]))
    f = np.fft.rfftfreq(len(bus), 1 / RATE)
    peak = f[np.argmax(spec)]
    assert 40 < peak < 200 and spec.max() > 20 * np.median(spec[(f > 30) & (f < 400)])  # a clear engine tone


def test_generation_is_deterministic(tmp_path: Path, sounds: dict[str, np.ndarray]) -> None:
    again = {f"{p.parent.name}/{p.stem}": read(p) for p in generate(tmp_path)}
    assert all(np.array_equal(again[k], sounds[k]) for k in sounds)


def test_shipped_sounds_are_exactly_what_the_generator_makes(sounds: dict[str, np.ndarray]) -> None:
    """audio/ holds the generator's output, sample for sample: 'python -m narrate.soundgen audio' remakes it."""
    shipped = sorted(f"{p.parent.name}/{p.stem}" for p in (REPO / "audio").glob("*/*.flac"))
    assert shipped == sorted(sounds)
    for name, samples in sounds.items():
        assert np.array_equal(read(REPO / "audio" / f"{name}.flac"), samples), name
