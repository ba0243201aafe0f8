"""The synthesis stage: plan -> one clip per cache key, from the cache or freshly synthesised.

The only place sentences are spoken (planning asks the engines to resolve voices, and the build
asks for their versions, but neither makes a sound).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from pathlib import Path

import numpy as np

from narrate.audio import Clip
from narrate.clips import ClipFacts, Clips
from narrate.cache import SpeechCache
from narrate.engines import Engines, ResolvedVoice
from narrate.engines.word_times import WordTime
from narrate.errors import EngineError, NarrateError
from narrate.loudness import clip_energies
from narrate.plan import Plan, Speech, speaking_seconds

if TYPE_CHECKING:
    from narrate.objectstore import SharedFiles

GROUP_SECONDS = 600.0  # the first chapters with this much speech are spoken together, then a chapter at a time


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
    progress: Callable[[int, int], None] | None = None,  # (sentences, characters of their text) done
    energies_of: Callable[[str, Clip], np.ndarray] | None = None,
    jobs: int = 1,
    ready: Callable[[int, Clips], None] | None = None,
    speaker: Speaker | None = None,
) -> tuple[Clips, SynthStats]:
    """Fetch or make the audio of every distinct sentence in the plan.

    Sentences an engine that can run in worker processes (``engine.parallel``, as Piper) has to say are
    spoken by ``jobs`` processes at once, each with the voice loaded once (a WorkerPool, unless another
    ``speaker`` is given); the rest here, one by one (gTTS: one request at a time), in script order. They are
    spoken in chapter order: the first chapters together, then a chapter at a time (longest first within each,
    so no worker is left with a long one at the end, and a worker's memory shrinks as they get shorter; see
    _in_order). ``ready(n, clips)`` is called whenever the first ``n`` chapters have all their clips, so the
    mix of those chapters can be worked on while later ones are still being spoken (narrate.stream).
    """
    got = _Gathered(plan, cache, progress, energies_of, ready)
    missing: list[Speech] = []
    for speech in plan.unique_speeches():
        got.lines[speech.key] = speech.line
        if timed := tells_word_times(engines.get(speech.voice.engine), speech.voice):
            got.timed.add(speech.key)
        clip = cache.get(speech.key)
        words = cache.words(speech.key) if timed and clip is not None else None
        if clip is None or (timed and words is None):  # (word times missing or damaged: said again, with them)
            missing.append(speech)
            got.waiting[got.owner[speech.key]] += 1
        else:
            got.keep(speech, clip, new=False, words=words)
    got.advance()
    parallel = [s for s in missing if getattr(engines.get(s.voice.engine), "parallel", False)]
    keys = {s.key for s in parallel}
    here = [s for s in missing if s.key not in keys]
    away = _in_order(plan, parallel, got.owner)
    if speaker is None and (jobs < 2 or len(away) < 2):
        here, away = here + away, []
    for speech in here:
        clip, words = _speak(engines, plan, speech)
        got.keep(speech, cache.put(speech.key, clip, words), words=words)  # as later builds will read it back
    if away:
        try:
            for speech, clip in (speaker or WorkerPool(jobs, engines)).speak(away, cache):
                got.keep(speech, clip)
        except SpeechFailed as failed:
            if failed.error is None:
                raise NarrateError("a synthesis worker died (out of memory?); build again with --jobs 1",
                                   plan.path, failed.speech.line) from None
            raise _located(failed.error, plan, failed.speech) from failed.error
    return got.clips, SynthStats(total=len(got.facts), synthesised=len(missing))


class _Gathered:
    """The clips a build has so far. What the mix needs to know of each is worked out while it is in hand (its
    trim, speech frames and, through ``energies_of``, its loudness frames); its samples are left in the cache,
    and read back from there when the episode is rendered, so memory does not grow with the length of the book."""

    def __init__(self, plan: Plan, cache: SpeechCache, progress: Callable[[int, int], None] | None,
                 energies_of: Callable[[str, Clip], np.ndarray] | None,
                 ready: Callable[[int, Clips], None] | None) -> None:
        self.plan, self.cache, self.progress, self.ready = plan, cache, progress, ready
        self.measure = energies_of or (lambda _, c: clip_energies(c))
        self.facts: dict[str, ClipFacts] = {}
        self.energies: dict[str, np.ndarray] = {}
        self.words: dict[str, tuple[WordTime, ...]] = {}
        self.timed: set[str] = set()  # the sentences whose voice says when it says each word
        self.lines: dict[str, int] = {}
        self.owner = _owners(plan)
        self.waiting = [0] * len(plan.chapters)  # per chapter: sentences it is the first to say, not ready yet
        self.complete = 0
        self.clips = Clips(self.facts, self.energies, self.load, words=self.words)

    def load(self, key: str) -> Clip:
        clip = self.cache.get(key)
        if clip is None:
            raise NarrateError(f"the cached speech for line {self.lines[key]} went missing during this build (was "
                               "the cache pruned or changed meanwhile?); build again", self.plan.path)
        return clip

    def advance(self) -> None:
        """Tell ``ready`` of the chapters now complete."""
        n = self.complete
        while n < len(self.waiting) and self.waiting[n] == 0:
            n += 1
        if n > self.complete:
            self.complete = n
            if self.ready:
                self.ready(n, self.clips)

    def keep(self, speech: Speech, clip: Clip, new: bool = True, words: Sequence[WordTime] | None = None) -> None:
        """Note what the mix needs of a sentence's clip; with its word times, if its voice tells them (read back
        from the cache, where a worker put them, unless given)."""
        self.facts[speech.key] = facts = ClipFacts.of(clip)
        self.energies[speech.key] = self.measure(speech.key, facts.trim(clip))
        if speech.key in self.timed and words is None:
            words = self.cache.words(speech.key)
        if speech.key in self.timed and words is not None:
            self.words[speech.key] = tuple(words)
        if self.progress:
            self.progress(1, len(speech.text))
        if new:
            self.waiting[self.owner[speech.key]] -= 1
            self.advance()


def _owners(plan: Plan) -> dict[str, int]:
    """The index of the first chapter that says each sentence."""
    out: dict[str, int] = {}
    for i, chapter in enumerate(plan.chapters):
        for item in chapter.items:
            if isinstance(item, Speech):
                out.setdefault(item.key, i)
    return out


def _in_order(plan: Plan, speeches: list[Speech], owner: dict[str, int]) -> list[Speech]:
    """The order sentences are spoken in: first the chapters with GROUP_SECONDS of speech and the one after
    them (streaming pins its levels from those, and needs the next chapter too: narrate.stream), then a
    chapter at a time; longest first within each. Chapter by chapter, streaming can work on each one as it
    is finished, so little is left when the last sentence is spoken; longest first, no worker is left with a
    long sentence at the end, and a worker's memory shrinks as the sentences get shorter."""
    n = chapters_speaking(plan, GROUP_SECONDS)
    first = len(plan.chapters) if n is None else n + 1  # how many chapters the first group has
    return sorted(speeches, key=lambda s: (max(0, owner[s.key] + 1 - first), -len(s.text)))


