"""Inputs that could take a machine down or reach outside the project: long sentences, many chapters,
large or far-away files; and the exact message each bad input gets."""

from __future__ import annotations

import os
import struct
import subprocess
import wave
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.export.formats import chapter_limits
from narrate.export.mp3 import MAX_TOC_ENTRIES, tables_of_contents
from narrate.text import MAX_CHARS, MAX_WORDS, bounded_parts, prepare

from conftest import ffprobe, run_cli, write_script


def spoken(text: str) -> str:
    return prepare(text, [], "en")


# --- long sentences ---------------------------------------------------------------------------


def test_a_sentence_within_the_limit_is_one_part() -> None:
    sentence = " ".join(["word"] * MAX_WORDS) + "."
    assert bounded_parts(sentence, spoken) == [sentence]


def test_a_long_sentence_is_cut_at_its_strongest_breaks_first() -> None:
    clause = "we walked on past the fields and the farms and the quiet river in the dark"  # 16 words
    sentence = f"{clause}, {clause}; {clause}, {clause}."
    parts = bounded_parts(sentence, spoken, max_words=40)
    assert parts == [f"{clause}, {clause};", f"{clause}, {clause}."]
    parts = bounded_parts(sentence, spoken, max_words=20)
    assert parts == [f"{clause},", f"{clause};", f"{clause},", f"{clause}."]


def test_without_punctuation_a_sentence_is_cut_between_words_into_even_parts() -> None:
    sentence = " ".join(["walk"] * 130)
    parts = bounded_parts(sentence, spoken, max_words=50)
    assert [len(p.split()) for p in parts] == [33, 32, 33, 32]
    assert " ".join(parts) == sentence


def test_numbers_count_as_the_words_they_are_spoken_as() -> None:
    sentence = "They paid 1,234,567 dollars and 7,654,321 more and walked home"
    assert len(sentence.split()) < 20
    assert all(len(spoken(p).split()) <= 12 for p in bounded_parts(sentence, spoken, max_words=12))
    assert len(bounded_parts(sentence, spoken, max_words=12)) > 1


def test_phonemes_are_never_cut_and_a_word_without_spaces_is_cut_by_characters() -> None:
    sentence = "say " + " ".join(["[[həlˈoʊ wˈɜːld]]"] * 60)
    parts = bounded_parts(sentence, spoken)
    assert all(p.count("[[") == p.count("]]") for p in parts) and len(parts) > 1
    assert [len(p) for p in bounded_parts("x" * 1000, spoken)] == [250, 250, 250, 250]


@settings(max_examples=int(os.environ.get("NARRATE_EXAMPLES", "100")), deadline=None)
@given(st.lists(st.sampled_from(["river", "dark,", "walked;", "on", "1,200", "—", "(far)", "road:", "km", "we"]),
                min_size=1, max_size=400))
def test_every_part_is_within_the_limits_and_nothing_is_lost(words: list[str]) -> None:
    sentence = " ".join(words) + "."
    parts = bounded_parts(sentence, spoken)
    assert " ".join(parts) == sentence
    for part in parts:
        said = spoken(part)
        assert len(said.split()) <= MAX_WORDS and len(said) <= MAX_CHARS


def test_check_reports_long_sentences_and_the_build_says_them_in_parts(tmp_path: Path, tone_engines) -> None:  # type: ignore[no-untyped-def]
    long = " ".join(["we walked on through the night"] * 40)  # 240 words, no stop
    script = write_script(tmp_path, f"# One\n\nIt was dark.\n\n{long}.\n")
    code, out, err = run_cli("check", str(script), engines=tone_engines)
    assert (code, err) == (0, "")
    assert (f"sentences longer than the voice takes at once (about {MAX_WORDS} words) are read in parts, cut at "
            f"their clauses (else between words):\n  {script}:9: 240 words, in 8 parts\n") in out
    code, out, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"),
                             engines=tone_engines)
    assert code == 0, err
    said = tone_engines.get("piper").calls
    assert max(len(text.split()) for text in said) <= MAX_WORDS
    from narrate.check import check

    parts = [s for s in check(str(script), tone_engines).plan.speeches() if s.line == 9]
    assert [s.part for s in parts] == [(k, 8) for k in range(1, 9)]
    assert " ".join(s.source for s in parts) == long + "."  # every word, once, in order


# --- many chapters ----------------------------------------------------------------------------


