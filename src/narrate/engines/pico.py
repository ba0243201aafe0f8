"""Pico: SVOX Pico (py-nanotts, Apache-2.0), one small robotic voice each in US and British English, German,
Spanish, French and Italian; the voice of the languages Kokoro lacks, German first.

Pico draws noise from a generator it never resets, so a sentence would sound different after other sentences. Each
sentence is therefore spoken in a child forked from a process in which Pico has not yet spoken: the same sentence
gives the same samples in any process, in any order, with any ``--jobs``.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np

from narrate.audio import Clip
from narrate.engines import ResolvedVoice, VoiceInfo
from narrate.engines.forked import in_fresh_child
from narrate.errors import EngineError, did_you_mean
from narrate.script.model import VoiceSettings

RATE = 16000
COST = 0.02  # CPU seconds per second of speech (BENCHMARKS.md, Voices)
VOICES = {"pico_en_us": "en-US", "pico_en_gb": "en-GB", "pico_de": "de-DE", "pico_es": "es-ES", "pico_fr": "fr-FR",
          "pico_it": "it-IT"}


def language_of(name: str) -> str:
    """The BCP 47 language a Pico voice speaks, as narrate's catalogue lists it ('de', 'en-GB')."""
    tag = VOICES[name]
    return tag if tag.startswith("en") else tag.split("-")[0]


class PicoEngine:
    """Offline synthesis with SVOX Pico."""

    name = "pico"
    parallel = False  # it costs next to nothing: spoken in the build's own process

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        if voice.model not in VOICES:
            raise EngineError(f"unknown pico voice '{voice.model}'{did_you_mean(voice.model, sorted(VOICES))}: "
                              f"choose one of {', '.join(VOICES)}")
        if not 0.5 <= voice.speed <= 2.0:
            raise EngineError(f"pico speaks at 0.5 to 2.0 times its speed, not {voice.speed:g}")
        return ResolvedVoice(self.name, f"svox-pico {metadata.version('py-nanotts')}", (
            ("voice", VOICES[voice.model]), ("speed", round(voice.speed, 3))),
            model=voice.model, label=f"{voice.model} (Pico, {language_of(voice.model)})")

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(self.name, name, language_of(name), "female", COST, "robotic") for name in VOICES]

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        pcm = _fresh_speak(text, str(voice.setting("voice")), float(voice.setting("speed")))  # type: ignore[arg-type]
        if not pcm:
            raise EngineError(f"pico produced no audio for: {text!r}")
        return Clip(np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0, RATE)

    def version(self) -> str:
        return f"py-nanotts {metadata.version('py-nanotts')}"


def _fresh_speak(text: str, voice: str, speed: float) -> bytes:
    """Pico's PCM for ``text``, spoken in a forked child, so that Pico's generator starts where it always does."""

    def speak() -> bytes:
        from py_nanotts import NanoTTS  # loaded in the child, where Pico never spoke before

        return NanoTTS().speak(text, voice=voice, speed=speed)

    return in_fresh_child(speak, f"pico could not speak: {text!r}")
