"""Streaming (narrate.stream): a long episode's chapters are mixed, analysed and encoded while later ones
are spoken, and the audio is the same as when nothing was streamed; the order sentences are spoken in; and
the progress line of a long build."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest

import narrate.master
import narrate.stream
from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.meter import measure_file
from narrate.plan import plan_episode
from narrate.script import parse_script
from narrate.stream import pinned_chapters
from narrate.synth import _in_order, _owners
from narrate.testing import ToneEngine, tone_engines

from conftest import FRONT, decode, write_script

WORDS = "the boat left the bank at dusk and nobody spoke until the far shore came".split()


def chapters(n: int, sentences: int = 4, words: int = 12) -> str:
    """``n`` chapters of distinct sentences."""
    out = []
    for c in range(n):
        said = [" ".join(WORDS[(c + s + k) % len(WORDS)] for k in range(words)).capitalize() + f" {c}{s}."
                for s in range(sentences)]
        out.append(f"# Leg {c + 1}\n\n" + " ".join(said) + "\n")
    return "\n".join(out)


# --- which chapters are pinned, and the order of synthesis --------------------------


def test_the_pins_come_from_the_first_chapters_with_enough_speech(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    plan = plan_episode(parse_script(FRONT + chapters(6), "s.md"), tone_engines())
    per_chapter = narrate.plan.speaking_seconds(s for s in plan.chapters[1].items if isinstance(s, narrate.plan.Speech))
    monkeypatch.setattr(narrate.stream, "PIN_SECONDS", per_chapter * 1.5)
    assert pinned_chapters(plan) == 2  # the first chapter also says the title and author
    monkeypatch.setattr(narrate.stream, "PIN_SECONDS", per_chapter * 3.5)
    assert pinned_chapters(plan) == 4  # and two chapters after them to stream
    monkeypatch.setattr(narrate.stream, "PIN_SECONDS", per_chapter * 4.5)
    assert pinned_chapters(plan) is None  # only one chapter after them: mastered whole
    monkeypatch.setattr(narrate.stream, "PIN_SECONDS", 600.0)
    assert pinned_chapters(plan) is None  # far too short


def test_sentences_are_spoken_the_first_chapters_together_then_a_chapter_at_a_time(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = FRONT + ("# One\n\nA short one. A much longer sentence than that.\n\n# Two\n\nTiny. A middling one.\n\n"
                    "# Three\n\nSmall. The longest sentence of them all, by far.\n\n# Four\n\nNo. Yes it is.\n")
    plan = plan_episode(parse_script(text, "s.md"), tone_engines())
    speeches, owner = plan.unique_speeches(), _owners(plan)
    monkeypatch.setattr(narrate.synth, "GROUP_SECONDS", 1e9)  # one group: longest first over the episode
    whole = [s.text for s in _in_order(plan, speeches, owner)]
    assert whole == sorted((s.text for s in speeches), key=len, reverse=True)
    first = narrate.plan.speaking_seconds(s for s in plan.chapters[0].items if isinstance(s, narrate.plan.Speech))
    for seconds in (0.1, first):  # the first chapter has enough: it and the next together, then one by one
        monkeypatch.setattr(narrate.synth, "GROUP_SECONDS", seconds)
        got = _in_order(plan, speeches, owner)
        groups = [[s.text for s in speeches if owner[s.key] in chapters] for chapters in ({0, 1}, {2}, {3})]
        assert [s.text for s in got] == [t for g in groups for t in sorted(g, key=len, reverse=True)]
        assert [owner[s.key] for s in got][:3] == [0, 0, 1]  # title and author first, then "A much longer…"
        rest = [owner[s.key] for s in got][len(groups[0]):]
        assert rest == sorted(rest) and set(rest) == {2, 3}  # chapter three's sentences, then four's
        assert got[len(groups[0])].text.startswith("The longest sentence")


# --- streaming ---------------------------------------------------------------------


@pytest.fixture
def pinned_early(monkeypatch):  # type: ignore[no-untyped-def]
    """Pins from the first chapter or two, and sentences spoken a chapter at a time, so a short script streams."""
    monkeypatch.setattr(narrate.stream, "PIN_SECONDS", 8.0)
    monkeypatch.setattr(narrate.synth, "GROUP_SECONDS", 1.0)


class WaitingEngine(ToneEngine):
    """Says the last chapter only once the MP3 pieces of two chapters are in the cache (or after 30 s): as a
    real voice would still be speaking while the first chapters are encoded."""

    def __init__(self, cache: Path, marker: str) -> None:
        super().__init__(seconds_per_char=0.02)
        self.cache, self.marker = cache, marker

    def synthesize(self, text, voice):  # type: ignore[no-untyped-def]
        if text.endswith(self.marker):
            for _ in range(300):
                if sum(p.is_file() for p in (self.cache / "mp3").rglob("*")) >= 2:
                    break
                time.sleep(0.1)
        return super().synthesize(text, voice)


def test_chapters_are_encoded_and_measured_while_later_ones_are_spoken(tmp_path: Path, pinned_early,
                                                                       monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The MP3's pieces are encoded as their chapters are spoken, and measured as they are made: the finished
    file gets no pass of its own, and what the meter read is what the file measures."""
    script = write_script(tmp_path, chapters(7))
    slow = tone_engines(WaitingEngine(tmp_path / "cache", " sixty."))

    def no_second_pass(*_: object, **__: object) -> None:
        raise AssertionError("the finished MP3 was measured again")

    monkeypatch.setattr(narrate.master, "measure_file", no_second_pass)
    result = build(str(script), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache", formats=("mp3",)), slow)
    # what was left for mastering when synthesis ended: the last chapters, not the first
    assert 1 not in result.cost.encoded and 2 not in result.cost.encoded
    assert 7 in result.cost.encoded
    # yet every chapter was mixed and measured by this build, the first ones while later ones were spoken
    assert result.cost.analysed == (1, 2, 3, 4, 5, 6, 7)
    got, whole = result.loudness.measured, measure_file(str(result.output))
    assert abs(got.integrated_lufs + 16) <= 0.5
    assert abs(got.integrated_lufs - whole.integrated_lufs) <= 0.05
    assert abs(got.true_peak_dbtp - whole.true_peak_dbtp) <= 0.05
    assert abs(got.loudness_range_lu - whole.loudness_range_lu) <= 0.3


def test_streaming_does_not_change_a_sample(tmp_path: Path, pinned_early, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Streamed or not, the same MP3 frames; and the pins are kept only while the whole episode meets the
    target with them."""
    script = write_script(tmp_path, chapters(6))
    slow = WaitingEngine(tmp_path / "c1", " fifty.")
    streamed = build(str(script), BuildOptions(output=str(tmp_path / "a"), cache_dir=tmp_path / "c1", formats=("mp3",)), tone_engines(slow))
    assert 1 not in streamed.cost.encoded
    monkeypatch.setattr(narrate.stream.Streamer, "_advance", lambda self, n: None)  # nothing done early
    plain = build(str(script), BuildOptions(output=str(tmp_path / "b"), cache_dir=tmp_path / "c2", formats=("mp3",)), tone_engines(ToneEngine(seconds_per_char=0.02)))
    assert plain.cost.encoded == (1, 2, 3, 4, 5, 6)
    assert streamed.loudness.gain_db == plain.loudness.gain_db
    a, b = decode(streamed.output), decode(plain.output)
    assert len(a) > 0 and np.array_equal(a, b)


def test_a_short_episode_is_mastered_whole(tmp_path: Path) -> None:
    """Under PIN_SECONDS of speech there are no pins: the gain is solved for the whole episode."""
    script = write_script(tmp_path, chapters(3))
    result = build(str(script), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache", formats=("mp3",)), tone_engines())
    assert abs(result.loudness.measured.integrated_lufs + 16) <= 0.5


# --- progress ----------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_sentences_chapters_and_time_left() -> None:
    from narrate.report import Progress

    now = [0.0]
    screen = Terminal()
    bar = Progress(screen, lambda: now[0])
    for done in range(1, 11):
        now[0] += 1.5
        bar(done, 40)
    bar.chapters(2, 8)
    assert bar.line() == "Synthesising  10/40 sentences  2/8 chapters done  about 0:45 left"
    bar.close()
    assert screen.getvalue().endswith("about 0:45 left\n")
    assert "\r\x1b[K" in screen.getvalue()


def test_progress_time_left_follows_the_recent_pace() -> None:
    """A burst of cached sentences at the start drops out of the pace."""
    from narrate.report import Progress

    now = [0.0]
    bar = Progress(Terminal(), lambda: now[0])
    for done in range(1, 201):  # 200 from the cache at once
        bar(done, 1000)
    for done in range(201, 301):  # then one a second
        now[0] += 1.0
        bar(done, 1000)
    assert bar.seconds_left() == pytest.approx(700, rel=0.02)
    assert bar.line().endswith("about 11:40 left")


def test_progress_says_nothing_off_a_terminal() -> None:
    from narrate.report import Progress

    out = io.StringIO()
    bar = Progress(out)
    bar(3, 10)
    bar.chapters(1, 4)
    bar.close()
    assert out.getvalue() == ""


def test_progress_time_left_is_paced_by_the_text_spoken_longest_first() -> None:
    """Sentences are spoken longest first: paced by their count, the time left half way would be three times the truth."""
    from narrate.report import Progress

    lengths = list(range(200, 0, -2))  # 100 sentences, longest first, a hundredth of a second a character
    now = [0.0]
    bar = Progress(Terminal(), lambda: now[0])
    for done, n in enumerate(lengths[:50], start=1):
        now[0] += n / 100
        bar.work(sum(lengths[:done]), sum(lengths))
        bar(done, len(lengths))
    truth = sum(lengths[50:]) / 100
    assert bar.seconds_left() == pytest.approx(truth, rel=0.01)
    plain = Progress(Terminal(), lambda: now[0])  # the same pace, by count alone
    plain.recent.extend(bar.recent)
    plain.done, plain.total = bar.done, bar.total
    assert plain.seconds_left() == pytest.approx(truth * 3, rel=0.05)
