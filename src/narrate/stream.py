"""Streaming: each chapter's mix analysed, and its MP3 encoded, while later chapters are still being spoken.

The mastering stage (narrate.master) needs two things that depend on the whole episode: the speech
loudness that beds and cues are set against, and the master gain. A long episode fixes both ("pins"
them) from its first chapters instead, as soon as these are spoken:

- the reference is the speech loudness of the first chapters with PIN_SECONDS of speech;
- the gain is the one that brings those chapters to the target, after what the codecs do to them.

Every later chapter is then mixed, analysed and (for MP3) encoded in pieces as soon as it and the chapter
after it are spoken (a bed's crossfade reaches into the next chapter, and a piece's encoder hears a little
of it). The work lands in the cache under the same keys the mastering stage looks for, so when synthesis
ends, mastering finds it done. At the end the whole episode is checked: if its speech is within
``mix.REFERENCE_HOLD_LU`` of the pinned reference, and the pinned gain brings the whole within
``master.KEEP_MASTER_LU`` of the target, they are kept, as a rebuild keeps the last build's; otherwise
the episode is mastered whole, and what was streamed is not used.

The pins depend only on the script and its sentences, never on timing or the number of jobs, so the
audio is the same however the build is run. An episode too short to stream (the pinned chapters and one
more are all it has) is mastered whole, as before.

On two cores streaming saves little time: the synthesis workers keep both cores busy, so the work done
beside them slows them nearly as much. With more cores than workers it is what keeps the build at the
speed of synthesis. M4B and Opus are still encoded whole once synthesis ends.
"""

from __future__ import annotations

import logging
import queue
import tempfile
import threading
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import numpy as np

from narrate.cache import Store
from narrate.clips import Clips
from narrate.encoding import Encoder, PieceMeter, codec_shifts, pieces
from narrate.episode import Episode, Stopped
from narrate.errors import NarrateError
from narrate.export.formats import AudioFormat
from narrate.loudness import Master, limiter_gains, solve_master
from narrate.master import Pins, chapter_analysis, first_master
from narrate.mix import mix_episode, speech_loudness
from narrate.plan import Plan
from narrate.sounds import MixSounds
from narrate.synth import chapters_speaking

PIN_SECONDS = 600.0  # the reference and the gain are pinned from the first chapters with this much speech

log = logging.getLogger(__name__)


def pinned_chapters(plan: Plan) -> int | None:
    """How many of the first chapters the pins come from: those with PIN_SECONDS of speech. None when
    that leaves fewer than two chapters after them, so there is nothing to stream."""
    n = chapters_speaking(plan, PIN_SECONDS)
    return n if n is not None and n + 2 <= len(plan.chapters) else None


def speech_reference(plan: Plan, clips: Clips, chapters: int) -> float:
    """The speech loudness of the first ``chapters``, as mix_episode works it out for a whole episode."""
    value = speech_loudness(replace(plan, chapters=plan.chapters[:chapters]), clips, plan.meta.mix.channels)
    return round(value, 2) if np.isfinite(value) else -20.0


def mixed(plan: Plan, clips: Clips, sounds: MixSounds, chapters: int, reference: float) -> Episode:
    """The first ``chapters`` laid out at ``reference``; the last of them only so that the ones before it
    sound as they will in the whole episode (their beds' crossfades reach into it)."""
    return mix_episode(replace(plan, chapters=plan.chapters[:chapters]), clips, sounds, reference=reference,
                       hold=False)


def pin(plan: Plan, clips: Clips, sounds: MixSounds, store: Store, formats: list[AudioFormat],
        target: float, ceiling: float, chapters: int) -> Pins:
    """Work out the pins from the first ``chapters`` (and the one after them, which must be spoken)."""
    reference = speech_reference(plan, clips, chapters)
    episode = mixed(plan, clips, sounds, chapters + 1, reference)
    first = replace(episode, layouts=episode.layouts[:chapters])
    arrays = [chapter_analysis(first, store, i) for i in range(chapters)]
    energies = np.concatenate([e for e, _ in arrays])
    peaks = np.concatenate([p for _, p in arrays])
    bounds = first.frame_offsets
    probe = first.with_master(first_master(plan, energies, peaks, bounds))
    with tempfile.TemporaryDirectory() as tmp:
        shifts = codec_shifts(probe, formats, Path(tmp))
    aim_tp = ceiling - max(f.peak_margin_db for f in formats)
    master = solve_master(energies, peaks, target - shifts[formats[0].name], aim_tp, bounds)
    return Pins(chapters, reference, master.gain_db, aim_tp, shifts)


