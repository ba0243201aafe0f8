"""The voices installed, as 'narrate voices' lists them, and one sentence of a voice to hear it by."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from narrate.engines import Engines, VoiceInfo
from narrate.errors import NarrateError, did_you_mean
from narrate.files import published
from narrate.script.model import VoiceSettings

# what a sample says, by language: its name is said before it
SAMPLES = {
    "en": "This is {name}. We left at dawn, crossed the river at two, and reached the border by nightfall.",
    "es": "Esta es la voz {name}. Salimos al amanecer, cruzamos el río a las dos y llegamos a la frontera de noche.",
    "fr": "Voici la voix {name}. Nous sommes partis à l'aube, avons traversé la rivière à deux heures, "
          "et atteint la frontière à la nuit.",
    "it": "Questa è la voce {name}. Siamo partiti all'alba, abbiamo attraversato il fiume alle due "
          "e raggiunto il confine al tramonto.",
    "pt": "Esta é a voz {name}. Saímos ao amanhecer, atravessamos o rio às duas e chegamos à fronteira à noite.",
    "hi": "यह {name} की आवाज़ है। हम भोर में निकले और रात तक सीमा पर पहुँच गए।",
    "de": "Das ist die Stimme {name}. Wir brachen im Morgengrauen auf, überquerten um zwei den Fluss und erreichten "
          "bei Einbruch der Nacht die Grenze.",
    "nl": "Dit is de stem {name}. We vertrokken bij zonsopgang, staken om twee uur de rivier over en bereikten bij "
          "het vallen van de avond de grens.",
    "pl": "To jest głos {name}. Wyruszyliśmy o świcie, o drugiej przeprawiliśmy się przez rzekę, a o zmroku "
          "dotarliśmy do granicy.",
    "ru": "Это голос {name}. Мы вышли на рассвете, в два часа переправились через реку и к ночи добрались до границы.",
    "ko": "이것은 {name}의 목소리입니다. 우리는 새벽에 떠나 두 시에 강을 건넜고, 밤이 되어 국경에 도착했습니다.",
}
SPOKEN_NAMES = {"pico": "Pico", "espeak": "eSpeak"}  # how a robotic voice's sample names it


def installed(engines: Engines | None = None, language: str | None = None) -> list[VoiceInfo]:
    """Every voice installed, or those of one language ('fr', or 'en-GB' for British English alone)."""
    from narrate.casting import robotic

    found = sorted((engines or Engines()).catalogue(), key=robotic)  # natural voices, then Pico's, then eSpeak's
    if language:
        want = language.lower()
        found = [v for v in found if v.language.lower() == want or v.language.lower().split("-")[0] == want]
    return found


def find(name: str, engines: Engines) -> VoiceInfo:
    """The installed voice called ``name``; NarrateError naming the nearest if there is none."""
    voices = [v for v in engines.catalogue() if v.cost > 0]  # an online voice has no sample to make offline
    for voice in voices:
        if voice.name == name:
            return voice
    raise NarrateError(f"no voice called '{name}'{did_you_mean(name, [v.name for v in voices])}: "
                       "'narrate voices' lists them")


def sample(name: str, output: str | None = None, engines: Engines | None = None) -> Path:
    """Speak one sentence in the voice called ``name`` to a WAV file (default: build/voices/NAME.wav)."""
    import wave

    from narrate.audio import to_pcm16

    engines = engines or Engines()
    voice = find(name, engines)
    engine = engines.get(voice.engine)
    resolved = engine.resolve(VoiceSettings(engine=voice.engine, model=voice.name), Path("."))
    said = SPOKEN_NAMES.get(voice.engine) or name.split("_")[-1].title()
    text = SAMPLES.get(voice.language.split("-")[0].lower(), SAMPLES["en"]).format(name=said)
    clip = engine.synthesize(text, resolved)
    out = Path(output) if output else Path("build") / "voices" / f"{name}.wav"
    if out.suffix.lower() != ".wav":
        raise NarrateError("a sample is written as .wav", str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    with published(out) as tmp, wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(clip.rate)
        wav.writeframes(to_pcm16(np.asarray(clip.samples, dtype=np.float32)))
    return out
