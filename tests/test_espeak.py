"""eSpeak NG (the voice of the languages neither Kokoro nor Pico speaks) and Pico: the same samples in any
process."""

from __future__ import annotations

import ctypes
import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from narrate.engines import Engines
from narrate.engines.espeak import EspeakEngine, bcp47
from narrate.errors import EngineError
from narrate.plan import plan_episode
from narrate.script import VoiceSettings, parse_script

from conftest import run_cli


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine()


def test_each_language_has_a_male_and_a_female_voice(espeak: EspeakEngine) -> None:
    voices = {(v.name, v.language, v.gender) for v in espeak.voices()}
    assert {("espeak_ko", "ko", "male"), ("espeak_ko_f", "ko", "female"), ("espeak_nl", "nl", "male"),
            ("espeak_pt_br", "pt-BR", "male"), ("espeak_en_gb_f", "en-GB", "female"), ("espeak_ru", "ru", "male"),
            ("espeak_fr", "fr", "male")} <= voices
    assert [bcp47(t) for t in ("pt-br", "fr-fr", "es-419", "ko")] == ["pt-BR", "fr", "es-419", "ko"]
    code, out, err = run_cli("voices")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].startswith("espeak  espeak_LANG and espeak_LANG_f: ")
    assert not any(line.startswith("espeak  espeak_ko") for line in out.splitlines())


def test_every_voice_listed_speaks(espeak: EspeakEngine) -> None:
    """Each of the 250-odd voices it lists says a word aloud: British English ('gmw/en', no file is named
    'en-gb') and France's French ('roa/fr') among them; a language whose dictionary is not installed (Faroese)
    would say nothing, and is not listed."""
    names = {v.name for v in espeak.voices()}
    assert {"espeak_en_gb", "espeak_en_gb_f", "espeak_fr", "espeak_fr_f"} <= names
    assert "espeak_fo" not in names
    quiet = []
    for name in sorted(names):
        voice = espeak.resolve(VoiceSettings(engine="espeak", model=name), Path("."))
        clip = espeak.synthesize("Hello, one two three.", voice)
        if len(clip.samples) < 0.5 * clip.rate or float(np.abs(clip.samples).max()) < 0.05:
            quiet.append(name)
    assert quiet == []


def test_a_sentence_is_said_the_same_every_time_and_in_any_process(espeak: EspeakEngine) -> None:
    """eSpeak's wave generator remembers the last utterance: without a fresh fork each time, the second
    saying of a sentence is a few samples longer than the first."""
    voice = espeak.resolve(VoiceSettings(engine="espeak", model="espeak_ko"), Path("."))
    said = [espeak.synthesize("안녕하세요. 서울에 갑니다.", voice) for _ in range(2)]
    other = espeak.resolve(VoiceSettings(engine="espeak", model="espeak_nl_f"), Path("."))
    espeak.synthesize("Goedemorgen.", other)
    said.append(espeak.synthesize("안녕하세요. 서울에 갑니다.", voice))
    digest = {hashlib.sha256(c.samples.tobytes()).hexdigest() for c in said}
    assert len(digest) == 1 and said[0].rate == 22050 and len(said[0].samples) > 22050
    code = ("from pathlib import Path; import hashlib; from narrate.engines.espeak import EspeakEngine; "
            "from narrate.script import VoiceSettings; e = EspeakEngine(); "
            "v = e.resolve(VoiceSettings(engine='espeak', model='espeak_ko'), Path('.')); "
            "print(hashlib.sha256(e.synthesize('안녕하세요. 서울에 갑니다.', v).samples.tobytes()).hexdigest())")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() \
        == digest.pop()


def test_pico_says_a_sentence_the_same_every_time_and_in_any_process() -> None:
    """Pico, forked for each sentence as eSpeak is: the same samples after another voice has spoken, and in a
    process of its own (a fresh interpreter, which loads the voice anew)."""
    _pico_the_same(after_heart=False)


def test_pico_says_a_sentence_the_same_after_heart_has_spoken_in_the_process() -> None:
    """Pico reads memory it never wrote: after hibari's phonemizer had used the heap of the process Pico's child
    is forked from, the same sentence came out with another length, and another each run."""
    _pico_the_same(after_heart=True)


_PICO = """
import hashlib, sys
from pathlib import Path
from narrate.engines.hibari import HibariEngine
from narrate.engines.pico import PicoEngine
from narrate.script import VoiceSettings
if sys.argv[1] == "after-heart":  # as a --jobs 1 build does, with heart narrating and a passage in German
    heart = HibariEngine()
    heart.phonemes("Hello there.", heart.resolve(VoiceSettings(engine="hibari", model="heart"), Path(".")))
pico = PicoEngine()
de = pico.resolve(VoiceSettings(engine="pico", model="pico_de"), Path("."))
said = [pico.synthesize("Guten Morgen. Wir fahren nach Seoul.", de)]
pico.synthesize("Bonjour.", pico.resolve(VoiceSettings(engine="pico", model="pico_fr"), Path(".")))
said.append(pico.synthesize("Guten Morgen. Wir fahren nach Seoul.", de))
print(len(said[0].samples) / said[0].rate, *(hashlib.sha256(c.samples.tobytes()).hexdigest() for c in said))
"""