def test_up_to_255_chapters_need_one_table_and_more_nest() -> None:
    flat = tables_of_contents([f"chp{n}" for n in range(1, 256)], list(range(1, 256)))
    assert [(t.element_id, len(t.child_element_ids)) for t in flat] == [("toc", 255)]
    nested = tables_of_contents([f"chp{n}" for n in range(1, 601)], list(range(1, 601)))
    assert [(t.element_id, len(t.child_element_ids), str(t.sub_frames["TIT2"])) for t in nested] == [
        ("toc", 3, "Chapters"), ("toc1-1", 200, "Chapters 1–200"), ("toc1-2", 200, "Chapters 201–400"),
        ("toc1-3", 200, "Chapters 401–600")]
    deep = tables_of_contents([f"c{n}" for n in range(70_000)], list(range(1, 70_001)))
    assert all(len(t.child_element_ids) <= MAX_TOC_ENTRIES for t in deep)
    assert deep[0].child_element_ids == ["toc2-1", "toc2-2"]


def test_300_chapters_are_read_by_ffprobe_mutagen_and_eyed3(tmp_path: Path) -> None:
    from mutagen.id3 import ID3, CTOCFlags

    from narrate.export.mp3 import build_tags
    from narrate.plan import ChapterPlan, Plan
    from narrate.script import ChapterSettings, Meta
    from narrate.timeline import ChapterTime, Timeline

    n = 300
    mp3 = tmp_path / "many.mp3"
    exe = __import__("narrate.audio", fromlist=["ffmpeg_exe"]).ffmpeg_exe()
    subprocess.run([exe, "-v", "error", "-f", "lavfi", "-t", "31", "-i", "anullsrc=r=44100:cl=mono",
                    "-c:a", "libmp3lame", "-b:a", "32k", str(mp3)], check=True)
    chapters = tuple(ChapterTime(k, f"Stop {k}", k, (k - 1) * 100, k * 100) for k in range(1, n + 1))
    plan = Plan("s.md", Meta(title="Many"), tuple(ChapterPlan(k, f"Stop {k}", k, ChapterSettings(), ())
                                                 for k in range(1, n + 1)))
    build_tags(plan, Timeline(n * 100, chapters, ()), None).save(str(mp3), v2_version=3, v1=0)
    tags = ID3(str(mp3))
    assert len(tags.getall("CHAP")) == n
    top = [t for t in tags.getall("CTOC") if t.flags & CTOCFlags.TOP_LEVEL]
    assert len(top) == 1 and len(top[0].child_element_ids) == 2
    import eyed3

    tag = eyed3.load(str(mp3)).tag
    assert len(list(tag.chapters)) == n
    assert sorted(len(t.child_ids) for t in tag.table_of_contents) == [2, 150, 150]
    exe = ffprobe()
    if exe:
        import json

        got = json.loads(subprocess.run([exe, "-v", "error", "-show_chapters", "-of", "json", str(mp3)],
                                        capture_output=True, text=True, check=True).stdout)["chapters"]
        assert [c["tags"]["title"] for c in got] == [f"Stop {k}" for k in range(1, n + 1)]


def test_formats_that_cannot_hold_the_chapters_are_named_before_any_audio_work(tmp_path: Path, tone_engines) -> None:  # type: ignore[no-untyped-def]
    assert chapter_limits(["mp3"], 5000) == ([], [])
    errors, warnings = chapter_limits(["mp3", "m4b"], 300)
    assert errors == [] and warnings == [
        "warning: 300 chapters: the m4b file has all of them in its QuickTime chapter track (Apple's players, "
        "ffmpeg), but its Nero chapter list, which some players read alone, holds only the first 255"]
    body = "".join(f"# Stop {k}\n\nOn.\n\n" for k in range(1, 1001))
    script = write_script(tmp_path, body, "---\ntitle: Many\nformats: [mp3, opus]\n---\n")
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert (code, err) == (1, f"{script}:3: 1000 chapters, but an opus file holds at most 999; build mp3 or m4b "
                              "instead, or join chapters\n")
    code, _, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), engines=tone_engines)
    assert code == 1 and tone_engines.get("piper").calls == [] and not (tmp_path / "out").exists()


