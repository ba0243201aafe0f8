"""The demo episode, built as a user would, and checked the way the issue checks it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from narrate.build import build
from narrate.engines import Engines
from narrate.script import Paragraph, parse_script

from conftest import DEMO, decode, ffprobe


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, piper_engines: Engines):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("demo")
    for f in DEMO.parent.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    script = folder / DEMO.name
    result = build(str(script), str(folder / "demo.mp3"), folder / "cache", piper_engines)
    return script, folder / "demo.mp3", result


def test_demo_length_and_chapters(demo) -> None:  # type: ignore[no-untyped-def]
    script, mp3, result = demo
    assert 10 * 60_000 <= result.timeline.duration_ms <= 15 * 60_000
    titles = [c.title for c in parse_script(script.read_text(encoding="utf-8"), str(script)).chapters]
    assert [c.title for c in result.timeline.chapters] == titles
    assert abs(len(decode(mp3)) / 44.1 - result.timeline.duration_ms) < 1


def test_demo_chapters_read_by_ffprobe(demo) -> None:  # type: ignore[no-untyped-def]
    exe = ffprobe()
    if exe is None:
        pytest.skip("ffprobe not installed (CI installs it)")
    script, mp3, result = demo
    out = json.loads(subprocess.run([exe, "-v", "error", "-show_chapters", "-of", "json", str(mp3)],
                                    capture_output=True, text=True, check=True).stdout)["chapters"]
    assert [c["tags"]["title"] for c in out] == [c.title for c in result.timeline.chapters]
    starts = [int(c["start"]) for c in out]
    assert starts == sorted(starts) and starts[0] == 0
    assert all(int(a["end"]) == int(b["start"]) for a, b in zip(out, out[1:]))
    assert int(out[-1]["end"]) == result.timeline.duration_ms


def test_demo_one_sentence_edit(demo, piper_engines: Engines) -> None:  # type: ignore[no-untyped-def]
    script, mp3, first = demo
    text = script.read_text(encoding="utf-8")
    edited = text.replace("The first bus ride alone took 17 hours.", "The first bus ride alone lasted 17 hours.")
    assert edited != text
    script.write_text(edited, encoding="utf-8")
    second = build(str(script), str(mp3), script.parent / "cache", piper_engines)
    assert second.stats.synthesised == 1
    assert second.stats.total == first.stats.total
    changed = [s for s in second.timeline.sentences if "lasted 17 hours" in s.text]
    assert len(changed) == 1 and changed[0].chapter == 3
