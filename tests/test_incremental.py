"""Rebuilding after an edit: the change report, what is redone, what is reused, and that the joins are seamless.

The MP3 after an edit is made of frames from two builds; it is decoded and
checked against the earlier file (the reused chapters must decode to the very
same samples), against its planned length (to the sample), and for clicks at
every chapter join.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3

import narrate.build
from narrate.build import build
from narrate.engines import Engines

from conftest import ToneEngine, decode, write_script

RATE = 44100

BODY = """\
# The border
ambient: river-night

The river was low that night. They crossed before the moon rose.

[pause 2s]

Nobody spoke on the far bank.

# Kunming
ambient: bus

The bus took seventeen hours. It stopped twice for fuel.

# The Mekong
ambient: river-night

The boat left at two. The water was black and fast.

# Bangkok
ambient: none

They reached the city at dawn.
"""


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.fixture
def episode(tmp_path: Path, tone: ToneEngine, tone_engines: Engines):  # type: ignore[no-untyped-def]
    """Build the script (after an optional edit) into tmp/out, with one cache."""
    script = write_script(tmp_path, BODY)

    def run(old: str | None = None, new: str = "", **options):  # type: ignore[no-untyped-def]
        if old is not None:
            text = script.read_text(encoding="utf-8")
            assert old in text
            script.write_text(text.replace(old, new, 1), encoding="utf-8")
        return build(str(script), str(tmp_path / "out"), tmp_path / "cache", tone_engines, **options)

    run.script = script  # type: ignore[attr-defined]
    return run


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()}


def test_one_sentence_edit_is_reported_and_redoes_only_that_sentence_and_chapter(episode, tone: ToneEngine) -> None:  # type: ignore[no-untyped-def]
    first = episode()
    assert first.changes.lines() == ["first build: 4 chapters, 16 sentences"]
    before = decode(first.output)
    tone.calls.clear()

    again = episode("The boat left at two.", "The boat left at three.")
    line = line_of(episode.script, "The boat left at three.")
    built = again.changes.previous_built
    assert again.changes.lines() == [
        f"changes since the last build ({built}):",
        "  chapter 3 'The Mekong': 1 sentence edited",
        f'    line {line} edited: "The boat left at two." -> "The boat left at three."',
    ]
    assert tone.calls == ["The boat left at three."]  # exactly one sentence synthesised
    assert (again.stats.synthesised, again.stats.total) == (1, 16)
    # chapter 3's mix is new; its MP3 frames, and chapter 4's (whose first frames overlap chapter 3's
    # bed fading out), are encoded again; chapters 1 and 2 keep theirs
    assert again.cost.analysed == (3,)
    assert again.cost.encoded == (3, 4)
    assert again.cost.kept_master

    after = decode(again.output)
    # the planned length, to the sample: no gap and no extra frame at any join
    total = sum(round((c.end_ms - c.start_ms) * RATE / 1000) for c in again.timeline.chapters)
    assert abs(len(after) - total) <= len(again.timeline.chapters)  # ms rounding of each chapter only
    # chapters 1 and 2 are the very frames of the first build, so they decode to the same samples
    # (up to the frame before the join, whose overlap-add takes in chapter 3's first frame)
    join = round(again.timeline.chapters[2].start_ms * RATE / 1000) - 2 * 1152
    assert np.array_equal(after[:join], before[:join])
    assert_no_clicks(after, [c.start_ms for c in again.timeline.chapters[1:]])


def assert_no_clicks(audio: np.ndarray, joins_ms: list[int]) -> None:
    """At each join the sample-to-sample steps are no larger than in the half second on either side."""
    step = np.abs(np.diff(audio))
    for ms in joins_ms:
        at = round(ms * RATE / 1000)
        near = step[at - 441 : at + 441].max()  # +-10 ms
        around = np.concatenate([step[at - RATE // 2 : at - 441], step[at + 441 : at + RATE // 2]]).max()
        assert near <= 1.2 * around + 1e-3, f"a step of {near:.4f} at the join at {ms} ms (around it: {around:.4f})"


def test_a_rebuild_with_nothing_changed_does_no_audio_work_and_writes_nothing(episode, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first = episode()
    folder = first.output.parent
    files = snapshot(folder)

    def no(*args: object, **kwargs: object) -> None:
        raise AssertionError("audio work on an unchanged build")

    for name in ("synthesize", "mix_episode", "export_episode", "load_sounds"):
        monkeypatch.setattr(narrate.build, name, no)
    again = episode()
    assert again.unchanged
    assert again.changes.lines() == [f"no changes since the last build ({again.changes.previous_built})"]
    assert snapshot(folder) == files  # not one file touched


def test_a_touched_output_is_written_again(episode) -> None:  # type: ignore[no-untyped-def]
    first = episode()
    first.output.write_bytes(b"damaged")
    again = episode()
    assert not again.unchanged
    assert again.cost.encoded == ()  # every chapter's frames came from the cache
    assert again.output.read_bytes()[:3] == b"ID3"
    assert again.cost.rewritten == ("story.mp3", "story.manifest.json")


def test_renaming_a_chapter_retags_without_encoding(episode) -> None:  # type: ignore[no-untyped-def]
    episode()
    again = episode("# Kunming", "# By bus to Kunming")
    assert again.changes.lines()[1:] == ["  chapter 2 'By bus to Kunming': renamed from 'Kunming'"]
    assert again.stats.synthesised == 1  # the spoken title
    assert 2 in again.cost.analysed
    chaps = sorted(ID3(again.output).getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps][1] == "By bus to Kunming"


def test_settings_and_moves_are_reported(episode) -> None:  # type: ignore[no-untyped-def]
    episode()
    text = episode.script.read_text(encoding="utf-8")
    mekong = text[text.index("# The Mekong") : text.index("# Bangkok")]
    kunming = text[text.index("# Kunming") : text.index("# The Mekong")]
    text = text.replace(kunming + mekong, mekong + kunming).replace("title: Test Episode\n", "title: Test Episode\nmix:\n  bed_level: -18\n")
    episode.script.write_text(text, encoding="utf-8")
    again = episode()
    lines = again.changes.lines()
    assert lines[1] == "  setting mix.bed_level: -20.0 -> -18.0"
    assert "  chapter 2 'The Mekong': moved from position 3" in lines
    assert not any("Kunming" in line for line in lines)  # one move explains the new order
    assert again.stats.synthesised == 0  # every sentence, titles too, is already in the cache


def test_the_build_record_lists_every_sentence_and_reproduces_the_episode(tmp_path: Path, tone_engines: Engines) -> None:
    import json

    script = write_script(tmp_path, BODY)
    first = build(str(script), str(tmp_path / "a"), tmp_path / "cache-a", tone_engines)
    record = json.loads(first.manifest.read_text(encoding="utf-8"))
    sentences = record["sentences"]
    assert [(s["chapter"], s["start_ms"], s["end_ms"]) for s in sentences] == [
        (t.chapter, t.start_ms, t.end_ms) for t in first.timeline.sentences]
    boat = next(s for s in sentences if s["text"] == "The boat left at two.")
    assert boat == {
        "chapter": 3, "line": line_of(script, "The boat left at two."), "role": "text", "speaker": None,
        "text": "The boat left at two.", "spoken": "The boat left at two.", "engine": "tone", "voice": "tone",
        "model": "tone-v1", "settings": {"speed": 1.0}, "key": boat["key"],
        "start_ms": boat["start_ms"], "end_ms": boat["end_ms"],
    }
    assert (tmp_path / "cache-a" / "speech" / boat["key"][:2] / f"{boat['key']}.wav").is_file()
    assert record["engines"] == [{"engine": "tone", "voice": "tone", "version": "tone 1"}]
    assert record["ffmpeg"].startswith("ffmpeg version ")
    assert record["loudness"]["measured"]["integrated_lufs"] == pytest.approx(-16, abs=0.5)
    assert record["files"]["story.mp3"]["bytes"] == first.output.stat().st_size
    # the same script, sounds and versions, built elsewhere from nothing: the very same bytes
    second = build(str(script), str(tmp_path / "b"), tmp_path / "cache-b", tone_engines)
    assert second.output.read_bytes() == first.output.read_bytes()
    assert json.loads(second.manifest.read_text())["sentences"] == sentences
