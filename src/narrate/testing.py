"""Fakes for tests and benchmarks: an engine that speaks in tones, so the voice costs nothing, and a real
engine slowed down, so a test can break something while a real voice speaks.

The tests and the benchmarks in bench/ both use these, so a figure measured
with the tone engine means the same thing in both.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from narrate.audio import Clip
from narrate.engines import Engines, ResolvedVoice, VoiceInfo
from narrate.script.model import VoiceSettings


TONE_VOICES = {"tone-a": ("female", 1.5, "en"), "tone-b": ("male", 0.75, "en"),
               "tone-c": ("female", 1.25, "fr")}  # name -> gender, pitch against the narrator's, language


class ToneEngine:
    """A deterministic stand-in engine: one tone burst per sentence, ``seconds_per_char`` long per character.

    ``tremolo_hz`` > 0 swings the level (0.2 to 1.0 of ``amplitude``) that many times a second, like syllables.
    """

    name = "tone"
    rate = 22050

    def __init__(self, seconds_per_char: float = 0.06, amplitude: float = 0.5, hz: float = 300.0,
                 tremolo_hz: float = 0.0, delay: float = 0.0, parallel: bool = False, fail: str = "") -> None:
        self.parallel = parallel  # spoken in worker processes or on a cluster, as Piper is
        self.seconds_per_char, self.amplitude, self.hz, self.tremolo_hz = seconds_per_char, amplitude, hz, tremolo_hz
        self.delay = delay  # seconds each sentence takes to 'speak', as a real voice takes time
        # 'speaking' (every sentence raises) or 'arriving' (the engine cannot be unpickled where it is sent): a
        # stand-in for a fault in narrate's own code away from this process, on a cluster
        self.fail = fail
        self.calls: list[str] = []  # every text synthesised, in order

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        # the narrator's voice ('heart', or a name this engine stands in for) is the plain tone; a voice of the cast
        # is a tone of its own pitch
        own = (("voice", voice.model),) if voice.model in TONE_VOICES else ()
        return ResolvedVoice("tone", "tone-v1", (("speed", voice.speed), *own), label=voice.model if own else "tone")

    def voices(self) -> list[VoiceInfo]:
        """Voices a cast can be drawn from, as if installed: two English, one French."""
        return [VoiceInfo("tone", name, language, gender, 0.01) for name, (gender, _, language) in TONE_VOICES.items()]

    def __setstate__(self, state: dict) -> None:
        if state.get("fail") == "arriving":
            raise RuntimeError("the tone engine failed to arrive, on purpose")
        self.__dict__.update(state)

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        self.calls.append(text)
        if self.fail == "speaking":
            raise RuntimeError("the tone engine failed as it spoke, on purpose")
        if self.delay:
            import time

            time.sleep(self.delay)
        n = int(self.rate * self.seconds_per_char * len(text))
        t = np.arange(n) / self.rate
        own = dict(voice.settings).get("voice")
        hz = self.hz * TONE_VOICES[str(own)][1] if own else self.hz
        wave = self.amplitude * np.sin(2 * math.pi * hz * t)
        if self.tremolo_hz:
            wave *= 0.6 + 0.4 * np.sin(2 * math.pi * self.tremolo_hz * t)
        return Clip(wave.astype(np.float32), self.rate)

    def version(self) -> str:
        return "tone 1"


class SlowedEngine:
    """A real engine (loaded where it speaks, as Engines loads it) that waits ``delay`` seconds before each
    sentence: its samples are the real voice's, and a test has time to kill a node while it speaks."""

    def __init__(self, engine: str, delay: float) -> None:
        self.engine_name, self.delay = engine, delay
        self._engine: Any = None

    def __reduce__(self) -> tuple:
        return SlowedEngine, (self.engine_name, self.delay)

    def __getattr__(self, attr: str) -> Any:  # everything but synthesize is the real engine's
        if attr.startswith("_") or attr in ("engine_name", "delay"):
            raise AttributeError(attr)
        if self._engine is None:
            self._engine = Engines().get(self.engine_name)
        return getattr(self._engine, attr)

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        import time

        time.sleep(self.delay)
        return self.__getattr__("synthesize")(text, voice)

    def timed(self, text: str, voice: ResolvedVoice) -> Any:
        """The real engine's clip and word times, as slowly as ``synthesize``."""
        import time

        time.sleep(self.delay)
        return self.__getattr__("timed")(text, voice)


def tone_engines(engine: ToneEngine | None = None) -> Engines:
    """Engines where 'hibari', 'piper', 'kokoro' and 'tone' are all the tone engine, so scripts need no voice
    setting and speakers are cast from its voices."""
    engine = engine or ToneEngine()
    return Engines({"hibari": engine, "piper": engine, "kokoro": engine, "tone": engine})


if __name__ == "__main__":
    # 'python -m narrate.testing build ...': the narrate command, in its own process (so tests can kill it,
    # interrupt it or run two at once), speaking in tones; NARRATE_TONE_DELAY slows each sentence.
    import os

    from narrate.cli import main

    delay = float(os.environ.get("NARRATE_TONE_DELAY", "0"))
    if os.environ.get("NARRATE_SLOWED_HEART"):  # heart, the real default voice, as slow as the tones would be
        main(Engines({"hibari": SlowedEngine("hibari", delay)}))
    else:  # NARRATE_TONE_PARALLEL: spoken in worker processes or on a cluster, as Piper is; NARRATE_TONE_FAIL:
        # the fault it plays (ToneEngine's 'fail')
        main(tone_engines(ToneEngine(delay=delay, parallel=bool(os.environ.get("NARRATE_TONE_PARALLEL")),
                                     fail=os.environ.get("NARRATE_TONE_FAIL", ""))))
