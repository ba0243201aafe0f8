"""The command line: exact messages, exit codes, and nothing left behind on failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import narrate.encoding
from narrate.audio import Clip
from narrate.engines import Engines, ResolvedVoice
from narrate.script import VoiceSettings
from narrate.testing import tone_engines

from conftest import run_cli, write_script


@pytest.fixture(autouse=True)
def in_a_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NARRATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def run(*args: str, engines: Engines | None = None) -> tuple[int, str, str]:
    """The command, speaking with the tone engine."""
    return run_cli(*args, engines=engines or tone_engines())


class BrokenEngine:
    """An engine with a bug in it: an unexpected exception, not a NarrateError."""

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        return ResolvedVoice("hibari", "broken", (), label="broken")

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        raise RuntimeError("disk on fire")


def test_build_reports_output_duration_and_cache(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\nHello there.\n\n# Two\nGoodbye.\n")
    code, out, err = run("build", str(script), "-o", "ep/out.mp3")
    assert (code, err) == (0, "")
    assert out == (
        "built ep/out.mp3\n"
        "  0:22 long, 2 chapters\n"
        "  first build: 2 chapters, 8 sentences\n"
        "  synthesised 8 of 8 sentences, 0 from cache\n"
        "  remixed all 2 chapters; encoded 22 s of MP3 in all 2 chapters\n"
        "  rewrote 7 files (out.mp3, out.chapters.json, out.vtt, out.srt, out.transcript.json, out.html, "
        "out.manifest.json)\n"
        "  loudness -16.0 LUFS, true peak -6.6 dBTP (target -16 LUFS, at most -1 dBTP)\n"
        "  transcripts: out.vtt, out.srt, out.transcript.json; chapters: out.chapters.json\n"
        "  web page: ep/out.html\n"
        "  build record: ep/out.manifest.json\n"
        "no feed: set 'base_url' under 'podcast:' in the front matter, or give --base-url\n"
    )
    code, out, err = run("build", str(script), "-o", "ep")
    assert out.splitlines()[0] == "built ep/story/story.mp3"
    assert out.splitlines()[3] == "  synthesised 0 of 8 sentences, 8 from cache"


def test_build_default_output(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\nHello.\n")
    code, out, _ = run("build", str(script))
    assert code == 0 and out.startswith("built build/story/story.mp3\n")
    assert sorted(p.name for p in (tmp_path / "build" / "story").iterdir()) == [
        "index.html", "story.chapters.json", "story.manifest.json", "story.mp3",
        "story.srt", "story.transcript.json", "story.vtt",
    ]


def test_several_formats_and_a_feed(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\nHello.\n")
    code, out, err = run("build", str(script), "--format", "opus,mp3", "--base-url", "https://example.org/show")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "built build/story/story.opus (and story.mp3)"
    assert lines[7].startswith("  also measured: mp3 -16.")
    assert lines[-1] == "feed: build/feed.xml (1 episode, at https://example.org/show/feed.xml)"


BAD_OPTIONS = [
    (["--format", "mp3,wav"], "--format: unknown format 'wav' (known: mp3, m4b, opus, daisy, epub, walk)"),
    (["--format", "mp3,opsu"], "--format: unknown format 'opsu' (did you mean 'opus'?) (known: mp3, m4b, opus, daisy, epub, walk)"),
    (["--base-url", "example.org"], "--base-url: 'base_url' must be the http(s) address the output folder is served from, "
     "e.g. 'https://example.org/podcast/', not 'example.org'"),
]


@pytest.mark.parametrize("options, message", BAD_OPTIONS, ids=[" ".join(o) for o, _ in BAD_OPTIONS])
def test_bad_options_one_message(tmp_path: Path, options: list[str], message: str) -> None:
    script = write_script(tmp_path, "# One\nHello.\n")
    code, out, err = run("build", str(script), *options)
    assert (code, out, err) == (1, "", message + "\n")
    assert not (tmp_path / "build").exists()


def test_check_reports_chapters_and_names(tmp_path: Path) -> None:
    front = "---\ntitle: T\npronunciations:\n  Hyesan: Heh-sahn\n---\n"
    script = write_script(tmp_path, "# Over the river\nFrom Hyesan to Xiamen.\n\n# Bus\nThey met in Hekou. Then Xiamen again.\n", front)
    code, out, err = run("check", str(script))
    assert (code, err) == (0, "")
    assert out == (
        f"{script}: 2 chapters, 7 sentences, about 0:21 of narration\n"
        "   1  Over the river  line 6, 1 sentence\n"
        "   2  Bus             line 9, 2 sentences\n"
        "names not in 'pronunciations' that an English voice may say wrongly:\n"
        f"  {script}:7: Xiamen\n"
        f"  {script}:10: Hekou\n"
    )


BAD_BUILDS = [
    ("missing script", None, "{dir}/nope.md: no such file"),
    ("missing cover", "---\ntitle: T\ncover: art.jpg\n---\n# One\nHi.\n", "{script}:3: cover image not found: art.jpg (looked for {dir}/art.jpg)"),
    ("cover not an image", "---\ntitle: T\ncover: story.md\n---\n# One\nHi.\n", "{script}:3: cover image story.md is not a PNG or JPEG file"),
    ("missing sound file", "---\ntitle: T\n---\n# One\nambient: sounds/river.wav\n\nHi.\n", "{script}:5: sound file not found: sounds/river.wav (looked for {dir}/sounds/river.wav)"),
    ("unknown engine", "---\ntitle: T\nvoice:\n  engine: festival\n---\n# One\nHi.\n", "{script}:3: unknown engine 'festival': choose one of espeak, gtts, hibari, kokoro, pico, piper, tone"),
    ("empty chapter", "---\ntitle: T\n---\n# One\n<!-- todo -->\n", "{script}:4: chapter 'One' has no text to narrate"),
    ("impossible date", "---\ntitle: T\ndate: 2026-02-30\n---\n# One\nHi.\n", "{script}:3: 'date' 2026-02-30 is not a day of the calendar: February 2026 has 28 days"),
    ("unclosed phonemes", "---\ntitle: T\n---\n# One\nWe met in [[hjˈʌsɑn at dawn.\n", "{script}:5: '[[hjˈʌsɑn' opens phonemes with '[[' and they are never closed: end them with ']]' on the same line, e.g. [[ˈhjʌsɐn]]"),
    ("quotes nested too deep", "---\ntitle: T\n---\n# One\n" + ">" * 5000 + " Lost.\n", "{script}:5: quotes and lists are nested too deep here (more than 19 levels, a list counting two): Markdown drops the text inside; nest them less deeply"),
    ("missing chapter image", "---\ntitle: T\n---\n# One\nimg: pics/a.png\n\nHi.\n",
     "{script}:5: chapter image not found: pics/a.png (looked for {dir}/pics/a.png); give a file or an http(s) URL"),
]


@pytest.mark.parametrize("case, text, message", BAD_BUILDS, ids=[c[0] for c in BAD_BUILDS])
def test_bad_input_one_message_nothing_written(tmp_path: Path, case: str, text: str | None, message: str) -> None:
    script = tmp_path / ("nope.md" if text is None else "story.md")
    if text is not None:
        script.write_text(text, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run("build", str(script), "-o", str(tmp_path / "out" / "ep.mp3"))
    assert code == 1
    assert out == ""
    assert err == message.format(script=script, dir=tmp_path) + "\n"
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output, no output folder


def test_unreadable_script(tmp_path: Path) -> None:
    code, _, err = run("check", str(tmp_path))
    assert (code, err) == (1, f"{tmp_path}: is a directory, not a script file\n")


def test_unsupported_output_suffix(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\nHi.\n")
    code, _, err = run("build", str(script), "-o", "ep.wav")
    assert (code, err) == (1, "ep.wav: cannot write '.wav' files: name a folder, or a file ending in .mp3, .m4b, .opus\n")
    (tmp_path / "notes").write_text("mine", encoding="utf-8")  # an existing file with no suffix: not a folder
    code, _, err = run("build", str(script), "-o", str(tmp_path / "notes"))
    assert (code, err) == (1, f"{tmp_path / 'notes'}: is a file, not a folder: name a folder, or a file ending in "
                              ".mp3, .m4b, .opus\n")
    assert (tmp_path / "notes").read_text(encoding="utf-8") == "mine"


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    code, _, err = run("-v", "check", str(tmp_path / "nope.md"))
    assert code == 1
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith(f"{tmp_path}/nope.md: no such file\n")


def test_internal_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\nHi.\n")
    code, _, err = run("build", str(script), engines=Engines({"hibari": BrokenEngine()}))
    assert (code, err) == (1, "internal error: RuntimeError: disk on fire (run 'narrate -v ...' to see the traceback)\n")
    assert not (tmp_path / "build").exists()


def test_failure_during_encoding_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from narrate.errors import ExportError

    script = write_script(tmp_path, "# One\nHi.\n")
    out = tmp_path / "out" / "ep.mp3"
    real = narrate.encoding.encode_chunks

    def fail(chunks, rate, channels, targets):  # type: ignore[no-untyped-def]
        if all(t.path.stem == "probe" for t in targets):
            return real(chunks, rate, channels, targets)  # the loudness probe
        for t in targets:
            t.path.write_bytes(b"half a file")
        raise ExportError("ffmpeg could not write opus: simulated")

    monkeypatch.setattr(narrate.encoding, "encode_chunks", fail)  # a fault injected, not an engine swapped
    code, _, err = run("build", str(script), "-o", str(out), "--format", "mp3,m4b,opus")
    assert (code, err) == (1, "ffmpeg could not write opus: simulated\n")
    assert not out.parent.exists()


def test_failed_rebuild_keeps_the_previous_episode(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\nHi.\n")
    assert run("build", str(script), "-o", "ep.mp3")[0] == 0
    good = (tmp_path / "ep.mp3").read_bytes()
    script.write_text(script.read_text() + "\n# Two\n", encoding="utf-8")
    assert run("build", str(script), "-o", "ep.mp3")[0] == 1
    assert (tmp_path / "ep.mp3").read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cache", "ep.chapters.json", "ep.html", "ep.manifest.json", "ep.mp3", "ep.srt", "ep.transcript.json", "ep.vtt",
        "story.md",
    ]


@pytest.mark.parametrize("command", [[], ["build"], ["check"]])
def test_every_command_has_help(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0 and out.startswith("Usage: ")


def test_python_dash_m() -> None:
    out = subprocess.run([sys.executable, "-m", "narrate", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout == "narrate, version 0.1.0\n"


def test_check_names_words_a_voice_may_guess_at_on_their_own_lines(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# The gulf\nA launch ran to the cove, then past\nLajas and Bajo at Ninety-Seven.\n")
    code, out, _ = run("check", str(script))
    assert code == 0
    assert out.splitlines()[-3:] == [
        "names not in 'pronunciations' that an English voice may say wrongly:",
        f"  {script}:7: Lajas",
        f"  {script}:7: Bajo",
    ]


class InterruptedEngine(BrokenEngine):
    """Ctrl-C while the voice speaks."""

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        raise KeyboardInterrupt


def test_ctrl_c_exits_130_and_publishes_nothing(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\nHi.\n")
    code, _, err = run("build", str(script), engines=Engines({"hibari": InterruptedEngine()}))
    assert (code, err) == (130, "interrupted: nothing was published by this run\n")
    assert not (tmp_path / "build").exists()