# --- files outside the project, too large, or not what they say -------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _sound(path: Path, seconds: float, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(b"\x80" * int(seconds * rate))
    return path


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "home"])
def test_a_cover_outside_the_script_folder_is_refused_unless_allowed(
    tmp_path: Path, tone_engines, how: str, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.png").write_bytes(PNG)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("HOME", str(outside))
    named = {"absolute": str(outside / "secret.png"), "dotdot": "../elsewhere/secret.png", "symlink": "cover.png",
             "home": "~/secret.png"}[how]
    if how == "symlink":
        (project / "cover.png").symlink_to(outside / "secret.png")
    script = write_script(project, "# One\n\nHi.\n", f"---\ntitle: T\ncover: {named}\n---\n")
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert (code, err) == (1, f"{script}:3: cover image {named} is outside the script's folder (it is "
                              f"{outside / 'secret.png'}): move it beside the script, or allow its folder with "
                              f"--allow-path {outside}\n")
    code, out, err = run_cli("check", str(script), "--allow-path", str(outside), engines=tone_engines)
    assert (code, err) == (0, "")


def test_beds_cues_and_voices_outside_are_refused_too(tmp_path: Path, tone_engines) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _sound(outside / "bed.wav", 2)
    project = tmp_path / "project"
    project.mkdir()
    script = write_script(project, "# One\nambient: ../elsewhere/bed.wav\n\nHi.\n")
    code, _, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), engines=tone_engines)
    assert (code, err) == (1, f"{script}:6: sound file ../elsewhere/bed.wav is outside the script's folder (it is "
                              f"{outside / 'bed.wav'}): move it beside the script, or allow its folder with "
                              f"--allow-path {outside}\n")
    script = write_script(project, "# One\n\nHi.\n", "---\ntitle: T\nvoice: ../elsewhere/v.onnx\n---\n")
    (outside / "v.onnx").write_bytes(b"x")
    (outside / "v.onnx.json").write_text("{}")
    code, _, err = run_cli("check", str(script))  # the real Piper engine resolves the voice
    assert (code, err) == (1, f"{script}:3: voice file v.onnx is outside the script's folder (it is "
                              f"{outside / 'v.onnx'}): move it beside the script, or allow its folder with "
                              f"--allow-path {outside}\n")


def test_sizes_and_lengths_are_bounded_and_an_undecodable_sound_is_found_by_check(
    tmp_path: Path, tone_engines  # type: ignore[no-untyped-def]
) -> None:
    big = tmp_path / "big.png"
    with open(big, "wb") as fh:
        fh.write(PNG)
        fh.truncate(20_000_001)
    script = write_script(tmp_path, "# One\n\nHi.\n", "---\ntitle: T\ncover: big.png\n---\n")
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert (code, err) == (1, f"{script}:3: cover image big.png is 20.0 MB; narrate takes files up to 20 MB here: "
                              "make it smaller\n")
    _sound(tmp_path / "long.wav", 601)
    script = write_script(tmp_path, "# One\nambient: long.wav\n\nHi.\n")
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert (code, err) == (1, f"{script}:6: sound file long.wav lasts 10 minutes; beds and cues may last up to 10 "
                              "(a bed loops): cut it shorter\n")
    (tmp_path / "junk.wav").write_bytes(b"RIFF" + struct.pack("<I", 36) + b"WAVEjunkjunkjunk")
    script = write_script(tmp_path, "# One\nambient: junk.wav\n\nHi.\n")
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert (code, err) == (1, f"{script}:6: sound file junk.wav is not audio narrate can read (is it damaged?)\n")
    cut = _sound(tmp_path / "cut.wav", 3)
    cut.write_bytes(cut.read_bytes()[:44])  # the header says 3 s; the audio is gone
    script = write_script(tmp_path, "# One\nambient: cut.wav\n\nHi.\n")
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert code == 1 and err.startswith(f"{script}:6: ") and len(err.splitlines()) == 1


# --- the smaller defects ------------------------------------------------------------------------


def test_control_characters_unclosed_quotes_and_near_misses(tmp_path: Path, tone_engines) -> None:  # type: ignore[no-untyped-def]
    script = write_script(tmp_path, "# One\n\nHi \x07there.\n")
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert (code, err) == (1, f"{script}:7: a control character (U+0007) at column 4, which can be neither shown "
                              "nor spoken: remove it\n")
    script = write_script(tmp_path, "# One\n\nHi.\n", '---\ntitle: T\nauthor: "Kim\nlanguage: en\n---\n')
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert (code, err) == (1, f"{script}:3: invalid front matter: a quote is opened and never closed: close it on "
                              "the same line\n")
    script = write_script(tmp_path, "# One\nambiance: rain\n\nHi.\n")
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert code == 1 and "unknown chapter setting 'ambiance' (did you mean 'ambient'?)" in err


def test_a_script_too_large_to_be_a_book_is_refused_unread(tmp_path: Path, tone_engines) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "huge.md"
    with open(script, "wb") as fh:
        fh.write(b"---\ntitle: T\n---\n# One\n\n")
        fh.truncate(20_000_001)
    code, _, err = run_cli("check", str(script), engines=tone_engines)
    assert (code, err) == (1, f"{script}: the script is over 20 MB; narrate reads scripts up to that (a long book "
                              "is about 1 MB): split it, and build the parts as a series\n")
