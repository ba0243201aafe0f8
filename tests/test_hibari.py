"""The hibari engine: heart, the default English narrator, offline; its noise seeded by each sentence; its file
checked; what it cannot say reported with its line."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from narrate.build import build
from narrate.engines import Engines
from narrate.engines.hibari import HibariEngine
from narrate.errors import NarrateError
from narrate.options import BuildOptions
from narrate.plan import plan_episode
from narrate.script import VoiceSettings, parse_script

from conftest import run_cli

HEART_SHA256 = "5f70741d4e900f4e85d0037498736cc1b3e1b9a63a13546a5da1e63abf4fccd8"  # hibari-tts 0.2.x's hibari.onnx


@pytest.fixture(scope="module")
def hibari() -> HibariEngine:
    return HibariEngine()


def heart(hibari: HibariEngine, speed: float = 1.0):  # type: ignore[no-untyped-def]
    return hibari.resolve(VoiceSettings(engine="hibari", model="heart", speed=speed), Path("."))


def test_heart_is_the_file_in_hibaris_wheel_and_resolves_offline(hibari: HibariEngine) -> None:
    voice = heart(hibari)
    assert hashlib.sha256(Path(voice.model or "").read_bytes()).hexdigest() == HEART_SHA256
    assert (voice.engine, voice.model_id, voice.label, voice.setting("language")) == (
        "hibari", HEART_SHA256, "heart (hibari, en-US)", "en-US")


def test_an_english_script_with_no_voice_is_narrated_by_heart_and_british_by_a_british_natural_voice() -> None:
    def narrator(front: str) -> tuple[str, str]:
        script = parse_script(f"---\ntitle: T\n{front}---\n# One\nHi.\n", "s.md")
        voice = plan_episode(script, Engines()).chapters[0].items[1].voice
        return voice.engine, voice.label

    assert narrator("") == ("hibari", "heart (hibari, en-US)")
    assert narrator("language: en-US\n") == ("hibari", "heart (hibari, en-US)")
    assert narrator("language: en-GB\n") == ("kokoro", "bf_emma (Kokoro, en-GB)")
    assert narrator("voice: joe\n") == ("piper", "joe (bundled)")


SPEAK = """
import hashlib, sys
from pathlib import Path
from narrate.engines.hibari import HibariEngine
from narrate.script import VoiceSettings
engine = HibariEngine()
voice = engine.resolve(VoiceSettings(engine="hibari", model="heart"), Path("."))
texts = ["They crossed at night.", "Nobody spoke on the bus."]
order = texts if sys.argv[1] == "forward" else texts[::-1] * 2
said = {t: engine.synthesize(t, voice) for t in order}
print(" ".join(f"{said[t].rate}:{len(said[t].samples)}:{hashlib.sha256(said[t].samples.tobytes()).hexdigest()}"
               for t in texts))
