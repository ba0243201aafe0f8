"""The edit-and-listen loop around the build: watch, preview, and the cache commands."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

import narrate.preview
from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.upkeep import cache_info, prune
from narrate.engines import Engines
from narrate.errors import NarrateError
from narrate.watch import watch, watched_files

from narrate.testing import ToneEngine, tone_engines

from conftest import decode, loudness, run_cli, write_script

BODY = """\
# The border
ambient: river-night

The river was low that night. They crossed before the moon rose.

Nobody spoke on the far bank.

# Kunming
ambient: bus

The bus took seventeen hours.

It stopped twice for fuel, and once for a search.
"""


@pytest.fixture(autouse=True)
def in_a_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NARRATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def run(*args: str, engines: Engines | None = None) -> tuple[int, str, str]:
    """The command, speaking with the tone engine."""
    return run_cli(*args, engines=engines or tone_engines())


# --- watch -------------------------------------------------------------------


def test_watch_follows_the_script_and_its_sounds(tmp_path: Path) -> None:
    (tmp_path / "rain.wav").write_bytes(b"")
    script = write_script(tmp_path, BODY.replace("ambient: bus", "ambient: rain.wav"))
    assert watched_files(str(script))[0] == script
    assert tmp_path / "rain.wav" in watched_files(str(script))


def test_a_burst_of_saves_builds_once_and_a_failed_build_is_reported(tmp_path: Path) -> None:
    script = write_script(tmp_path, BODY)
    builds: list[str] = []
    said: list[str] = []
    stop = threading.Event()

    def rebuild() -> None:
        builds.append(script.read_text(encoding="utf-8"))
        if "BROKEN" in builds[-1]:
            raise NarrateError("unknown ambient 'rian'", str(script), 7)

    thread = threading.Thread(target=watch, args=(str(script), rebuild, said.append, stop, 0.05, 0.4))
    thread.start()
    try:
        wait_for(lambda: len(builds) == 1)
        for i in range(5):  # an editor saving several times in quick succession
            script.write_text(BODY + f"\nEdit {i}.\n", encoding="utf-8")
            time.sleep(0.05)
        wait_for(lambda: len(builds) == 2)
        time.sleep(0.8)
        assert len(builds) == 2 and builds[1].endswith("Edit 4.\n")  # one build, of the last save
        script.write_text(BODY + "\nBROKEN\n", encoding="utf-8")
        wait_for(lambda: len(said) >= 3)
    finally:
        stop.set()
        thread.join(5)
    assert said[0] == f"changed: {script}"
    assert said[2:] == [f"build failed: {script}:7: unknown ambient 'rian'",
                        "kept the last good episode; waiting for the next save"]


def wait_for(condition, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_a_failed_rebuild_keeps_the_last_good_episode(tmp_path: Path, tone_engines: Engines) -> None:
    script = write_script(tmp_path, BODY)
    good = build(str(script), BuildOptions(output="out", cache_dir=tmp_path / "cache"), tone_engines)
    before = {p.name: p.read_bytes() for p in good.output.parent.iterdir()}
    script.write_text(script.read_text().replace("ambient: bus", "ambient: buss"), encoding="utf-8")
    with pytest.raises(NarrateError):
        build(str(script), BuildOptions(output="out", cache_dir=tmp_path / "cache"), tone_engines)
    assert {p.name: p.read_bytes() for p in good.output.parent.iterdir()} == before


# --- preview -----------------------------------------------------------------


def test_preview_a_chapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = write_script(tmp_path, BODY)
    monkeypatch.setattr(narrate.preview, "PLAYERS", (("no-such-player-here", []),))
    code, out, err = run("preview", str(script), "--chapter", "2")
    assert (code, err) == (0, "")
    path = tmp_path / "build" / "preview" / "story-chapter-02.mp3"
    lines = out.splitlines()
    assert lines[0].startswith("wrote build/preview/story-chapter-02.mp3: chapter 2 'Kunming', 0:")
    assert lines[0].endswith("; synthesised 5 of 5 sentences, 0 from cache")
    assert lines[1] == ("no audio player found (looked for no-such-player-here); "
                        "open build/preview/story-chapter-02.mp3 yourself")
    # it is that chapter alone, mixed and at the podcast loudness
    audio = decode(path)
    assert 10 < len(audio) / 44100 < 25
    assert loudness(path)[0] == pytest.approx(-16, abs=1.0)


def test_preview_the_paragraph_at_a_line(tmp_path: Path, tone: ToneEngine) -> None:
    script = write_script(tmp_path, BODY)
    line = next(i for i, t in enumerate(script.read_text().splitlines(), 1) if t.startswith("It stopped"))
    code, out, _ = run("preview", str(script), "--line", str(line), "--no-play", "-o", "p.wav",
                       engines=tone_engines(tone))
    assert code == 0
    assert out.startswith(f"wrote p.wav: paragraph 2 of chapter 2 'Kunming' (line {line}), 0:0")
    assert tone.calls == ["It stopped twice for fuel, and once for a search."]  # that paragraph alone
    seconds = len(decode(tmp_path / "p.wav")) / 44100
    assert seconds == pytest.approx(0.06 * len(tone.calls[0]) + 1.6, abs=0.4)  # the sentence and its margins


@pytest.mark.parametrize("args, message", [
    (["--chapter", "3"], "story.md: there is no chapter 3: the script has 2\n"),
    (["--line", "1"], "story.md: line 1 comes before the first chapter (line 5)\n"),
    (["--chapter", "1", "-o", "x.ogg"], "x.ogg: a preview is written as .mp3 or .wav\n"),
])
def test_preview_bad_choices_are_one_message(tmp_path: Path, args: list[str], message: str) -> None:
    write_script(tmp_path, BODY)
    code, out, err = run("preview", "story.md", *args)
    assert (code, err) == (1, message)


def test_preview_needs_a_chapter_or_a_line(tmp_path: Path) -> None:
    write_script(tmp_path, BODY)
    code, _, err = run("preview", "story.md")
    assert code == 2 and err.endswith("Error: give --chapter N or --line L (one of them)\n")


# --- cache info and prune ----------------------------------------------------


def test_cache_info_and_prune_keep_what_the_last_build_uses(tmp_path: Path, tone_engines: Engines) -> None:
    script = write_script(tmp_path, BODY)
    cache = tmp_path / "cache"
    build(str(script), BuildOptions(output="out", cache_dir=cache), tone_engines)
    first = cache_info(cache)
    counts = {k.kind: (k.entries, k.unused_entries) for k in first.kinds}
    assert counts == {"speech": (11, 0), "level": (11, 0), "mix": (2, 0), "mp3": (2, 0), "words": (0, 0)}
    script.write_text(script.read_text().replace("The bus took seventeen hours.", "The bus took a day."), encoding="utf-8")
    build(str(script), BuildOptions(output="out", cache_dir=cache), tone_engines)
    unused = {k.kind: k.unused_entries for k in cache_info(cache).kinds}
    assert unused == {"speech": 1, "level": 1, "mix": 1, "mp3": 1, "words": 0}  # the old sentence and its levels, chapter 2's old mix and frames
    stale = [p for p in cache.rglob("*.*") if p.parent.parent.name in ("speech", "level", "mix", "mp3")]
    code, out, _ = run("cache", "prune", "--cache-dir", str(cache))
    gone = [p for p in stale if not p.exists()]
    assert code == 0 and len(gone) == 4
    assert out.startswith("removed 4 entries that no build in the last 30 days used: freed ")
    assert {k.kind: (k.entries, k.unused_entries) for k in cache_info(cache).kinds} == {
        "speech": (11, 0), "level": (11, 0), "mix": (2, 0), "mp3": (2, 0), "words": (0, 0)}
    # and the next build still needs nothing new
    again = build(str(script), BuildOptions(output="out", cache_dir=cache), tone_engines)
    assert again.unchanged


def test_cache_info_output(tmp_path: Path, tone_engines: Engines) -> None:
    script = write_script(tmp_path, BODY)
    build(str(script), BuildOptions(output="out", cache_dir=tmp_path / "cache"), tone_engines)
    code, out, _ = run("cache", "info")
    lines = out.splitlines()
    assert lines[0] == f"cache: {tmp_path / 'cache'}"
    assert [line.split()[:2] for line in lines[1:6]] == [
        ["11", "sentences"], ["11", "sentence"], ["2", "chapter"], ["2", "encoded"], ["0", "word"]]
    assert lines[6].startswith("  total ") and lines[6].endswith(" MB; 1 episode build in the last 30 days (latest "
                                                                   f"{time.strftime('%Y-%m-%d')} " + lines[6][-6:])
    assert lines[7] == "  0 entries (0.0 kB) are used by no build in the last 30 days: 'narrate cache prune' removes them"


def test_prune_dry_run_removes_nothing(tmp_path: Path) -> None:
    (tmp_path / "cache" / "speech" / "ab").mkdir(parents=True)
    entry = tmp_path / "cache" / "speech" / "ab" / ("ab" + "0" * 62 + ".wav")
    entry.write_bytes(np.zeros(1000, dtype=np.int16).tobytes())
    assert prune(tmp_path / "cache", 30, dry_run=True) == (1, 2000)
    assert entry.exists()
    code, out, _ = run("cache", "prune", "--dry-run", "--cache-dir", str(tmp_path / "cache"))
    assert out == "would remove 1 entries that no build in the last 30 days used: would free 2.0 kB\n"
