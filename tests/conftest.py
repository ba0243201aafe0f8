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

from narrate.audio import Clip, ffmpeg_exe
from narrate.engines import Engines, ResolvedVoice
from narrate.script import VoiceSettings

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


class ToneEngine:
    """A deterministic stand-in engine: one 300 Hz burst, 60 ms per character, per sentence."""

    name = "tone"
    rate = 22050

    def __init__(self) -> None:
        self.calls: list[str] = []

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        return ResolvedVoice("tone", "tone-v1", (("speed", voice.speed),), label="tone")

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        self.calls.append(text)
        n = int(self.rate * 0.06 * len(text))
        t = np.arange(n) / self.rate
        return Clip((0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), self.rate)

    def version(self) -> str:
        return "tone 1"


@pytest.fixture
def tone() -> ToneEngine:
    return ToneEngine()


@pytest.fixture
def tone_engines(tone: ToneEngine) -> Engines:
    """Engines where both 'piper' and 'tone' are the fast fake, so scripts need no voice setting."""
    return Engines({"piper": tone, "tone": tone})


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


def ffprobe() -> str | None:
    """Debian's ffprobe, an independent reader; CI requires it (NARRATE_REQUIRE_FFPROBE=1)."""
    exe = shutil.which("ffprobe")
    if exe is None and os.environ.get("NARRATE_REQUIRE_FFPROBE"):
        pytest.fail("ffprobe is required here (NARRATE_REQUIRE_FFPROBE=1) but not installed")
    return exe


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the narrate command in-process: exit code, standard output, standard error."""
    from click.testing import CliRunner

    from narrate.cli import cli

    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr
