"""What the voice will actually say: normalised text run through Piper's own phonemizer (espeak-ng)."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.engines import Engines
from narrate.script import VoiceSettings
from narrate.text import prepare

from conftest import run_cli


@pytest.fixture(scope="module")
def phonemes(piper_engines: Engines):  # type: ignore[no-untyped-def]
    engine = piper_engines.get("piper")
    voice = engine.resolve(VoiceSettings(engine="piper", model="joe"), Path("."))

    def of(written: str, lexicon: tuple[tuple[str, str], ...] = ()) -> str:
        return engine.phonemes(prepare(written, lexicon, "en"), voice)  # type: ignore[attr-defined]

    return of


@pytest.mark.parametrize("written, sounds, never", [
    ("They left at 7:30am.", "ˌeɪˈɛm", "ɐ ˈɛm"),  # 'ay em', not the article
    ("Back by 10 p.m.", "ˈɛm.", "ɐ ˈɛm"),
    ("Open 24/7.", "fˈɔːɹ sˈɛvən", "θs"),  # 'twenty-four seven', not 'sevenths'
    ("It cost €1.2m.", "mˈɪliən jˈʊ", "mˈiːɾɚz"),  # euros and millions, not metres
    ("Flight KE902.", "kˈeɪ ˈiː nˈaɪn", "kˈiː"),  # letters, then digits
    ("It was -5°C.", "mˈaɪnəs fˈaɪv", "sˈiː"),
    ("In the 80s.", "ˈeɪɾiz", "ˈeɪɾiz ˈɛs"),
])
def test_the_voice_says_what_the_normaliser_meant(phonemes, written: str, sounds: str, never: str) -> None:  # type: ignore[no-untyped-def]
    said = phonemes(written)
    assert sounds in said and never not in said, said


def test_phoneme_pronunciations_reach_the_voice_as_written(phonemes) -> None:  # type: ignore[no-untyped-def]
    assert "ˈlahas" in phonemes("From Lajas at 7am.", (("Lajas", "[[ˈlahas]]"),))


def test_check_say_prints_the_spoken_text_and_phonemes(tmp_path: Path, piper_engines: Engines) -> None:
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: T\nvoice: joe\npronunciations:\n  Lajas: '[[ˈlahas]]'\n---\n# One\nHi.\n",
                      encoding="utf-8")
    code, out, err = run_cli("check", str(script), "--say", "Lajas at 7:30am", engines=piper_engines)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == ["written:  Lajas at 7:30am", "spoken:   [[ˈlahas]] at seven thirty AM"]
    assert lines[2].startswith("phonemes: ˈlahas ˈæt sˈɛvən θˈɜːɾi") or lines[2].startswith("phonemes: ˈlahas æt")
    assert lines[2].endswith("(piper, joe (bundled))")
