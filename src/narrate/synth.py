"""The synthesis stage: plan -> one clip per cache key, from the cache or freshly synthesised.

The only place sentences are spoken (planning asks the engines to resolve voices, and the build
asks for their versions, but neither makes a sound).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from narrate.audio import Clip
from narrate.clips import ClipFacts, Clips
from narrate.cache import SpeechCache
from narrate.engines import Engines
from narrate.errors import EngineError, NarrateError
from narrate.loudness import clip_energies
from narrate.plan import Plan


@dataclass(frozen=True)
class SynthStats:
    """What synthesis cost."""

    total: int
    synthesised: int

    @property
    def cached(self) -> int:
        return self.total - self.synthesised

    def summary(self) -> str:
        return f"synthesised {self.synthesised} of {self.total} sentences, {self.cached} from cache"


def synthesize(
    plan: Plan,
    engines: Engines,
    cache: SpeechCache,
    progress: Callable[[int], None] | None = None,
    energies_of: Callable[[str, Clip], np.ndarray] | None = None,
) -> tuple[Clips, SynthStats]:
    """Fetch or make the audio of every distinct sentence in the plan.

    What the mix needs to know of each clip is worked out while it is in hand (its trim, speech frames and,
    through ``energies_of``, its loudness frames); its samples are left in the cache, and read back from
    there when the episode is rendered, so memory does not grow with the length of the book.
    """
    facts: dict[str, ClipFacts] = {}
    energies: dict[str, np.ndarray] = {}
    made = 0
    lines = {}
    for speech in plan.unique_speeches():
        lines[speech.key] = speech.line
        clip = cache.get(speech.key)
        if clip is None:
            try:
                clip = engines.get(speech.voice.engine).synthesize(speech.text, speech.voice)
            except EngineError as exc:
                chapter = next(c for c in plan.chapters if speech in c.items)
                exc.message = f"chapter {chapter.number} '{chapter.title}': {exc.message}"
                raise exc.located(plan.path, speech.line) from exc
            clip = cache.put(speech.key, clip)  # as every later build will read it back
            made += 1
        facts[speech.key] = got = ClipFacts.of(clip)
        trimmed = Clip(clip.samples[got.start : got.stop], clip.rate)
        energies[speech.key] = (energies_of or (lambda _, c: clip_energies(c)))(speech.key, trimmed)
        if progress:
            progress(1)

    def load(key: str) -> Clip:
        clip = cache.get(key)
        if clip is None:
            raise NarrateError(f"the cached speech for line {lines[key]} went missing during this build (was the "
                               "cache pruned or changed meanwhile?); build again", plan.path)
        return clip

    return Clips(facts, energies, load), SynthStats(total=len(facts), synthesised=made)