def _pico_the_same(after_heart: bool) -> None:
    """Each run in an interpreter of its own, so nothing this test process did before can reach Pico."""
    def run(how: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", _PICO, how], capture_output=True, text=True, check=True)
        return done.stdout.split()

    seconds, first, again = run("after-heart" if after_heart else "plain")
    assert float(seconds) > 1 and first == again  # the same after another voice has spoken
    assert run("plain")[1] == first  # and in a process of its own


def test_a_female_voice_is_higher(espeak: EspeakEngine) -> None:
    def pitch(name: str) -> float:
        clip = espeak.synthesize("Dit is een lange zin om de toonhoogte te meten.",
                                 espeak.resolve(VoiceSettings(engine="espeak", model=name), Path(".")))
        frames = clip.samples[: len(clip.samples) // 2048 * 2048].reshape(-1, 2048)
        loud = frames[np.sqrt((frames ** 2).mean(axis=1)) > 0.02]
        lags = []
        for f in loud:  # each frame's fundamental by autocorrelation, 70 to 400 Hz
            ac = np.correlate(f, f, "full")[len(f) - 1:]
            lo, hi = clip.rate // 400, clip.rate // 70
            lags.append(lo + int(np.argmax(ac[lo:hi])))
        return clip.rate / float(np.median(lags))

    assert pitch("espeak_nl_f") > 1.4 * pitch("espeak_nl")


def test_a_language_only_espeak_speaks_is_read_by_it_and_a_speaker_by_the_other_voice() -> None:
    script = parse_script("---\ntitle: T\nlanguage: nl\nspeakers:\n  Anna:\n---\n# Een\nHallo.\n\n"
                          "> **Anna:** Dag.\n", "s.md")
    plan = plan_episode(script, Engines())
    assert (plan.meta.voice.model, plan.meta.speakers[0].voice.model) == ("espeak_nl", "espeak_nl_f")
    german = plan_episode(parse_script("---\ntitle: T\nlanguage: de\nspeakers:\n  Anna:\n---\n# Eins\nHallo.\n",
                                       "s.md"), Engines())
    assert (german.meta.voice.model, german.meta.speakers[0].voice.model) == ("pico_de", "espeak_de")


def test_an_unknown_espeak_voice_says_which_it_may_be(espeak: EspeakEngine) -> None:
    with pytest.raises(EngineError) as err:
        espeak.resolve(VoiceSettings(engine="espeak", model="espeak_pt_bt"), Path("."))
    assert err.value.message == ("unknown espeak voice 'espeak_pt_bt' (did you mean 'espeak_pt_br'?): "
                                 "'narrate voices --language CODE' lists a language's voices")


def test_a_forked_voice_that_fails_says_why_and_one_that_hangs_is_stopped() -> None:
    import time

    from narrate.engines.forked import in_fresh_child
    from narrate.errors import EngineError

    assert in_fresh_child(lambda: b"samples", "x could not speak") == b"samples"

    def broken() -> bytes:
        raise ValueError("no voice called 'xx'")

    with pytest.raises(EngineError) as err:
        in_fresh_child(broken, "espeak could not speak: 'Hi.'")
    assert err.value.message == "espeak could not speak: 'Hi.': ValueError: no voice called 'xx'"

    def stuck() -> bytes:
        time.sleep(60)
        return b""

    with pytest.raises(EngineError) as err:  # (had it not been stopped, it would have spoken, after a minute)
        in_fresh_child(stuck, "pico could not speak: 'Hi.'", limit=0.5)
    assert err.value.message == "pico could not speak: 'Hi.': it was still speaking after 0.5 s, and was stopped"

    def dies() -> bytes:
        import os
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
        return b""

    with pytest.raises(EngineError) as err:
        in_fresh_child(dies, "pico could not speak: 'Hi.'")
    assert err.value.message == "pico could not speak: 'Hi.': its process was killed by signal 9"


def test_espeaks_calls_are_declared_and_a_failing_one_is_a_message() -> None:
    """Each C call narrate makes has its types; a call that returns an error status (here a parameter eSpeak
    does not have) is an EngineError that names the call, never ignored."""
    from narrate.engines.espeak import _checked, _library
    from narrate.errors import EngineError

    lib = _library().lib
    assert lib.espeak_Synth.argtypes is not None and lib.espeak_SetParameter.restype is ctypes.c_int
    with pytest.raises(EngineError) as err:
        _checked("SetParameter", lib.espeak_SetParameter(999, 0, 0))
    assert err.value.message == ("eSpeak NG's espeak_SetParameter failed (status -1): reinstall espeakng-loader")