"""


def test_a_sentence_sounds_the_same_in_any_process_and_order() -> None:
    """hibari draws fresh noise for every call unless it is seeded: spoken twice in one process, or in another
    order, a sentence would differ. Seeded by the sentence, every run gives the same samples."""
    runs = {subprocess.run([sys.executable, "-c", SPEAK, order], capture_output=True, text=True, check=True).stdout
            for order in ("forward", "backward")}
    assert len(runs) == 1
    clips = runs.pop().split()
    assert len(clips) == 2 and all(c.startswith("24000:") and int(c.split(":")[1]) > 24000 for c in clips)


def test_the_noise_differs_from_sentence_to_sentence(hibari: HibariEngine) -> None:
    """The seed comes from what is said: the same words at another speed, or other words, draw other noise."""
    from narrate.engines.hibari import seed_of

    assert not np.array_equal(seed_of(HEART_SHA256, 1.0, "a"), seed_of(HEART_SHA256, 1.0, "b"))
    assert not np.array_equal(seed_of(HEART_SHA256, 1.0, "a"), seed_of(HEART_SHA256, 0.9, "a"))


def test_speed_and_the_reading_rate_change_the_length(hibari: HibariEngine) -> None:
    text = "The bus left the city before dawn, and nobody on it said a word for an hour."
    plain = len(hibari.synthesize(text, heart(hibari)).samples)
    slow = len(hibari.synthesize(text, heart(hibari, 0.8)).samples)
    assert 1.15 < slow / plain < 1.35  # durations are divided by the speed (the pauses at the ends stay)


def test_phonemes_in_brackets_are_said_as_written_and_checked(hibari: HibariEngine) -> None:
    assert hibari.phonemes("We reached [[hjˈʌsɐn]] at dawn.", heart(hibari)) == "wˌi ɹˈiʧt hjˈʌsɐn æt dˈɔn."
    script = parse_script("---\ntitle: T\n---\n# One\nWe reached [[hj☃ʌsɐn]].\n", "s.md")
    with pytest.raises(NarrateError) as err:
        plan_episode(script, Engines())
    assert err.value.format_message() == (
        "s.md:5: phonemes [[hj☃ʌsɐn]] use symbols the hibari voice heart (hibari, en-US) does not know: "
        "'☃' (U+2603); use the voice's own IPA, as 'narrate check --say' shows it for a word that sounds alike")


def test_a_very_long_sentence_is_said_in_pieces_without_loss(hibari: HibariEngine) -> None:
    text = ", ".join(["the road went on through the hills and the rain"] * 30) + "."
    assert len(hibari.phonemes(text, heart(hibari))) > 1000
    clip = hibari.synthesize(text, heart(hibari))
    once = hibari.synthesize("the road went on through the hills and the rain.", heart(hibari))
    assert 20 < len(clip.samples) / len(once.samples) < 40


def test_a_sentence_heart_cannot_say_is_reported_with_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: T\n---\n# One\nThey left.\n\nⅻ ⁂ ⸘\n", encoding="utf-8")
    code, out, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"))
    assert (code, out) == (1, "")
    assert err == (f"{script}:7: chapter 1 'One': hibari says nothing for 'ⅻ ⁂ ⸘': it has no sound for these characters; write "
                   "them in words, or give them a pronunciation\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("damage, said", [
    (lambda p: p.write_bytes(p.read_bytes()[: 1 << 20]), "has a damaged model"),
    (lambda p: p.write_text("<!DOCTYPE html><html><body>Not found</body></html>"), "has a damaged model"),
    (lambda p: p.unlink(), "is missing its model"),
])
def test_a_damaged_or_missing_heart_model_is_one_line_before_any_audio(  # type: ignore[no-untyped-def]
        tmp_path: Path, monkeypatch, damage, said: str) -> None:
    import narrate.engines.hibari as module

    copy = tmp_path / "hibari.onnx"
    shutil.copyfile(module.voice_file("heart"), copy)
    damage(copy)
    monkeypatch.setattr(module, "voice_file", lambda name: copy)
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: T\n---\n# One\nThey left.\n", encoding="utf-8")
    code, out, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"))
    assert (code, out) == (1, "")
    assert err == (f"{script}:1: hibari voice 'heart' {said} {copy}"
                   + (" (it is not the file hibari-tts 0.2.1 lists)" if "damaged" in said else "")
                   + ": reinstall hibari-tts ('pip install --force-reinstall hibari-tts')\n")
    assert not (tmp_path / "out").exists() and not (tmp_path / "c").exists()


def test_voices_hibari_would_download_are_not_offered(  # type: ignore[no-untyped-def]
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HIBARI_HOME", str(tmp_path / "hibari"))
    code, out, err = run_cli("voices", "--language", "en-US")
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        "engine  voice           language  accent    gender  CPU s/s",
        "hibari  heart           en-US     American  female  0.007    Kokoro's af_heart, distilled"]
    assert not any(line.split()[1] in ("emma", "fable", "fenrir", "kore") for line in out.splitlines()[1:])
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: T\nvoice: emma\n---\n# One\nThey left.\n", encoding="utf-8")
    code, out, err = run_cli("check", str(script))
    assert code == 1
    assert err == (f"{script}:3: hibari voice 'emma' is not on this machine: hibari-tts downloads it at first "
                   f"use, and narrate never downloads; put bf_emma.int8.onnx in {tmp_path / 'hibari'} (or HIBARI_HOME),"
                   " or choose one of heart\n")
    (tmp_path / "hibari").mkdir()  # a file that is not hibari's: listed, since it is here, and refused
    (tmp_path / "hibari" / "bf_emma.int8.onnx").write_text("<html>Not Found</html>", encoding="utf-8")
    assert "emma" in run_cli("voices", "--language", "en-GB")[1]
    assert run_cli("check", str(script))[2] == (
        f"{script}:3: hibari voice 'emma' has a damaged model {tmp_path / 'hibari' / 'bf_emma.int8.onnx'} (it is "
        "not the file hibari-tts 0.2.1 lists): put hibari's bf_emma.int8.onnx there again\n")


def test_the_cast_never_gives_a_voice_that_sounds_like_heart_and_check_warns_of_one(tmp_path: Path) -> None:
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: T\nspeakers:\n  Ana:\n  Bo:\n  Cy:\n  Di: {name: af_heart}\n---\n# One\n"
                      "> **Ana:** Hello.\n\n> **Bo:** Hi.\n\n> **Cy:** Yes.\n\n> **Di:** No.\n", encoding="utf-8")
    plan = plan_episode(parse_script(script.read_text(encoding="utf-8"), str(script)), Engines())
    cast = {s.name: s.voice.model for s in plan.meta.speakers}
    assert cast["Di"] == "af_heart" and "af_heart" not in [cast[n] for n in ("Ana", "Bo", "Cy")]
    code, out, err = run_cli("check", str(script))
    assert code == 0
    assert (f"warning: {script}:7: Di would sound like the narrator: af_heart and heart are made from the same "
            "voice: give one of them a voice of its own ('narrate voices' lists them)") in out.splitlines()


def test_jobs_one_and_two_give_the_same_episode(tmp_path: Path) -> None:
    script = tmp_path / "s.md"
    script.write_text("---\ntitle: T\nmix: {intro: false}\n---\n# One\nThey left at night. The river was cold.\n\n"
                      "# Two\nThe bus took two days. Nobody spoke. Then they saw the border.\n", encoding="utf-8")
    built = []
    for jobs in (1, 2):
        result = build(str(script), BuildOptions(output=str(tmp_path / f"j{jobs}" / "s.mp3"), jobs=jobs,
                                                 cache_dir=tmp_path / f"cache{jobs}"), Engines())
        built.append(result.output.read_bytes())
    assert built[0] == built[1]


# --- when each word is said ----------------------------------------------------------------------------------------

TIMED = ["The bus climbed three hundred and ten metres before the rain, and nobody spoke until they reached "
         "the river at Tumen.",
         "At dawn the boat crossed the Mekong; the guide counted twelve people on the far bank, then turned back.",
         "Mr. O'Neil's well-known co-op opened at 10:30 a.m. on 3 March, and the queue ran past the station.",
         "She whispered [[hˈɛloʊ]] to the border guard, who looked at her papers for a long time."]


def test_each_word_is_timed_from_the_models_own_durations(hibari: HibariEngine) -> None:
    """The clip is the one synthesize makes; the words are those the voice was given, punctuation left out,
    one after another inside the clip."""
    clip, words = hibari.timed(TIMED[2], heart(hibari))
    assert np.array_equal(clip.samples, hibari.synthesize(TIMED[2], heart(hibari)).samples)
    assert [w.text for w in words] == ["Mr", "O'Neil's", "well-known", "co-op", "opened", "at", "ten", "thirty",
                                       "A.M.", "on", "the", "third", "of", "March", "and", "the", "queue", "ran",
                                       "past", "the", "station"]
    assert all(0 <= a.start < a.end <= b.start for a, b in zip(words, words[1:]))
    assert 0 < words[-1].end <= len(clip.samples) / clip.rate


def test_word_times_in_a_sentence_said_in_pieces_carry_on_across_the_pause(hibari: HibariEngine) -> None:
    text = " ".join(f"Stop {k} was the old market by the bridge, where the buses waited in the rain." for k in range(12))
    clip, words = hibari.timed(text, heart(hibari))
    assert len(words) == 12 * 16
    assert all(0 <= a.start < a.end <= b.start for a, b in zip(words, words[1:]))
    assert len(clip.samples) / clip.rate - 1.0 < words[-1].end <= len(clip.samples) / clip.rate


def test_word_times_agree_with_a_recogniser_that_is_not_narrate(hibari: HibariEngine) -> None:
    """Whisper tiny.en's word timestamps on the same audio: the starts and ends, matched word by word, are within
    100 ms of heart's own at the median."""
    import re

    import soxr

    from narrate.verify import load_recogniser

    model, gaps = load_recogniser(), []
    for text in TIMED:
        clip, words = hibari.timed(text, heart(hibari))
        segments, _ = model.transcribe(soxr.resample(clip.samples, clip.rate, 16000), language="en", beam_size=1,
                                       word_timestamps=True)
        heard = [(re.sub(r"[^a-z0-9]", "", w.word.lower()), w.start, w.end) for s in segments for w in s.words]
        at = 0
        for word in words:
            same = [k for k in range(at, min(at + 4, len(heard))) if heard[k][0] == re.sub(r"[^a-z0-9]", "",
                                                                                            word.text.lower())]
            if same:
                gaps += [abs(word.start - heard[same[0]][1]), abs(word.end - heard[same[0]][2])]
                at = same[0] + 1
    assert len(gaps) >= 2 * 40  # words both heard alike and found in order
    assert float(np.median(gaps)) < 0.100, sorted(gaps)
