"""The synthesis stage: plan -> one clip per cache key, from the cache or freshly synthesised.

The only place sentences are spoken (planning asks the engines to resolve voices, and the build
asks for their versions, but neither makes a sound).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from narrate.audio import Clip
from narrate.cache import SpeechCache
from narrate.engines import Engines
from narrate.errors import EngineError
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
) -> tuple[dict[str, Clip], SynthStats]:
    """Fetch or make the audio of every distinct sentence in the plan."""
    clips: dict[str, Clip] = {}
    made = 0
    for speech in plan.unique_speeches():
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
        clips[speech.key] = clip
        if progress:
            progress(1)
    return clips, SynthStats(total=len(clips), synthesised=made)
