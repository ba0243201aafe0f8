"""The mixed episode: every chapter laid out in samples, rendered on demand.

An ``Episode`` is what the mix stage (``narrate.mix``) hands the mastering stage:
where each clip, cue and bed sits in each chapter, the ducking curve, and, once
mastered, the master gain and limiter. Audio is rendered one chapter (or one
stretch of a chapter) at a time, only when asked for, so memory holds one
chapter, not the episode; ``region_key`` names what makes a stretch sound as
it does, so a rebuild can reuse its analysis and its encoded frames.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from narrate.audio import RATE, resample
from narrate.clips import Clips
from narrate.loudness import (
    BLOCK_SAMPLES, PEAK_CONTEXT, Master, frame_curve, frame_size, frame_true_peaks, k_weighted_frames, linear,
)
from narrate.plan import Plan
from narrate.sounds import MixSounds
from narrate.timeline import Timeline

FRAME_ALIGN = 1152  # samples per MP3 frame: every chapter is a whole number of them
MIX_FORMAT = 2  # part of every region key: bump it when the way a chapter is rendered or analysed changes


def chapter_frames(length: int, rate: int) -> int:
    """How many 10 ms analysis frames cover a chapter (the last may be partial)."""
    return -(-length // frame_size(rate))


class Stopped(Exception):
    """Work given up because its ``stop`` event was set."""


@dataclass(frozen=True)
class ChapterLayout:
    """Where everything in one chapter sits, in samples from the chapter's start."""

    start: int  # in the episode
    length: int
    speech: tuple[tuple[int, str], ...]  # (offset, clip key)
    cues: tuple[tuple[int, str], ...]  # (offset, cue kind)


@dataclass(frozen=True)
class BedRun:
    """One chapter's bed, in episode samples; its fades may reach into the neighbours."""

    name: str
    origin: int  # where the loop starts: the chapter's own start
    start: int  # first audible sample
    end: int
    fade_in: int
    fade_out: int
    gain: float


