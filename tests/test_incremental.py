"""Rebuilding after an edit: the change report, what is redone, what is reused, and that the joins are seamless.

The MP3 after an edit is made of frames from two builds; it is decoded and
checked against the earlier file (the reused chapters must decode to the very
same samples), against its planned length (to the sample), and for clicks at
every chapter join.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3

from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.engines import Engines
from narrate.testing import ToneEngine

from conftest import assert_no_clicks, crc16_arc, decode, write_script

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
        return build(str(script), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache", **options), tone_engines)

    run.script = script  # type: ignore[attr-defined]
    run.engines = tone_engines  # type: ignore[attr-defined]
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


def test_a_rebuild_with_nothing_changed_does_no_audio_work_and_writes_nothing(episode, tone, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first = episode()
    folder = first.output.parent
    files = snapshot(folder)
    # with the cache gone, any audio work would have to speak again, and would make a new cache
    shutil.rmtree(episode.script.parent / "cache")
    spoken = len(tone.calls)
    again = episode()
    assert len(tone.calls) == spoken and not (episode.script.parent / "cache").exists()
    assert again.unchanged
    assert again.changes.lines() == [f"no changes since the last build ({again.changes.previous_built})"]
    assert snapshot(folder) == files  # not one file touched
    # the same script, named by a relative path from its own folder, is the same input
    monkeypatch.chdir(episode.script.parent)
    relative = build(episode.script.name, BuildOptions(output=str(folder.parent), cache_dir=episode.script.parent / "cache"), episode.engines)
    assert relative.unchanged and snapshot(folder) == files


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
    first = build(str(script), BuildOptions(output=str(tmp_path / "a"), cache_dir=tmp_path / "cache-a"), tone_engines)
    record = json.loads(first.manifest.read_text(encoding="utf-8"))
    sentences = record["sentences"]
    assert [(s["chapter"], s["start_ms"], s["end_ms"]) for s in sentences] == [
        (t.chapter, t.start_ms, t.end_ms) for t in first.timeline.sentences]
    boat = next(s for s in sentences if s["text"] == "The boat left at two.")
    assert boat == {
        "chapter": 3, "line": line_of(script, "The boat left at two."), "role": "text", "speaker": None,
        "text": "The boat left at two.", "spoken": "The boat left at two.", "engine": "tone", "voice": "tone",
        "model": "tone-v1", "settings": {"speed": 1.0}, "key": boat["key"],
        "start_ms": boat["start_ms"], "end_ms": boat["end_ms"], "language": "", "words": boat["words"],
        "timed_by": "spread",
    }
    # the tone engine does not say when it says each word: they are spread over the sentence, in order
    assert [w["text"] for w in boat["words"]] == ["The", "boat", "left", "at", "two."]
    times = [t for w in boat["words"] for t in (w["start_ms"], w["end_ms"])]
    assert times == sorted(times) and boat["start_ms"] <= times[0] and times[-1] <= boat["end_ms"]
    assert (tmp_path / "cache-a" / "speech" / boat["key"][:2] / f"{boat['key']}.wav").is_file()
    assert record["engines"] == [{"engine": "tone", "voice": "tone", "version": "tone 1"}]
    assert record["ffmpeg"].startswith("ffmpeg version ")
    assert record["loudness"]["measured"]["integrated_lufs"] == pytest.approx(-16, abs=0.5)
    assert record["files"]["story.mp3"]["bytes"] == first.output.stat().st_size
    # the same script, sounds and versions, built elsewhere from nothing: the very same bytes
    second = build(str(script), BuildOptions(output=str(tmp_path / "b"), cache_dir=tmp_path / "cache-b"), tone_engines)
    assert second.output.read_bytes() == first.output.read_bytes()
    assert json.loads(second.manifest.read_text())["sentences"] == sentences


LONG = """\
# The crossing
ambient: river-night

{para}

# The road
ambient: bus