def chapters_speaking(plan: Plan, seconds: float) -> int | None:
    """How many of the first chapters it takes to say ``seconds`` of speech; None if the whole plan says less."""
    said = 0.0
    for n, chapter in enumerate(plan.chapters, 1):
        said += speaking_seconds(i for i in chapter.items if isinstance(i, Speech))
        if said >= seconds:
            return n
    return None


def _speak(engines: Engines, plan: Plan, speech: Speech) -> tuple[Clip, list[WordTime] | None]:
    try:
        return say(engines.get(speech.voice.engine), speech.text, speech.voice)
    except EngineError as exc:
        raise _located(exc, plan, speech) from exc


def say(engine: Any, text: str, voice: ResolvedVoice) -> tuple[Clip, list[WordTime] | None]:
    """A sentence's clip, and when each of its words is said if its engine can tell (``timed``), else None."""
    if tells_word_times(engine, voice):
        return engine.timed(text, voice)  # type: ignore[no-any-return]
    return engine.synthesize(text, voice), None


def tells_word_times(engine: Any, voice: ResolvedVoice) -> bool:
    """Whether an engine says when each word is said, in this voice (heart; Kokoro in English)."""
    tells = getattr(engine, "tells_word_times", None)
    return bool(tells and tells(voice))


def _located(exc: EngineError, plan: Plan, speech: Speech) -> EngineError:
    chapter = next(c for c in plan.chapters if speech in c.items)
    exc.message = f"chapter {chapter.number} '{chapter.title}': {exc.message}"
    return exc.located(plan.path, speech.line)


class SpeechFailed(Exception):
    """A sentence a Speaker could not say: the engine's error, or None when the worker itself died."""

    def __init__(self, speech: Speech, error: EngineError | None) -> None:
        super().__init__(speech.line)
        self.speech, self.error = speech, error


