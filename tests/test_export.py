"""Build real episodes with Piper, then read them back with independent readers and measure them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import eyed3
import numpy as np
import pytest
from mutagen.id3 import ID3

from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.engines import Engines
from narrate.plan import AFTER_TITLE

from conftest import decode, ffprobe, id3_frames, rms_db, write_script

FRONT = """\
---
title: Across the Water
author: Jane Writer
album: Journeys
description: A test crossing in three legs.
date: 2026-11-25
cover: cover.png
---
"""

# Chapter 2 has the longest title, so mutagen's size sort (issue #506) would move it.
BODY = """\
# Night
from: Hyesan
to: Changbai
travel: on foot

They waited by the water until it was dark.

# A much longer chapter title that makes a bigger frame
The bus ran all night. Nobody spoke.

# Dawn
They saw the other bank.
"""

PNG = (Path(__file__).resolve().parents[1] / "script" / "escape-route-cover.png").read_bytes()


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory, piper_engines: Engines) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("ep")
    (folder / "cover.png").write_bytes(PNG)
    script = write_script(folder, BODY, FRONT)
    result = build(str(script), BuildOptions(output=str(folder / "out.mp3"), cache_dir=folder / "cache"), piper_engines)
    return folder / "out.mp3", result


def test_chapter_frames_are_in_time_order_in_the_file(episode) -> None:
    path, result = episode
    frames = [fid for fid, _ in id3_frames(path)]
    chap_positions = [i for i, f in enumerate(frames) if f == "CHAP"]
    assert len(chap_positions) == 3
    assert frames.index("CTOC") < chap_positions[0]
    starts = [int.from_bytes(data[data.index(b"\0") + 1 :][:4], "big") for fid, data in id3_frames(path) if fid == "CHAP"]
    assert starts == sorted(starts) and starts[0] == 0


def test_tags_read_back_with_eyed3(episode) -> None:
    path, result = episode
    tag = eyed3.load(str(path)).tag
    assert tag.version == (2, 3, 0)
    assert (tag.title, tag.artist, tag.album, tag.genre.name) == ("Across the Water", "Jane Writer", "Journeys", "Podcast")
    assert str(tag.recording_date) == "2026-11-25"
    assert [c.text for c in tag.comments] == ["A test crossing in three legs."]
    assert tag.images[0].mime_type == "image/png" and tag.images[0].image_data == PNG
    (toc,) = list(tag.table_of_contents)
    assert toc.toplevel and toc.ordered
    assert toc.child_ids == [b"chp1", b"chp2", b"chp3"]
    chapters = [tag.chapters.get(cid) for cid in toc.child_ids]
    planned = result.timeline.chapters
    assert [c.title for c in chapters] == ["Night", "A much longer chapter title that makes a bigger frame", "Dawn"]
    assert [(c.times.start, c.times.end) for c in chapters] == [(p.start_ms, p.end_ms) for p in planned]
    assert all(c.offsets.start is None and c.offsets.end is None for c in chapters)  # 0xFFFFFFFF
    assert chapters[0].subtitle == "from Hyesan to Changbai, on foot"


def test_tags_read_back_with_mutagen(episode) -> None:
    path, result = episode
    tags = ID3(str(path))
    assert tags.version == (2, 3, 0)
    ctoc = tags.getall("CTOC")[0]
    assert ctoc.sub_frames["TIT2"].text == ["Chapters"]
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.start_offset for c in chaps] == [0xFFFFFFFF] * 3
    assert chaps[-1].end_time == result.timeline.duration_ms


def test_chapters_tile_the_decoded_audio(episode) -> None:
    path, result = episode
    audio = decode(path)
    tl = result.timeline
    assert abs(len(audio) / 44.1 - tl.duration_ms) < 1  # decoded length equals the plan, to the ms
    for prev, nxt in zip(tl.chapters, tl.chapters[1:]):
        assert prev.end_ms == nxt.start_ms


def test_chapter_markers_land_on_the_chime(episode) -> None:
    """Skipping to a chapter lands on its cue: silence before the marker, the chime within 60 ms after it."""
    path, result = episode
    audio = decode(path)
    per_ms = 44.1
    threshold = 10 ** (-40 / 20)
    for chapter in result.timeline.chapters:
        a = int(chapter.start_ms * per_ms)
        if chapter.number > 1:  # the previous chapter's tail is silent here (no bed in this script)
            assert rms_db(audio[a - int(300 * per_ms) : a]) < -60
        onset = int(np.flatnonzero(np.abs(audio[a:]) > threshold)[0]) / per_ms
        assert onset <= 60, f"chapter {chapter.number}: first sound {onset:.0f} ms after the marker"
        assert rms_db(audio[a + int(onset * per_ms) : a + int((onset + 300) * per_ms)]) > -30
        # The spoken title comes after the cue, where the timeline says.
        title = next(s for s in result.timeline.sentences if s.chapter == chapter.number and s.role == "title")
        assert title.start_ms - chapter.start_ms >= 1000
        assert rms_db(audio[int(title.start_ms * per_ms) : int((title.start_ms + 300) * per_ms)]) > -40
    # The announcement is followed by its gap before the text.
    first_text = next(s for s in result.timeline.sentences if s.role == "text")
    said_last = max(s.end_ms for s in result.timeline.sentences if s.role in ("title", "leg") and s.chapter == 1)
    assert first_text.start_ms - said_last == pytest.approx(AFTER_TITLE * 1000, abs=2)


def test_leg_details_are_announced(episode) -> None:
    _, result = episode
    said = [(s.chapter, s.role, s.spoken) for s in result.timeline.sentences if s.role in ("title", "leg")]
    assert said[:2] == [(1, "title", "Night."), (1, "leg", "Leg one of three: from Hyesan to Changbai, on foot.")]
    assert [c for c, role, _ in said if role == "leg"] == [1]  # only the leg with details gets one


def test_audio_has_headroom(episode) -> None:
    path, _ = episode
    audio = decode(path)
    assert np.max(np.abs(audio)) < 0.99  # no clipping after MP3 encoding


def test_ffprobe_reads_the_same_chapters(episode) -> None:
    exe = ffprobe()
    if exe is None:
        pytest.skip("ffprobe not installed (CI installs it)")
    path, result = episode
    out = subprocess.run(
        [exe, "-v", "error", "-show_chapters", "-of", "json", str(path)], capture_output=True, text=True, check=True
    )
    chapters = json.loads(out.stdout)["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [c.title for c in result.timeline.chapters]
    assert [(int(c["start"]), int(c["end"])) for c in chapters] == [
        (c.start_ms, c.end_ms) for c in result.timeline.chapters
    ]


def test_one_sentence_edit_resynthesises_exactly_one(tmp_path: Path, piper_engines: Engines) -> None:
    (tmp_path / "cover.png").write_bytes(PNG)
    script = write_script(tmp_path, BODY, FRONT)
    cache = tmp_path / "cache"
    first = build(str(script), BuildOptions(output=str(tmp_path / "a.mp3"), cache_dir=cache), piper_engines)
    assert first.stats.synthesised == first.stats.total == 12
    script.write_text(script.read_text().replace("Nobody spoke.", "Nobody said a word."))
    second = build(str(script), BuildOptions(output=str(tmp_path / "a.mp3"), cache_dir=cache), piper_engines)
    assert (second.stats.synthesised, second.stats.total) == (1, 12)
    assert second.stats.summary() == "synthesised 1 of 12 sentences, 11 from cache"
    third = build(str(script), BuildOptions(output=str(tmp_path / "a.mp3"), cache_dir=cache), piper_engines)
    assert third.stats.synthesised == 0