They slept on the floor of the bus, and nobody asked their names.
"""

SENTENCES = [
    "The water came up to their knees and then to their waists.",
    "A guide went first with a stick to feel for the holes.",
    "Behind him the others held on to each other's coats.",
    "On the far bank a dog barked once and was quiet again.",
    "They lay in the reeds until the patrol had passed by.",
    "Then they walked for an hour without speaking a word.",
    "The road was wet and the lights of the town were far off.",
    "At a farm they were given rice, tea and a place to sleep.",
    "Nobody there asked where they had come from, or why.",
    "In the morning a van came to take them to the next town.",
    "The driver played the radio loud all the way to the city.",
    "By noon the river was far behind them, out of sight.",
]


def lame_tag(path: Path) -> tuple[bytes, dict]:
    """The audio after the ID3 tag, its Xing/Info fields as mutagen reads them, and its LAME tag's fields
    read at their places in the LAME tag specification (mutagen only reads tags that say "LAME", and
    ffmpeg's says "Lavc")."""
    import io
    import struct

    from mutagen.mp3._util import XingHeader

    data = path.read_bytes()
    size = 0
    for b in data[6:10]:
        size = (size << 7) | b
    audio = data[10 + size :]
    assert audio[:2] == b"\xff\xfb", "an MPEG-1 layer III frame should follow the tag"
    tag = audio.find(b"Info")
    xing = XingHeader(io.BytesIO(audio[tag:]))
    lame = audio[tag + 120 : tag + 156]
    delay_padding = int.from_bytes(lame[21:24], "big")
    music_length, music_crc, header_crc = struct.unpack(">IHH", lame[28:36])
    return audio, {"frames": xing.frames, "bytes": xing.bytes, "toc": xing.toc, "encoder": lame[:9],
                   "delay": delay_padding >> 12, "padding": delay_padding & 0xFFF,
                   "music_length": music_length, "music_crc": music_crc, "header_crc": header_crc, "tag_at": tag}


def test_a_mid_chapter_edit_reencodes_from_its_piece_on_and_the_file_stays_whole(tmp_path: Path, tone: ToneEngine,
                                                                                 tone_engines: Engines) -> None:
    from narrate.encoding import PIECE_FRAMES

    script = write_script(tmp_path, LONG.format(para=" ".join(SENTENCES)))

    def run():  # type: ignore[no-untyped-def]
        return build(str(script), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache", formats=("mp3",)), tone_engines)

    first = run()
    piece = PIECE_FRAMES * 1152
    chapter_one = first.timeline.chapters[0]
    assert (chapter_one.end_ms - chapter_one.start_ms) * RATE / 1000 > 2.5 * piece  # at least three pieces
    before = decode(first.output)
    last = SENTENCES[-3]  # "...to the next town."
    script.write_text(script.read_text(encoding="utf-8").replace(last, last.replace("next town", "coast")),
                      encoding="utf-8")
    tone.calls.clear()
    again = run()
    assert tone.calls == [last.replace("next town", "coast")]
    assert again.cost.encoded == (1, 2)  # chapter 2: its first frames hold chapter 1's bed fading out
    edited = next(s for s in again.timeline.sentences if "coast" in s.text)
    first_piece = int(edited.start_ms * RATE / 1000) // piece  # the piece the edit falls in
    assert first_piece >= 2
    # chapter 1's MP3 was encoded again only from that piece on
    chapter_samples = round((again.timeline.chapters[0].end_ms) * RATE / 1000)
    chapter_two = again.timeline.chapters[1]
    assert again.cost.encoded_seconds == pytest.approx(  # and chapter 2 (one piece, as it is short)
        (chapter_samples - first_piece * piece) / RATE + (chapter_two.end_ms - chapter_two.start_ms) / 1000, abs=0.01)

    after = decode(again.output)
    # the pieces before the edit are the first build's frames: the very same samples
    keep = first_piece * piece - 2 * 1152
    assert np.array_equal(after[:keep], before[:keep])
    # no click at any piece join or chapter join
    joins = [k * piece * 1000 / RATE for k in range(1, chapter_samples // piece + 1)]
    assert_no_clicks(after, [round(ms) for ms in joins] + [c.start_ms for c in again.timeline.chapters[1:]])

    # the Info frame and LAME tag describe the joined file exactly (read by mutagen; CRCs by a reference)
    audio, tag = lame_tag(again.output)
    total_samples = len(after)
    assert tag["encoder"].startswith(b"Lavc") and tag["delay"] == 576
    assert tag["frames"] * 1152 - tag["delay"] - tag["padding"] == total_samples
    assert tag["bytes"] == tag["music_length"] == len(audio)
    info_end = audio.index(b"\xff\xfb", tag["tag_at"])
    assert tag["music_crc"] == crc16_arc(audio[info_end:])
    assert tag["header_crc"] == crc16_arc(audio[:190])
    assert tag["toc"] == sorted(tag["toc"]) and len(tag["toc"]) == 100


def test_the_mp3_made_beside_the_m4b_and_the_opus_is_the_mp3_made_alone(tmp_path: Path, tone_engines: Engines) -> None:
    """Built with every format, the MP3's pieces are encoded a few at a time beside the whole-file encoders;
    built alone, one chapter at a time: the same frames either way, byte for byte, and every piece there."""
    from narrate.encoding import PIECE_FRAMES

    script = write_script(tmp_path, LONG.format(para=" ".join(SENTENCES * 2)))
    alone = build(str(script), BuildOptions(output=str(tmp_path / "alone"), cache_dir=tmp_path / "cache-a",
                                            formats=("mp3",)), tone_engines)
    beside = build(str(script), BuildOptions(output=str(tmp_path / "beside"), cache_dir=tmp_path / "cache-b",
                                             formats=("mp3", "m4b", "opus")), tone_engines)
    pieces = sum(-(-(c.end_ms - c.start_ms) * RATE // 1000 // (PIECE_FRAMES * 1152)) for c in alone.timeline.chapters)
    assert pieces > 5  # more than one batch of them
    assert sorted(beside.outputs) == ["m4b", "mp3", "opus"]
    assert beside.outputs["mp3"].read_bytes() == alone.output.read_bytes()
    assert len(decode(beside.outputs["mp3"])) == len(decode(alone.output))