@dataclass(frozen=True, eq=False)
class Episode:
    """An episode laid out on its timeline; audio is rendered on demand."""

    plan: Plan
    clips: Clips  # trimmed, at their engine's rate; samples read when rendered
    sounds: MixSounds
    layouts: tuple[ChapterLayout, ...]
    timeline: Timeline
    speech_lufs: float  # the narration alone (NaN in streaming's part of an episode, mixed at a given reference)
    beds: tuple[BedRun, ...] = ()
    duck: tuple[np.ndarray, ...] | None = None  # per chapter, per 10 ms frame: linear gain on the beds
    cue_gains: dict[str, float] = field(default_factory=dict)
    rate: int = RATE
    channels: int = 2
    master: Master | None = None
    reference: float = -20.0  # the speech loudness that beds and cues are set against

    @property
    def chapter_frames(self) -> tuple[int, ...]:
        return tuple(layout.length for layout in self.layouts)

    @functools.cached_property
    def frame_offsets(self) -> tuple[int, ...]:
        """Where each chapter's analysis frames start in the episode's frame arrays, and their end."""
        out = [0]
        for layout in self.layouts:
            out.append(out[-1] + chapter_frames(layout.length, self.rate))
        return tuple(out)

    def render_raw(self, index: int, a: int = 0, b: int | None = None) -> np.ndarray:
        """Samples a..b of one chapter's mix before the master gain: float32 of shape (samples, channels)."""
        layout = self.layouts[index]
        b = layout.length if b is None else b
        n = b - a
        speech = np.zeros(n, dtype=np.float32)
        ready: dict[str, np.ndarray] = {}
        for offset, key in layout.speech:
            if offset - a >= n or offset + self.clips.length_at(key, self.rate) <= a:
                continue
            if key not in ready:
                ready[key] = resample(self.clips[key], self.rate)
            piece = ready[key][max(0, a - offset) : b - offset]
            lo = max(0, offset - a)
            speech[lo : lo + len(piece)] += piece
        out = np.repeat(speech[:, None], self.channels, axis=1)
        for offset, kind in layout.cues:
            sound = self.sounds.cues[kind]
            lo, hi = max(a, offset), min(b, offset + len(sound))
            if lo < hi:
                out[lo - a : hi - a] += self._fit(sound[lo - offset : hi - offset]) * np.float32(self.cue_gains[kind])
        if self.beds:
            out += self._bed_layer(index, a, b)
        return out

    def _fit(self, stereo: np.ndarray) -> np.ndarray:
        return stereo if self.channels == 2 else stereo.mean(axis=1, keepdims=True)

    def _bed_layer(self, index: int, a: int, b: int) -> np.ndarray:
        layout = self.layouts[index]
        a, b = layout.start + a, layout.start + b  # in episode samples
        layer = np.zeros((b - a, self.channels), dtype=np.float32)
        loops = dict(x for x in self.sounds.beds if x is not None)
        for run in self.beds:
            lo, hi = max(a, run.start), min(b, run.end)
            if lo >= hi:
                continue
            audio = self._fit(_tile(loops[run.name], lo - run.origin, hi - lo)) * np.float32(run.gain)
            if run.fade_in and lo < run.start + run.fade_in:  # only the samples in a fade are shaped
                m = min(hi, run.start + run.fade_in) - lo
                x = (np.arange(lo, lo + m) - run.start + 0.5) / run.fade_in
                audio[:m] *= np.sin(np.pi / 2 * x).astype(np.float32)[:, None]
            if run.fade_out and hi > run.end - run.fade_out:
                k = max(lo, run.end - run.fade_out)
                x = (run.end - np.arange(k, hi) - 0.5) / run.fade_out
                audio[k - lo :] *= np.sin(np.pi / 2 * x).astype(np.float32)[:, None]
            layer[lo - a : hi - a] += audio
        if self.duck is not None:
            layer *= self._curve(self.duck[index], a - layout.start, b - layout.start)[:, None]
        return layer

    def _curve(self, frames: np.ndarray, a: int, b: int) -> np.ndarray:
        """Per-sample values a..b of a chapter, interpolated from its per-10 ms-frame values."""
        f = frame_size(self.rate)
        first = a // f
        curve = frame_curve(frames, first, -(-b // f) - first, self.rate)
        return curve[a - first * f : b - first * f]

    def analyse_chapter(self, index: int, stop: threading.Event | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One chapter's per-frame K-weighted energies and true peaks (its last frame padded with silence).

        Rendered and measured a block at a time, so memory holds a block, not the chapter; when ``stop``
        is set, Stopped is raised at the next block."""
        length = self.layouts[index].length
        f = frame_size(self.rate)
        total = chapter_frames(length, self.rate) * f
        step = BLOCK_SAMPLES // f * f
        state = None
        energies, peaks = [], []
        for a in range(0, total, step):
            if stop is not None and stop.is_set():
                raise Stopped
            b = min(a + step, total)
            lo, hi = max(0, a - PEAK_CONTEXT), min(total, b + PEAK_CONTEXT)
            x = self.render_raw(index, lo, min(hi, length))
            if len(x) < hi - lo:  # the padding after the chapter's end is silence
                x = np.concatenate([x, np.zeros((hi - lo - len(x), x.shape[1]), dtype=x.dtype)])
            e, state = k_weighted_frames(x[a - lo : b - lo], self.rate, state)
            energies.append(e)
            peaks.append(frame_true_peaks(x, self.rate, a - lo, b - lo))
        return np.concatenate(energies), np.concatenate(peaks)

    def region_key(self, index: int, a: int = 0, b: int | None = None, mastered: bool = False) -> str:
        """A hash of everything that makes samples a..b of one chapter sound as they do.

        Equal keys mean equal audio, wherever the chapter sits in the episode:
        the clips and cues placed in the region, the beds playing there (with
        their loop phase, fades and gain), the ducking and, if ``mastered``,
        the master gain and limiter. This is what lets a rebuild reuse a
        chapter's analysis and its encoded frames.
        """
        layout = self.layouts[index]
        b = layout.length if b is None else b
        f = frame_size(self.rate)
        here = layout.start + a
        speech = []
        for offset, key in layout.speech:
            n = self.clips.length_at(key, self.rate)
            if offset < b and offset + n > a:
                speech.append((offset - a, key, n))
        cues = [
            (offset - a, kind, self.sounds.ids[kind], repr(self.cue_gains[kind]))
            for offset, kind in layout.cues
            if offset < b and offset + len(self.sounds.cues[kind]) > a
        ]
        end = here + (b - a)
        beds = [
            (
                self.sounds.ids[r.name],
                r.origin - here,  # the loop's phase
                # a fade counts only where it reaches into the region (so a neighbour's length does not)
                (r.start - here, r.fade_in) if here < r.start + r.fade_in else None,
                (r.end - here, r.fade_out) if end > r.end - r.fade_out else None,
                repr(r.gain),
            )
            for r in self.beds
            if r.start < end and r.end > here
        ]
        frames = slice(max(0, a // f - 1), -(-b // f) + 1)  # the frames the region's curves interpolate between
        h = hashlib.sha256()
        h.update(json.dumps([MIX_FORMAT, self.rate, self.channels, b - a, speech, cues, beds]).encode())
        if self.duck is not None and beds:
            h.update(self.duck[index][frames].tobytes())
        if mastered and self.master is not None:
            offsets = self.frame_offsets
            limiter = self.master.limiter[offsets[index] : offsets[index + 1]]
            h.update(repr(self.master.gain_db).encode())
            h.update(np.asarray(limiter[frames], dtype=np.float32).tobytes())
        return h.hexdigest()

    def with_master(self, master: Master) -> Episode:
        return replace(self, master=master)

    def render_chapter(self, index: int, a: int = 0, b: int | None = None) -> np.ndarray:
        """Samples a..b of one chapter's final audio (master gain and limiter applied, if set)."""
        b = self.layouts[index].length if b is None else b
        audio = self.render_raw(index, a, b)
        if self.master is not None:
            offsets = self.frame_offsets
            limiter = self.master.limiter[offsets[index] : offsets[index + 1]]
            audio *= (self._curve(limiter, a, b) * np.float32(linear(self.master.gain_db)))[:, None]
        return audio

    def render(self) -> Iterator[np.ndarray]:
        """Each chapter's final audio in turn."""
        for i in range(len(self.layouts)):
            yield self.render_chapter(i)


def _tile(loop: np.ndarray, offset: int, length: int) -> np.ndarray:
    """``length`` samples of ``loop`` repeated end to end, starting ``offset`` samples into it."""
    start = offset % len(loop)
    pieces = [loop[start:]]
    have = len(pieces[0])
    while have < length:
        pieces.append(loop)
        have += len(loop)
    return np.concatenate(pieces)[:length]