class Streamer:
    """Works on the chapters synthesis has finished, in a thread of its own, while it goes on.

    ``ready`` is synthesis's callback; ``finish`` stops the work (what is left is the mastering stage's)
    and returns the pins, working them out now if streaming had not got that far."""

    def __init__(self, plan: Plan, store: Store, formats: list[AudioFormat], sounds: Future[MixSounds],
                 target: float, ceiling: float, meter: PieceMeter | None = None) -> None:
        self.plan, self.store, self.formats, self.sounds = plan, store, formats, sounds
        self.meter = meter  # fed each MP3 piece as it is made, in order
        self.target, self.ceiling = target, ceiling
        self.chapters = pinned_chapters(plan)
        self.pins: Pins | None = None
        self.clips: Clips | None = None
        self.encoded = 0  # chapters whose MP3 pieces are encoded
        self._keys: list[str] = []  # their pieces' keys, in order
        self._limiters: list[np.ndarray] = []  # each chapter analysed so far: its limiter at the pinned gain
        self._news: queue.Queue[int | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ready(self, n: int, clips: Clips) -> None:
        if self.chapters is None:
            return
        self.clips = clips
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="narrate-stream", daemon=True)
            self._thread.start()
        self._news.put(n)

    def stop(self) -> None:
        """Stop streaming, after the piece in hand."""
        self._stop.set()
        self._news.put(None)
        if self._thread is not None:
            self._thread.join()

    def finish(self, clips: Clips) -> Pins | None:
        """Stop streaming and return the pins, or None for a short episode."""
        self.stop()
        if self.chapters is None:
            return None
        if self.pins is None:
            self.pins = pin(self.plan, clips, self.sounds.result(), self.store, self.formats, self.target,
                            self.ceiling, self.chapters)
        return self.pins

    def _run(self) -> None:
        try:
            while (n := self._news.get()) is not None:
                while not self._news.empty():  # only the latest news counts
                    latest = self._news.get()
                    if latest is None:
                        return
                    n = latest
                self._advance(n)
        except Stopped:
            pass
        except NarrateError as exc:  # mastering will meet it again, and report it there
            log.debug("streaming stopped: %s", exc)
        except Exception:  # noqa: BLE001  # streaming only saves time: mastering does whatever it left
            log.debug("streaming stopped", exc_info=True)

    def _advance(self, n: int) -> None:
        """With the first ``n`` chapters spoken: pin, analyse chapters up to n - 2, and encode the MP3 pieces
        of chapters up to n - 3 (each piece's encoder hears the start of the next chapter, mastered)."""
        assert self.chapters is not None and self.clips is not None
        if n < self.chapters + 1 or self._stop.is_set():
            return
        sounds = self.sounds.result()
        if self.pins is None:  # (its chapters' analyses are in the cache after this)
            self.pins = pin(self.plan, self.clips, sounds, self.store, self.formats, self.target, self.ceiling,
                            self.chapters)
        gain, ceiling = 10 ** (self.pins.gain_db / 20), 10 ** (self.pins.aim_true_peak_dbtp / 20)
        episode = mixed(self.plan, self.clips, sounds, n, self.pins.reference)
        while len(self._limiters) < n - 1 and not self._stop.is_set():
            _, peaks = chapter_analysis(episode, self.store, len(self._limiters), self._stop)
            self._limiters.append(limiter_gains(peaks * gain, ceiling))  # as solve_master has it, per chapter
        analysed = len(self._limiters)
        mp3 = next((f for f in self.formats if f.name == "mp3"), None)
        if mp3 is None or analysed - 1 <= self.encoded:
            return
        mastered = self._mastered(episode, analysed)
        work = Encoder(mastered, [mp3], self.store, {}, None)
        units = pieces(mastered)
        for chapter in range(self.encoded, analysed - 1):  # a chapter's missing pieces by one ffmpeg
            if self._stop.is_set():
                return
            mine = [u for u in units if u.chapter == chapter]
            keys = [work.segment_key(mastered, u) for u in mine]
            missing = [k for k, key in enumerate(keys) if not self.store.path("mp3", key).exists()]
            work.segments(mastered, [mine[k] for k in missing], [keys[k] for k in missing])
            self._keys += keys
            self.encoded = chapter + 1
            if self.meter is not None:
                self.meter.feed(self._keys)

    def _mastered(self, episode: Episode, chapters: int) -> Episode:
        """The first ``chapters`` (all analysed) at the pinned gain, each with its own limiter, as the
        whole episode's master will have them."""
        assert self.pins is not None
        first = replace(episode, layouts=episode.layouts[:chapters])
        limiter = np.concatenate(self._limiters[:chapters])
        return first.with_master(Master(self.pins.gain_db, limiter, float("nan"), 0))
