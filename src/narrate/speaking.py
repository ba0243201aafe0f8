"""Stage 3 of a build: speak what the cache lacks, decode the sounds meanwhile, and, when the episode is
mastered afresh, stream each chapter that is all spoken into mixing, analysis and encoding (narrate.stream)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from narrate.cache import Store
from narrate.clips import Clips
from narrate.encoding import PieceMeter
from narrate.engines import Engines
from narrate.export.formats import AudioFormat
from narrate.inputs import load_sounds
from narrate.master import Pins, loudness_target
from narrate.options import BuildHooks
from narrate.plan import Plan
from narrate.script import Script
from narrate.sounds import MixSounds
from narrate.stream import Streamer
from narrate.synth import Speaker, SynthStats, default_jobs, synthesize


@dataclass(frozen=True)
class Spoken:
    """What synthesis leaves for the mix: the clips, the decoded sounds, and streaming's pins."""

    clips: Clips
    stats: SynthStats
    sounds: MixSounds
    pins: Pins | None


def speak(plan: Plan, script: Script, formats: list[AudioFormat], engines: Engines, store: Store,
          state: dict | None, meter: PieceMeter, jobs: int | None, hooks: BuildHooks,
          speaker: Speaker | None = None) -> Spoken:
    """Synthesise what the cache lacks while the sounds are decoded; when the episode is mastered afresh,
    stream each chapter that is all spoken into mixing, analysis and encoding meanwhile."""
    import scipy.signal  # noqa: F401  # here, before two threads need it: scipy's lazy imports race

    unique = plan.unique_speeches()
    total, chars = len(unique), sum(len(s.text) for s in unique)
    with ThreadPoolExecutor(2) as pool:
        loading = pool.submit(load_sounds, script, plan.edition)
        count = _counter(total, chars, hooks)
        streamer = Streamer(plan, store, formats, loading, loudness_target(plan),
                            plan.meta.mix.true_peak, meter) if state is None else None

        def advance(n: int, work: int) -> None:
            count(n, work)
            if loading.done() and loading.exception():  # a sound that cannot be decoded stops the build now
                loading.result()

        def ready(n: int, clips: Clips) -> None:
            if streamer:
                streamer.ready(n, clips)
            hooks.chapters_done(n, len(plan.chapters))

        try:
            clips, stats = synthesize(plan, engines, store.speech, advance, store.clip_energies,
                                      jobs or default_jobs(), ready, speaker)
            engines.release()
            sounds = loading.result()
        except BaseException:
            if streamer:
                streamer.stop()
            raise
        pins = streamer.finish(clips) if streamer else None
    return Spoken(clips, stats, sounds, pins)


def _counter(total: int, chars: int, hooks: BuildHooks) -> Callable[[int, int], None]:
    """Turns synthesis's 'n more done, of so many characters' into the hooks' work(done, total), then
    progress(done, total)."""
    done = work = 0

    def advance(n: int, more: int) -> None:
        nonlocal done, work
        done, work = done + n, work + more
        hooks.work(work, chars)
        hooks.progress(done, total)

    return advance
