"""The cast: each speaker given no voice gets one of its own, unlike the narrator's and the others', every build."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from narrate.casting import cast_speakers, shared_voices
from narrate.engines import Engines, VoiceInfo
from narrate.script import parse_script
from narrate.testing import tone_engines

from conftest import run_cli


class Catalogue:
    """An engine that only lists voices, as if installed."""

    def __init__(self, voices: list[VoiceInfo]) -> None:
        self._voices = voices

    def voices(self) -> list[VoiceInfo]:
        return self._voices


KOKORO = [VoiceInfo("kokoro", n, lang, g, 0.67) for n, lang, g in [
    ("af_heart", "en-US", "female"), ("af_bella", "en-US", "female"), ("am_michael", "en-US", "male"),
    ("am_fenrir", "en-US", "male"), ("bf_emma", "en-GB", "female"), ("bm_george", "en-GB", "male"),
    ("ff_siwis", "fr", "female")]]
HIBARI = Catalogue([VoiceInfo("hibari", "heart", "en-US", "female", 0.006, timbre="af_heart")])
ENGINES = Engines({"hibari": HIBARI, "piper": Catalogue([VoiceInfo("piper", "joe", "en-US", "male", 0.1)]),
                   "kokoro": Catalogue(KOKORO),
                   "gtts": Catalogue([VoiceInfo("gtts", "google", "(any)", "", 0.0)]), "pico": Catalogue([]),
                   "espeak": Catalogue([])})


def test_a_robotic_voice_is_cast_only_when_no_natural_one_is_free() -> None:
    pico = [VoiceInfo("pico", "pico_fr", "fr", "female", 0.02), VoiceInfo("pico", "pico_en_gb", "en-GB", "female", 0.02)]
    engines = Engines({"hibari": HIBARI, "piper": Catalogue([VoiceInfo("piper", "joe", "en-US", "male", 0.1)]),
                       "kokoro": Catalogue(KOKORO), "gtts": Catalogue([]), "pico": Catalogue(pico),
                       "espeak": Catalogue([])})
    # British English: bf_emma narrates (a natural British voice), so the speaker is a British man
    assert cast("language: en-GB\nspeakers:\n  A:\n", engines) == [("A", "kokoro", "bm_george", 1.0)]
    assert cast("language: fr\nspeakers:\n  A:\n", engines) == [("A", "pico", "pico_fr", 1.0)]


def cast(front: str, engines: Engines = ENGINES) -> list[tuple[str, str, str, float]]:
    meta = parse_script(f"---\ntitle: T\n{front}---\n# One\nHi.\n", "s.md").meta
    return [(s.name, s.voice.engine, s.voice.model, s.voice.speed) for s in cast_speakers(meta, engines).speakers]


def test_speakers_with_no_voice_are_cast_unlike_the_narrator_and_each_other() -> None:
    assert cast("speakers:\n  Host:\n  Ji: {speed: 0.9}\n  Ko:\n") == [
        ("Host", "kokoro", "am_michael", 1.0),  # the narrator (heart) is a woman: a man first, the best voice
        ("Ji", "kokoro", "af_bella", 0.9),  # a speed alone is not a voice; it is kept; never af_heart, heart's twin
        ("Ko", "kokoro", "am_fenrir", 1.0),
    ]
    assert cast("voice: joe\nspeakers:\n  Host:\n") == [("Host", "hibari", "heart", 1.0)]  # a man narrates


def test_the_narrators_accent_comes_first_and_given_voices_are_not_taken_again() -> None:
    # the narrator and B are a woman and a man: A is a woman (no British one is left), C a British man
    assert cast("voice: bf_emma\nspeakers:\n  A:\n  B: {name: am_michael}\n  C:\n  D:\n") == [
        ("A", "hibari", "heart", 1.0), ("B", "kokoro", "am_michael", 1.0), ("C", "kokoro", "bm_george", 1.0),
        ("D", "kokoro", "af_bella", 1.0)]  # not af_heart, which sounds like A


def test_the_cast_is_the_same_every_time_and_takes_only_the_scripts_language() -> None:
    front = "language: en-GB\nspeakers:\n  A:\n  B:\n  C:\n  D:\n  E:\n  F:\n  G:\n"
    first = cast(front)
    assert first == cast(front)
    english = {v.name for v in KOKORO if v.language.startswith("en")} | {"joe", "heart"}
    assert {model for _, _, model, _ in first[:6]} <= english - {"bf_emma", "af_heart"}  # bf_emma narrates
    assert len({model for _, _, model, _ in first[:6]}) == 6  # six English voices are free besides the narrator


def test_a_language_with_too_few_voices_shares_them_and_check_says_so(tmp_path: Path) -> None:
    meta = cast_speakers(parse_script("---\ntitle: T\nlanguage: fr\nvoice: ff_siwis\nspeakers:\n  Ana:\n"
                                      "  Ben: {speed: 0.9}\n---\n# Un\nSalut.\n", "s.md").meta, ENGINES)
    assert [(s.name, s.voice.model) for s in meta.speakers] == [("Ana", "ff_siwis"), ("Ben", "ff_siwis")]
    assert [(s.name, who, twin) for s, who, twin in shared_voices(meta, ENGINES)] == [
        ("Ana", "the narrator", ""), ("Ben", "the narrator", "")]
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: T\nspeakers:\n  Ana: {name: heart}\n---\n# One\n> **Ana:** Hello.\n",
                      encoding="utf-8")
    code, out, err = run_cli("check", str(script), engines=tone_engines())
    assert (code, err) == (0, "")
    assert out.splitlines()[2] == (f"warning: {script}:4: Ana speaks in the narrator's voice (heart): give one of "
                                   "them a voice of its own ('narrate voices' lists them)")


def test_two_cast_speakers_sound_apart() -> None:
    """Measured on what is spoken: each speaker's tone has its own pitch (the tone engine's cast)."""
    from narrate.plan import plan_episode

    engines = tone_engines()
    script = parse_script("---\ntitle: T\nspeakers:\n  A:\n  B:\n---\n# One\n> **A:** Over the river.\n\n"
                          "> **B:** Over the river.\n", "s.md")
    plan = plan_episode(script, engines)
    said = {s.speaker: engines.get(s.voice.engine).synthesize(s.text, s.voice) for s in plan.speeches() if s.speaker}

    def pitch(samples: np.ndarray, rate: int) -> float:
        spectrum = np.abs(np.fft.rfft(samples))
        return float(np.argmax(spectrum) * rate / len(samples))

    a, b = (pitch(said[k].samples, said[k].rate) for k in ("A", "B"))
    assert a > 1.5 * b
