"""Shared fixtures: a fast fake engine, script writers, and independent readers of the output."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest

from narrate.audio import ffmpeg_exe
from narrate.engines import Engines
from narrate.testing import ToneEngine
from narrate.testing import tone_engines as make_tone_engines

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "script" / "escape-route.md"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-live", action="store_true", help="run tests that need the internet")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-live"):
        return
    skip = pytest.mark.skip(reason="needs the internet; run with --run-live")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def tone() -> ToneEngine:
    return ToneEngine()


@pytest.fixture
def tone_engines(tone: ToneEngine) -> Engines:
    """Engines where both 'piper' and 'tone' are the fast fake, so scripts need no voice setting."""
    return make_tone_engines(tone)


@pytest.fixture(scope="session")
def piper_engines() -> Engines:
    """Real engines, shared so the Piper model loads once per session."""
    return Engines()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


FRONT = """\
---
title: Test Episode
author: Test Author
---
"""


def write_script(folder: Path, body: str, front: str = FRONT, name: str = "story.md") -> Path:
    """Write a script (dedented) and return its path."""
    path = folder / name
    path.write_text(front + textwrap.dedent(body), encoding="utf-8")
    return path


def decode(path: Path, rate: int = 44100) -> np.ndarray:
    """Decode any audio file to mono float32 with ffmpeg (honouring gapless trimming)."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def rms_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(samples, dtype=np.float64))) + 1e-12))


def id3_frames(path: Path) -> list[tuple[str, bytes]]:
    """The top-level frames of an ID3v2.3 tag, in file order, by a minimal parser of our own."""
    data = path.read_bytes()
    assert data[:3] == b"ID3" and data[3] == 3, "expected an ID3v2.3 tag"
    size = 0
    for b in data[6:10]:
        size = (size << 7) | b
    frames = []
    pos, end = 10, 10 + size
    while pos + 10 <= end and data[pos : pos + 4] != b"\0\0\0\0":
        fid = data[pos : pos + 4].decode("ascii")
        n = struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        frames.append((fid, data[pos + 10 : pos + 10 + n]))
        pos += 10 + n
    return frames


def loudness(path: Path) -> tuple[float, float]:
    """A file's integrated loudness (LUFS) and true peak (dBTP) by ffmpeg's own meter, ``ebur128=peak=true``,
    read here: nothing of narrate's meter. Debian's ffmpeg where it is installed, a build of its own."""
    import re

    exe = shutil.which("ffmpeg") or ffmpeg_exe()
    err = subprocess.run([exe, "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0", "-af",
                          "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    summary = err[err.rindex("Summary:"):]
    lufs = re.search(r"I:\s*(-?[\d.]+) LUFS", summary)
    peak = re.search(r"True peak:\s*Peak:\s*(-?[\d.]+|-inf) dBFS", summary)
    assert lufs and peak, summary
    return float(lufs.group(1)), float(peak.group(1))


def ffprobe() -> str | None:
    """Debian's ffprobe, an independent reader; CI requires it (NARRATE_REQUIRE_FFPROBE=1)."""
    exe = shutil.which("ffprobe")
    if exe is None and os.environ.get("NARRATE_REQUIRE_FFPROBE"):
        pytest.fail("ffprobe is required here (NARRATE_REQUIRE_FFPROBE=1) but not installed")
    return exe


def run_cli(*args: str, engines: Engines | None = None) -> tuple[int, str, str]:
    """Run the narrate command in-process, speaking with ``engines`` (default: the installed ones):
    exit code, standard output, standard error."""
    from click.testing import CliRunner

    from narrate.cli import Session, cli

    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(cli, list(args), obj=Session(engines))
    return result.exit_code, result.stdout, result.stderr


def assert_no_clicks(audio: np.ndarray, joins_ms: list[int]) -> None:
    """At each join the sample-to-sample steps are no larger than in the half second on either side."""
    step = np.abs(np.diff(audio))
    for ms in joins_ms:
        at = round(ms * 44100 / 1000)
        near = step[at - 441 : at + 441].max()  # +-10 ms
        around = np.concatenate([step[at - 44100 // 2 : at - 441], step[at + 441 : at + 44100 // 2]]).max()
        assert near <= 1.2 * around + 1e-3, f"a step of {near:.4f} at the join at {ms} ms (around it: {around:.4f})"


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC bit by bit, as the LAME tag defines it: a reference independent of narrate's."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium, driven by Playwright: the real browser the pages are tested in."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("NARRATE_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here (NARRATE_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("needs Debian's chromium (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # the flags keep Chromium's own background traffic off this offline machine; a walk's legs start
        # on arrival, not on a click, as a phone allows once Start has been pressed
        b = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-default-apps", "--autoplay-policy=no-user-gesture-required",
        ])
        yield b
        b.close()
