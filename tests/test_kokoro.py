"""The Kokoro engine: its voices by name or file, their languages, what they say, and the same samples anywhere."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrate.engines import Engines
from narrate.engines.kokoro import KokoroEngine, describe, shipped, split_phonemes
from narrate.errors import NarrateError
from narrate.plan import plan_episode
from narrate.script import VoiceSettings, parse_script

from conftest import run_cli


@pytest.fixture(scope="module")
def kokoro() -> KokoroEngine:
    return KokoroEngine()


def plan_error(front: str, base: Path = Path("."), body: str = "Hi.") -> str:
    script = parse_script(f"---\ntitle: T\n{front}---\n# One\n{body}\n", str(base / "s.md"))
    with pytest.raises(NarrateError) as err:
        plan_episode(script, Engines())
    return err.value.format_message()


def test_shipped_voices_cover_both_accents_and_genders_and_each_language() -> None:
    voices = {name: describe(name) for name in shipped()}
    assert all(v is not None for v in voices.values())
    kinds = {(v.language, v.gender) for v in voices.values() if v}
    assert {("en-US", "female"), ("en-US", "male"), ("en-GB", "female"), ("en-GB", "male")} <= kinds
    assert {language for language, _ in kinds} == {"en-US", "en-GB", "es", "fr", "it", "pt-BR", "hi"}
    notice = (Path(__file__).resolve().parents[1] / "audio" / "voices" / "NOTICE").read_text(encoding="utf-8")
    assert all(name in notice for name in voices)


def test_a_voice_name_picks_its_engine() -> None:
    script = parse_script("---\ntitle: T\nvoice: bf_emma\nspeakers:\n  Ji: {name: am_michael, speed: 0.9}\n"
                          "  Ko: {speed: 1.1}\n---\n# One\nHi.\n", "s.md")
    assert (script.meta.voice.engine, script.meta.voice.model) == ("kokoro", "bf_emma")
    assert [(s.voice.engine, s.voice.model, s.voice.speed) for s in script.meta.speakers] == [
        ("kokoro", "am_michael", 0.9), ("kokoro", "bf_emma", 1.1)]
    plain = parse_script("---\ntitle: T\nspeakers:\n  Ji: {name: af_heart}\n---\n# One\nHi.\n", "s.md")
    assert (plain.meta.voice.engine, plain.meta.speakers[0].voice.engine) == ("hibari", "kokoro")


def test_voices_resolve_with_their_language(kokoro: KokoroEngine) -> None:
    emma = kokoro.resolve(VoiceSettings(engine="kokoro", model="bf_emma", speed=0.95), Path("."))
    assert (emma.label, emma.setting("language"), emma.setting("speed")) == ("bf_emma (Kokoro, en-GB)", "en-GB", 0.95)
    heart = kokoro.resolve(VoiceSettings(engine="kokoro", model="af_heart"), Path("."))
    assert heart.model_id != emma.model_id and heart.model_id.split("+")[0] == emma.model_id.split("+")[0]


def test_an_unknown_voice_name_says_which_it_may_be() -> None:
    assert plan_error("voice: bf_emmma\n") == (
        "s.md:3: unknown kokoro voice 'bf_emmma' (did you mean 'bf_emma'?): choose one of " + ", ".join(sorted(shipped()))
        + " ('narrate voices' lists them), or the path of a Kokoro .bin voice file")


@pytest.mark.parametrize("data, said", [
    (np.zeros((510, 128), dtype="<f4").tobytes(), "it holds 261,120 bytes, and a voice is 510 x 256 float32 (522,240 bytes)"),
    (b"not a voice", "it holds 11 bytes, and a voice is 510 x 256 float32 (522,240 bytes)"),
    (np.full((510, 256), np.nan, dtype="<f4").tobytes(), "it holds values that are not numbers"),
])
def test_a_voice_file_that_is_not_a_style_table(tmp_path: Path, data: bytes, said: str) -> None:
    (tmp_path / "mine.bin").write_bytes(data)
    assert plan_error("voice: mine.bin\n", tmp_path) == (
        f"{tmp_path}/s.md:3: kokoro voice mine.bin is not a Kokoro voice file: {said}")


def test_a_voice_file_by_path_and_a_language_narrate_cannot_phonemize(tmp_path: Path) -> None:
    table = np.fromfile(shipped()["af_heart"], dtype="<f4")
    (tmp_path / "voices").mkdir()
    table.tofile(tmp_path / "voices" / "my_voice.bin")
    table.tofile(tmp_path / "voices" / "jf_tomo.bin")
    script = parse_script("---\ntitle: T\nvoice: voices/my_voice.bin\n---\n# One\nHi.\n", str(tmp_path / "s.md"))
    voice = plan_episode(script, Engines()).chapters[0].items[1].voice
    assert (voice.engine, voice.setting("language"), voice.files) == (
        "kokoro", "en-US", (str(tmp_path / "voices" / "my_voice.bin"),))
    assert plan_error("voice: voices/jf_tomo.bin\n", tmp_path) == (
        f"{tmp_path}/s.md:3: kokoro voice voices/jf_tomo.bin speaks ja, which narrate cannot phonemize for it: "
        "choose a voice in English, Spanish, French, Italian, Portuguese or Hindi")
    assert plan_error("voice: voices/none.bin\n", tmp_path) == (
        f"{tmp_path}/s.md:3: kokoro voice file not found: voices/none.bin (looked for {tmp_path}/voices/none.bin)")


def test_what_each_language_is_phonemized_as(kokoro: KokoroEngine) -> None:
    def said(name: str, text: str) -> str:
        return kokoro.phonemes(text, kokoro.resolve(VoiceSettings(engine="kokoro", model=name), Path(".")))

    assert said("af_heart", "Hello there.") == "həlˈO ðˈɛɹ."  # misaki's American English (hibari's port)
    assert said("bf_emma", "Hello there.") == "həlˈQ ðˈɛː."  # and its British English
    assert said("ff_siwis", "Bonjour.") == "bɔ̃ʒˈuʁ."  # espeak-ng's French
    assert said("ef_dora", "Hola.") == "ˈola."
    assert said("af_heart", "We reached [[hjˈʌsɐn]] at dawn.") == "wˌi ɹˈiʧt hjˈʌsɐn æt dˈɔn."


def test_phoneme_symbols_are_kokoros_alphabet(kokoro: KokoroEngine) -> None:
    script = parse_script("---\ntitle: T\nvoice: af_heart\n---\n# One\nWe reached [[hj☃ʌsɐn]].\n", "s.md")
    with pytest.raises(NarrateError) as err:
        plan_episode(script, Engines())
    assert err.value.format_message() == (
        "s.md:6: phonemes [[hj☃ʌsɐn]] use symbols the kokoro voice af_heart (Kokoro, en-US) does not know: "
        "'☃' (U+2603); use the voice's own IPA, as 'narrate check --say' shows it for a word that sounds alike")


@given(st.lists(st.text(alphabet="abə ˈ.,", min_size=1, max_size=40), min_size=1, max_size=60), st.integers(8, 60))
def test_phonemes_are_cut_within_the_limit_and_nothing_is_lost(words: list[str], limit: int) -> None:
    phonemes = " ".join(words)
    pieces = split_phonemes(phonemes, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    assert "".join(phonemes.split()) == "".join("".join(pieces).split())


SPEAK = """
import hashlib, sys
from pathlib import Path
from narrate.engines.kokoro import KokoroEngine
from narrate.script import VoiceSettings
kokoro = KokoroEngine()
voice = kokoro.resolve(VoiceSettings(engine="kokoro", model="af_heart"), Path("."))
texts = ["They crossed.", "Nobody spoke."]
said = {t: kokoro.synthesize(t, voice) for t in (texts if sys.argv[1] == "forward" else texts[::-1])}
print(" ".join(f"{said[t].rate}:{len(said[t].samples)}:{hashlib.sha256(said[t].samples.tobytes()).hexdigest()}" for t in texts))
"""


def test_kokoro_says_a_sentence_the_same_in_any_process_and_order() -> None:
    runs = {subprocess.run([sys.executable, "-c", SPEAK, order], capture_output=True, text=True, check=True).stdout
            for order in ("forward", "backward")}
    assert len(runs) == 1
    clips = runs.pop().split()
    assert len(clips) == 2 and all(c.startswith("24000:") and int(c.split(":")[1]) > 12000 for c in clips)


def test_voices_lists_each_voice_and_a_sample_is_spoken(tmp_path: Path) -> None:
    code, out, err = run_cli("voices", "--language", "en-GB")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "engine  voice           language  accent   gender  CPU s/s",
        "kokoro  bf_emma         en-GB     British  female  0.49",
        "kokoro  bm_fable        en-GB     British  male    0.49",
        "kokoro  bm_george       en-GB     British  male    0.49",
        "pico    pico_en_gb      en-GB     British  female  0.02     robotic",
        "espeak  espeak_en_gb    en-GB     British  male    0.003    robotic",
        "espeak  espeak_en_gb_f  en-GB     British  female  0.003    robotic",
    ]
    code, out, err = run_cli("voices", "--sample", "ff_siwis", "-o", str(tmp_path / "siwis.wav"), "--no-play")
    assert (code, out, err) == (0, f"wrote {tmp_path / 'siwis.wav'}\n", "")
    with wave.open(str(tmp_path / "siwis.wav")) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (24000, 1) and wav.getnframes() > 24000 * 4
    assert run_cli("voices", "--sample", "ff_siwiss")[::2] == (
        1, "no voice called 'ff_siwiss' (did you mean 'ff_siwis'?): 'narrate voices' lists them\n")
    assert run_cli("voices", "--language", "zu")[::2] == (
        1, "no voice installed speaks 'zu': 'narrate voices' lists every one\n")


def test_english_words_are_timed_from_kokoros_own_durations_and_the_clip_is_unchanged(kokoro: KokoroEngine) -> None:
    """The edited model's clip is the model's own (the same samples as a session of the unedited model); the words
    are those the voice was given; Whisper tiny.en hears them within 100 ms of Kokoro's times at the median."""
    import re

    import soxr

    from narrate.engines.kokoro import model_bytes, one_thread_session
    from narrate.verify import load_recogniser

    text = "At dawn the boat crossed the Mekong, and the guide turned back."
    voice = kokoro.resolve(VoiceSettings(model="am_michael"), Path("."))
    clip, words = kokoro.timed(text, voice)
    original = KokoroEngine()
    original._session = one_thread_session(model_bytes(), str)  # the model as published, not edited
    assert np.array_equal(clip.samples, original.synthesize(text, voice).samples)
    assert [w.text for w in words] == ["At", "dawn", "the", "boat", "crossed", "the", "Mekong", "and", "the", "guide",
                                       "turned", "back"]
    assert all(0 <= a.start < a.end <= b.start for a, b in zip(words, words[1:]))
    segments, _ = load_recogniser().transcribe(soxr.resample(clip.samples, clip.rate, 16000), language="en",
                                               beam_size=1, word_timestamps=True)
    heard = [(re.sub(r"[^a-z]", "", w.word.lower()), w.start, w.end) for s in segments for w in s.words]
    assert [h[0] for h in heard] == [w.text.lower() for w in words]
    gaps = [abs(g) for w, h in zip(words, heard) for g in (w.start - h[1], w.end - h[2])]
    assert float(np.median(gaps)) < 0.100, gaps
    # another language's phonemes come a clause at a time: its words are spread by the build instead
    assert not kokoro.tells_word_times(kokoro.resolve(VoiceSettings(model="em_alex"), Path(".")))
