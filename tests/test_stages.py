"""Unit tests of the pure parts of the stages: silences, change detection, the fingerprint, the build
record, and the gapless MP3 helpers. No audio is made here."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

import pytest

from narrate.upkeep import prune
from narrate.changes import compare
from narrate.errors import ExportError
from narrate.export.gapless import crc16, crc16_combine, frame_lengths
from narrate.files import PARTIAL, atomic_write, published
from narrate.plan import AFTER_TITLE, Cue, Silence, Speech, _merge_silences, plan_episode
from narrate.record import (
    RECORD_FORMAT, AudioFile, BuildRecord, ChapterRecord, EngineUse, FileRecord, Publish, SentenceRecord, Show,
    TranscriptFile, fingerprint,
)
from narrate.script import parse_script
from narrate.testing import tone_engines

from conftest import FRONT, crc16_arc, write_script

# --- silences ------------------------------------------------------------------


def test_adjacent_silences_merge_the_longest_wins() -> None:
    got = _merge_silences([Silence(0.35, 1), Silence(0.8, 2), Silence(0.5, 3)])
    assert got == [Silence(0.8, 2)]


def test_an_explicit_pause_replaces_the_automatic_gap_around_it() -> None:
    assert _merge_silences([Silence(0.8, 1), Silence(0.2, 2, explicit=True), Silence(1.0, 3)]) == [
        Silence(0.2, 2, explicit=True)]


def test_explicit_pauses_in_a_row_add_up() -> None:
    assert _merge_silences([Silence(1.0, 1, explicit=True), Silence(0.5, 2, explicit=True)]) == [
        Silence(1.5, 1, explicit=True)]


def test_silences_apart_stay_apart() -> None:
    cue = Cue("chime", 1)
    assert _merge_silences([Silence(0.1, 1), cue, Silence(0.2, 1)]) == [Silence(0.1, 1), cue, Silence(0.2, 1)]


def test_a_title_of_punctuation_keeps_its_chime(tmp_path: Path) -> None:
    script = parse_script(FRONT + "# ...\nThey waited.\n\n# Two\nThen they went.\n", "s.md")
    plan = plan_episode(script, tone_engines())
    first = plan.chapters[0].items
    assert Cue("chime", 5) in first
    # the chime is followed by the gap after a title, then the first sentence
    at = first.index(Cue("chime", 5))
    assert first[at + 1] == Silence(AFTER_TITLE, 5)
    assert isinstance(first[at + 2], Speech) and first[at + 2].text == "They waited."


def test_a_title_and_author_of_punctuation_leave_the_intro_sting_alone() -> None:
    script = parse_script("---\ntitle: '...'\n---\n# One\nHi.\n", "s.md")
    items = plan_episode(script, tone_engines()).chapters[0].items
    assert items[0] == Cue("intro", 1) and isinstance(items[1], Silence)


# --- change detection ------------------------------------------------------------


def sentence(chapter: int, line: int, text: str, key: str | None = None, role: str = "text") -> SentenceRecord:
    return SentenceRecord(chapter, line, role, None, text, text, "tone", "tone", "m", {}, key or text, 0, 0)


def chapter(number: int, title: str, **settings: object) -> ChapterRecord:
    return ChapterRecord(number, title, dict(settings), number * 10, 0, 0, "k")


def record(chapters: list[ChapterRecord], sentences: list[SentenceRecord], settings: dict | None = None) -> BuildRecord:
    fields = {f.name: None for f in dataclasses.fields(BuildRecord)}
    return BuildRecord(**{**fields, "chapters": tuple(chapters), "sentences": tuple(sentences),
                          "settings": settings or {}, "built": "2026-11-29T10:00:00+0000"})  # type: ignore[arg-type]


OLD = record([chapter(1, "One"), chapter(2, "Two")],
             [sentence(1, 11, "The river was low."), sentence(1, 12, "They crossed."), sentence(2, 21, "The bus left.")])


def test_the_first_build_lists_every_chapter_as_added() -> None:
    got = compare(None, OLD.chapters, OLD.sentences, {})
    assert got.first and [(c.number, c.status, c.total) for c in got.chapters] == [(1, "added", 2), (2, "added", 1)]


def test_nothing_changed() -> None:
    got = compare(OLD, OLD.chapters, OLD.sentences, OLD.settings)
    assert not got.changed and got.lines()[0] == "no changes since the last build (2026-11-29T10:00:00+0000)"


def test_one_sentence_edited_added_and_removed() -> None:
    new = [sentence(1, 11, "The river was high."), sentence(1, 12, "They crossed."), sentence(1, 13, "Dawn came."),
           sentence(2, 21, "The bus left.")]
    got = compare(OLD, OLD.chapters, new, {})
    changes = [(s.kind, s.line, s.text, s.old_text) for s in got.sentence_changes()]
    assert changes == [("edited", 11, "The river was high.", "The river was low."), ("added", 13, "Dawn came.", None)]
    assert [c.status for c in got.chapters] == ["changed", "same"]
    removed = compare(OLD, OLD.chapters, new[:1] + new[3:], {}).sentence_changes()
    assert [(s.kind, s.text) for s in removed] == [("edited", "The river was high."), ("removed", "They crossed.")]


def test_a_sentence_said_by_another_voice_is_revoiced() -> None:
    new = [sentence(1, 11, "The river was low.", key="other"), *OLD.sentences[1:]]
    assert [(s.kind, s.line) for s in compare(OLD, OLD.chapters, new, {}).sentence_changes()] == [("revoiced", 11)]


def test_chapters_renamed_moved_added_and_removed() -> None:
    renamed = [chapter(1, "The first"), chapter(2, "Two")]
    got = compare(OLD, renamed, OLD.sentences, {})
    assert (got.chapters[0].renamed_from, got.chapters[0].status) == ("One", "same")
    swapped = [chapter(1, "Two"), chapter(2, "One")]
    moved = [sentence(1, 11, "The bus left."), sentence(2, 21, "The river was low."), sentence(2, 22, "They crossed.")]
    got = compare(OLD, swapped, moved, {})
    assert [(c.number, c.moved_from) for c in got.chapters if c.moved_from] in ([(1, 2)], [(2, 1)])
    got = compare(OLD, [chapter(1, "One"), chapter(2, "Three")], [*OLD.sentences[:2], sentence(2, 21, "A ship.")], {})
    assert sorted((c.number, c.title, c.status) for c in got.chapters) == [
        (1, "One", "same"), (2, "Three", "added"), (2, "Two", "removed")]


def test_settings_changed_in_front_matter_and_chapter() -> None:
    old = record([chapter(1, "One", ambient="rain")], OLD.sentences[:2], {"mix.ducking": 10.0})
    got = compare(old, [chapter(1, "One", ambient="bus")], OLD.sentences[:2], {"mix.ducking": 6.0})
    assert got.settings == (("mix.ducking", 10.0, 6.0),)
    assert got.chapters[0].settings == (("ambient", "rain", "bus"),)


# --- the fingerprint and the build record ---------------------------------------------


def test_the_fingerprint_follows_every_input_and_ignores_how_the_path_is_spelled(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    script = write_script(tmp_path, "# One\nHello.\n")
    bed = tmp_path / "bed.wav"
    bed.write_bytes(b"one")
    engines = tone_engines()

    def of(path: str, choices: dict | None = None) -> str:
        plan = plan_episode(parse_script(Path(path).read_text(encoding="utf-8"), path), engines)
        return fingerprint(plan, choices or {"formats": ["mp3"]}, [bed])

    first = of(str(script))
    monkeypatch.chdir(tmp_path)
    assert of("story.md") == of(f"./{script.name}") == first
    assert of(str(script), {"formats": ["mp3", "opus"]}) != first
    bed.write_bytes(b"two")
    assert of(str(script)) != first
    bed.write_bytes(b"one")
    script.write_text(script.read_text() + "Goodbye.\n", encoding="utf-8")
    assert of(str(script)) != first


def test_the_build_record_reads_back_what_it_wrote() -> None:
    show = Show("Journeys", None, "A. Writer", "en", "History", False, None, "episodic")
    publish = Publish("Ep", "A. Writer", None, "en", "guid-1", 1, None, "index.html", None,
                      (AudioFile("mp3", "ep.mp3", "audio/mpeg", "MP3", 1234),), "ep.chapters.json",
                      (TranscriptFile("ep.vtt", "text/vtt"),), show, "Sun, 29 Nov 2026 00:00:00 +0000",
                      "2026-11-29T00:00:00+00:00")
    loudness = {"target_lufs": -16.0, "measured": {"integrated_lufs": -16.0}}
    full = dataclasses.replace(
        OLD, record_format=RECORD_FORMAT, narrate="0.1.0", ffmpeg="ffmpeg 7", engines=(EngineUse("tone", "tone", "1"),),
        script="s.md", script_sha256="ab", edition="full", inputs="cd", output="ep.mp3", duration_ms=60000,
        loudness=loudness, sounds={"chime": "ef"}, mastering={"gain_db": 3.2}, publish=publish,
        files={"ep.mp3": FileRecord(1234, "01", 99)})
    again = BuildRecord.from_json(full.to_json())
    assert again == full
    assert isinstance(again.sentences[0], SentenceRecord) and isinstance(again.publish.audio[0], AudioFile)
    assert BuildRecord.from_json(dataclasses.replace(full, record_format=1).to_json()) is None  # another layout
    assert BuildRecord.from_json(b"{not json") is None
    assert BuildRecord.from_json(b"[]") is None


# --- gapless MP3 helpers -------------------------------------------------------------


def frame(padding: int = 0, fill: int = 0) -> bytes:
    """An MPEG-1 layer III frame header (128 kbit/s, 44.1 kHz) and a body of the length it implies."""
    header = 0xFFFB9000 | (padding << 9) | 0x44
    length = 144 * 128000 // 44100 + padding
    return struct.pack(">I", header) + bytes([fill]) * (length - 4)


def test_frame_lengths_walk_the_headers() -> None:
    assert frame_lengths(frame() + frame(1) + frame()) == [417, 418, 417]
    assert frame_lengths(b"") == []


@pytest.mark.parametrize("data, message", [
    (frame()[:-1], "MP3 stream ends inside a frame"),
    (frame() + frame()[:3], "MP3 stream ends inside a frame header at byte 417"),
    (b"ID3" + bytes(500), "not an MPEG-1 layer III frame at byte 0"),
])
def test_frame_lengths_refuse_what_is_not_whole_frames(data: bytes, message: str) -> None:
    with pytest.raises(ExportError) as caught:
        frame_lengths(data)
    assert caught.value.message == message


@pytest.mark.parametrize("size", [0, 1, 9, 4095, 4096, 4097, 3 * 4096 + 17])
def test_crc16_is_crc16_arc(size: int) -> None:
    data = bytes((i * 7 + 3) % 251 for i in range(size))
    assert crc16(data) == crc16_arc(data)
    assert crc16(b"123456789") == 0xBB3D  # the catalogue's check value


def test_crc16_combine_joins_two_crcs() -> None:
    a, b = b"the first piece of frames", bytes(range(256)) * 3
    assert crc16_combine(crc16(a), crc16(b), len(b)) == crc16(a + b)
    assert crc16_combine(crc16(a), crc16(b""), 0) == crc16(a)


# --- files written whole -----------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "ep.mp3"
    atomic_write(target, b"old")
    with pytest.raises(RuntimeError), published(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"old" and sorted(p.name for p in target.parent.iterdir()) == ["ep.mp3"]
    with pytest.raises(RuntimeError), published(tmp_path / "new" / "x.mp3"):
        raise RuntimeError("killed")
    assert not (tmp_path / "new").exists()  # a folder made for the file goes with it


def test_prune_removes_what_a_killed_build_was_writing(tmp_path: Path) -> None:
    stray = tmp_path / "speech" / "ab" / f".abcd.k3j{PARTIAL}.wav"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half a sentence")
    prune(tmp_path, days=30)
    assert not stray.exists()
