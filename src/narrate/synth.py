"""The synthesis stage: plan -> one clip per cache key, from the cache or freshly synthesised.

The only place sentences are spoken (planning asks the engines to resolve voices, and the build
asks for their versions, but neither makes a sound).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from narrate.audio import Clip
from narrate.clips import ClipFacts, Clips
from narrate.cache import SpeechCache
from narrate.engines import Engines, ResolvedVoice
from narrate.errors import EngineError, NarrateError
from narrate.loudness import clip_energies
from narrate.plan import Plan, Speech


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


def default_jobs() -> int:
    """One synthesis worker per core this process may use."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def synthesize(
    plan: Plan,
    engines: Engines,
    cache: SpeechCache,
    progress: Callable[[int], None] | None = None,
    energies_of: Callable[[str, Clip], np.ndarray] | None = None,
    jobs: int = 1,
) -> tuple[Clips, SynthStats]:
    """Fetch or make the audio of every distinct sentence in the plan.

    Sentences an engine that can run in worker processes (``engine.parallel``, as Piper) has to say are
    spoken by ``jobs`` processes at once, each with the voice loaded once; the rest here, one by one.
    What the mix needs to know of each clip is worked out while it is in hand (its trim, speech frames and,
    through ``energies_of``, its loudness frames); its samples are left in the cache, and read back from
    there when the episode is rendered, so memory does not grow with the length of the book.
    """
    facts: dict[str, ClipFacts] = {}
    energies: dict[str, np.ndarray] = {}
    lines: dict[str, int] = {}
    measure = energies_of or (lambda _, c: clip_energies(c))

    def keep(speech: Speech, clip: Clip) -> None:
        facts[speech.key] = got = ClipFacts.of(clip)
        energies[speech.key] = measure(speech.key, got.trim(clip))
        if progress:
            progress(1)

    missing: list[Speech] = []
    for speech in plan.unique_speeches():
        lines[speech.key] = speech.line
        clip = cache.get(speech.key)
        if clip is None:
            missing.append(speech)
        else:
            keep(speech, clip)
    here: list[Speech] = []
    away: list[Speech] = []  # for worker processes
    for speech in missing:
        parallel = jobs > 1 and getattr(engines.get(speech.voice.engine), "parallel", False)
        (away if parallel else here).append(speech)
    if len(away) < 2:
        here, away = missing, []
    for speech in here:
        keep(speech, cache.put(speech.key, _speak(engines, plan, speech)))  # as later builds will read it back
    if away:
        for speech, clip in _in_workers(away, min(jobs, len(away)), cache, plan):
            keep(speech, clip)

    def load(key: str) -> Clip:
        clip = cache.get(key)
        if clip is None:
            raise NarrateError(f"the cached speech for line {lines[key]} went missing during this build (was the "
                               "cache pruned or changed meanwhile?); build again", plan.path)
        return clip

    return Clips(facts, energies, load), SynthStats(total=len(facts), synthesised=len(missing))


def _speak(engines: Engines, plan: Plan, speech: Speech) -> Clip:
    try:
        return engines.get(speech.voice.engine).synthesize(speech.text, speech.voice)
    except EngineError as exc:
        raise _located(exc, plan, speech) from exc


def _located(exc: EngineError, plan: Plan, speech: Speech) -> EngineError:
    chapter = next(c for c in plan.chapters if speech in c.items)
    exc.message = f"chapter {chapter.number} '{chapter.title}': {exc.message}"
    return exc.located(plan.path, speech.line)


def _in_workers(speeches: list[Speech], jobs: int, cache: SpeechCache, plan: Plan) -> Iterator[tuple[Speech, Clip]]:
    """Speak ``speeches`` in ``jobs`` worker processes, longest first (so no worker is left with a long one at
    the end); each clip as it is done, already in the cache. Each sentence sounds as it would here."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    order = sorted(speeches, key=lambda s: -len(s.text))
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                               initargs=(str(cache.store.root),))
    try:
        pending = {pool.submit(_work, s.voice.engine, s.text, s.voice, s.key): s for s in order}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                speech = pending.pop(future)
                try:
                    samples, rate = future.result()
                except EngineError as exc:
                    raise _located(exc, plan, speech) from exc
                except BrokenProcessPool:
                    raise NarrateError("a synthesis worker died (out of memory?); build again with --jobs 1",
                                       plan.path, speech.line) from None
                yield speech, Clip(samples, rate)
    finally:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()  # on Ctrl-C or an error, the workers stop now, not after their sentence
        pool.shutdown(wait=True, cancel_futures=True)


_WORKER: dict[str, object] = {}


def _start_worker(cache_root: str) -> None:
    """In each worker: the cache to write to; engines are made on first use, their voices loaded once."""
    import signal

    from narrate.cache import Store

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops the workers
    _WORKER["cache"] = Store(Path(cache_root)).speech
    _WORKER["engines"] = Engines()


def _work(engine: str, text: str, voice: ResolvedVoice, key: str) -> tuple[np.ndarray, int]:
    """Speak one sentence in a worker and put it in the cache; its samples as the cache holds them."""
    clip = _WORKER["engines"].get(engine).synthesize(text, voice)  # type: ignore[attr-defined]
    clip = _WORKER["cache"].put(key, clip)  # type: ignore[attr-defined]
    return clip.samples, clip.rate