class Speaker(Protocol):
    """Speaks sentences away from the build's process: all a worker pool has to be.

    ``speak`` takes sentences in the order they should be said, and yields each with its clip as it is
    done, already in ``cache`` (a worker loads its voices once, with ``_start_worker``, and says
    each sentence with ``_work``). A sentence that fails raises SpeechFailed. Stopping the iteration
    (an error here, Ctrl-C) must stop the workers. WorkerPool speaks on this machine; narrate.cluster's
    RaySpeaker on a Ray cluster."""

    def speak(self, speeches: list[Speech], cache: SpeechCache) -> Iterator[tuple[Speech, Clip]]: ...


class WorkerPool:
    """The Speaker narrate uses: ``jobs`` spawned processes on this machine, each with one onnxruntime
    thread, writing to the speech cache at ``cache_root``. Each sentence sounds as it would in the build's
    own process.

    Each worker has a pipe of its own and one sentence at a time, and no thread reads for the pool: so a
    worker stopped mid-reply (an error elsewhere, Ctrl-C) can never leave a reader waiting for the rest of
    its message, and a worker that dies is noticed by its process sentinel at once."""

    def __init__(self, jobs: int, engines: Engines | None = None) -> None:
        self.jobs, self.engines = jobs, engines  # each worker makes its own from what these were made of

    def speak(self, speeches: list[Speech], cache: SpeechCache) -> Iterator[tuple[Speech, Clip]]:
        import multiprocessing
        from multiprocessing.connection import wait

        context = multiprocessing.get_context("spawn")
        todo = list(reversed(speeches))  # popped from the end: said in the order given
        workers = [_Worker(context, (str(cache.store.root), cache.store.shared, self.engines))
                   for _ in range(min(self.jobs, len(speeches)))]
        try:
            for worker in workers:
                worker.give(todo)
            while busy := [w for w in workers if w.speech is not None]:
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
                for worker in busy:
                    if worker.conn in ready or worker.process.sentinel in ready:
                        yield worker.take()
                        worker.give(todo)
        finally:
            for worker in workers:  # on Ctrl-C or an error, the workers stop now, not after their sentence
                worker.stop()


class _Worker:
    """One spawned synthesis process and the pipe to it; ``speech`` is the sentence it is saying, if any."""

    def __init__(self, context: Any, initargs: tuple) -> None:
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, initargs), daemon=True)
        self.process.start()
        theirs.close()
        self.speech: Speech | None = None

    def give(self, todo: list[Speech]) -> None:
        """The next sentence to say, if any is left."""
        if todo:
            self.speech = todo.pop()
            self.conn.send((self.speech.voice.engine, self.speech.text, self.speech.voice, self.speech.key))

    def take(self) -> tuple[Speech, Clip]:
        """The sentence just said, with its clip; SpeechFailed if the engine failed or the worker died."""
        speech, self.speech = self.speech, None
        assert speech is not None
        try:
            kind, *value = self.conn.recv()
        except (EOFError, OSError):  # the process died before it answered
            raise SpeechFailed(speech, None) from None
        if kind == "engine":
            raise SpeechFailed(speech, value[0])
        if kind == "error":
            raise value[0]
        return speech, Clip(value[0], value[1])

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _serve(conn: Any, initargs: tuple) -> None:
    """A worker's life: load, then say each sentence it is sent until the pipe closes."""
    _start_worker(*initargs)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        try:
            reply: tuple = ("ok", *_work(*task))
        except EngineError as exc:
            reply = ("engine", exc)
        except Exception as exc:  # noqa: BLE001  # a bug in an engine: the build reports it as one
            reply = ("error", exc if _picklable(exc) else RuntimeError(f"{type(exc).__name__}: {exc}"))
        conn.send(reply)


def _picklable(exc: BaseException) -> bool:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return True
    except Exception:  # noqa: BLE001  # whatever pickle raises, the exception cannot travel as it is
        return False


_WORKER: dict[str, object] = {}


def _start_worker(cache_root: str, shared: SharedFiles | None = None, engines: Engines | None = None) -> None:
    """In each worker: the cache to write to; engines are made on first use, their voices loaded once."""
    import signal

    from narrate.cache import Store

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops the workers
    _WORKER["cache"] = Store(Path(cache_root), shared).speech
    _WORKER["engines"] = engines or Engines()


def _work(engine: str, text: str, voice: ResolvedVoice, key: str) -> tuple[np.ndarray, int]:
    """Speak one sentence in a worker and put it in the cache; its samples as the cache holds them."""
    clip, words = say(_WORKER["engines"].get(engine), text, voice)  # type: ignore[attr-defined]
    clip = _WORKER["cache"].put(key, clip, words)  # type: ignore[attr-defined]
    return clip.samples, clip.rate

