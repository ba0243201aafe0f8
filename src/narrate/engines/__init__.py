"""Speech engines behind a name -> class registry.

Engines register under the ``narrate.engines`` entry-point group and are
imported only when a script asks for them, so ``narrate --help`` stays instant
and a third-party package can add an engine without touching narrate.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

from narrate.audio import Clip
from narrate.errors import EngineError
from narrate.script.model import VoiceSettings

GROUP = "narrate.engines"

# Used when narrate runs from a source tree that was never installed.
_BUILTIN = {
    "piper": "narrate.engines.piper:PiperEngine",
    "gtts": "narrate.engines.gtts:GttsEngine",
    "kokoro": "narrate.engines.kokoro:KokoroEngine",
    "pico": "narrate.engines.pico:PicoEngine",
    "hibari": "narrate.engines.hibari:HibariEngine",
}


@dataclass(frozen=True)
class ResolvedVoice:
    """A voice checked by its engine, with everything that changes its sound."""

    engine: str
    model_id: str  # a hash of the voice model (or the service's name)
    settings: tuple[tuple[str, object], ...]  # only the settings this engine uses
    model: str | None = None  # the model file, for engines that have one
    label: str = ""  # how the voice is shown to the user
    files: tuple[str, ...] = ()  # the user's own files the voice is made of (a model and its config), if any

    def setting(self, key: str) -> object:
        return dict(self.settings)[key]


@dataclass(frozen=True)
class VoiceInfo:
    """A voice as 'narrate voices' lists it."""

    engine: str
    name: str
    language: str  # BCP 47
    gender: str  # female, male, or "" where the engine does not say
    cost: float  # CPU seconds per second of speech, measured on one core (BENCHMARKS.md)
    note: str = ""
    timbre: str = ""  # the voice it was made to sound like (hibari's heart: Kokoro's af_heart), if another

    @property
    def sounds_like(self) -> str:
        """The voice this one is heard as: two voices with the same are told apart by nobody."""
        return self.timbre or self.name


ACCENTS = {"en-US": "American", "en-GB": "British", "es": "Spain", "fr": "France", "it": "Italy",
           "pt-BR": "Brazil", "hi": "India", "de": "Germany"}


class Engine(Protocol):
    """What an engine provides; see piper.py for the reference implementation."""

    name: str

    def resolve(self, voice: VoiceSettings, base_dir: Path) -> ResolvedVoice:
        """Check a voice and pin down what it sounds like; raise EngineError if unusable."""
        ...

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        """Speak one normalised sentence; raise EngineError on failure."""
        ...

    def version(self) -> str:
        """The engine's own version, for build records."""
        ...

    # Optional: ``voices() -> list[VoiceInfo]``, the voices installed, for 'narrate voices';
    # ``phoneme_symbols(voice) -> frozenset[str]``, the symbols the voice reads in [[ ]], so that
    # an unknown one is reported with its line before any synthesis; ``phonemes(text, voice) -> str``, what
    # the voice will say, for 'narrate check --say'; ``close()``, to let a loaded voice go;
    # ``tells_word_times(voice) -> bool`` and ``timed(text, voice) -> (Clip, list[WordTime])``, the clip
    # ``synthesize`` makes and when each of its words is said (narrate.engines.word_times), where the engine knows.


def quiet(*loggers: str) -> None:
    """Keep an engine library's own log lines off narrate's output. With no handler of its own, Python prints a
    library's warnings raw to stderr ('Missing phoneme from id map: ☃'); what matters of them narrate checks
    itself and says once, with its line. A program that configures logging still receives them."""
    for name in loggers:
        logging.getLogger(name).addHandler(logging.NullHandler())


def available() -> dict[str, str]:
    """Engine name -> 'module:Class' for every registered engine."""
    found = dict(_BUILTIN)
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.value
    return found


class Engines:
    """Engine instances for one build, created on first use."""

    def __init__(self, instances: dict[str, Engine] | None = None) -> None:
        self._given = dict(instances or {})
        self._instances: dict[str, Engine] = dict(self._given)
        self._catalogue: list[VoiceInfo] | None = None

    def __reduce__(self) -> tuple:
        """Sent to another process (a Ray worker) as what it was made from: the engines given, the rest made
        there, each loading its own voices."""
        return Engines, (self._given,)

    def names(self) -> list[str]:
        return sorted(set(available()) | set(self._instances))

    def get(self, name: str) -> Engine:
        """The engine called ``name``; EngineError naming the choices if there is none."""
        if name not in self._instances:
            target = available().get(name)
            if target is None:
                raise EngineError(f"unknown engine '{name}': choose one of {', '.join(self.names())}")
            module, _, attr = target.partition(":")
            try:
                cls = getattr(importlib.import_module(module), attr)
            except ImportError as exc:
                raise EngineError(
                    f"engine '{name}' cannot be loaded ({exc}); reinstall narrate with "
                    "'pip install narrate' to get its dependencies"
                ) from exc
            self._instances[name] = cls()
        return self._instances[name]

    def catalogue(self) -> list[VoiceInfo]:
        """Every voice installed, engine by engine (an engine that cannot be loaded lists none); listed once."""
        if self._catalogue is None:
            out: list[VoiceInfo] = []
            for name in self.names():
                try:
                    engine = self.get(name)
                except EngineError:
                    continue
                if hasattr(engine, "voices"):
                    out += engine.voices()
            self._catalogue = out
        return list(self._catalogue)

    def release(self) -> None:
        """Let every engine free what it holds between uses (a loaded voice): synthesis is over for now."""
        for engine in self._instances.values():
            if hasattr(engine, "close"):
                engine.close()
