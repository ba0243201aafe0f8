"""Lay the plan out on a timeline, then render the mix chapter by chapter.

Layers, bottom to top: each leg's ambient bed (looped, faded, crossfaded into
the next leg's bed, and ducked under the voice), the cues and stings, and the
speech. The timeline is computed first, from clip and sound lengths alone;
audio is rendered one chapter at a time only when asked for, so memory holds
one chapter, not the episode. Each chapter is built with numpy in one pass
(joining clips with '+' in a loop is quadratic: 22 s for an hour).

Chapters are made independent of each other, so that an edit in one chapter
remixes and re-encodes that chapter alone (see narrate.master):
- each chapter is padded to a whole number of MP3 frames (1152 samples), so
  every chapter starts on the encoder's frame grid wherever it falls;
- each chapter's bed loops from the chapter's own start, its ducking follows
  its own speech, and its loudness frames and limiter are its own;
- beds crossfade at every join between two chapters with beds. The fade-in of
  chapter N+1's bed reaches back into chapter N, and chapter N's fade-out
  reaches into chapter N+1; that one crossfade is all a chapter shares with
  its neighbours, and ``region_key`` accounts for it.

Levels are set relative to the speech's own loudness; the master gain and
true-peak limiter that bring the whole to the podcast target are applied on
top (see narrate.loudness), in ``Episode.render``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from math import gcd

import numpy as np

from narrate.audio import Clip, resample, trim_silence
from narrate.loudness import Master, frame_curve, frame_energies, frame_size, frame_true_peaks, integrated, loudness_of
from narrate.plan import ChapterPlan, Cue, Plan, Silence, Speech
from narrate.timeline import ChapterTime, SentenceTime, Timeline

RATE = 44100

# Cues: level relative to the speech (LU), and how much of the sound's end may
# overlap what follows it (s).
CUE_LEVEL = {"chime": -6.0, "intro": -3.0, "outro": -3.0}
CUE_OVERLAP = {"chime": 0.45, "intro": 0.9, "outro": 0.0}

# Ducking dynamics (s): the bed starts down ATTACK + LOOKAHEAD before a word,
# stays down HOLD after speech stops, then comes back up over RELEASE. The hold
# bridges the gaps between sentences, so the bed does not pump; it rises in
# paragraph breaks, pauses and scene breaks.
DUCK_LOOKAHEAD = 0.05
DUCK_ATTACK = 0.15
DUCK_HOLD = 0.3
DUCK_RELEASE = 0.7
MIN_CROSSFADE = 0.05  # s: even with 'crossfade: 0', joins between beds are declicked
FRAME_ALIGN = 1152  # samples per MP3 frame: every chapter is a whole number of them
MIX_FORMAT = 1  # part of every region key: bump it when the way a chapter is rendered changes
SPEECH_ACTIVE_DB = -45.0  # a 10 ms frame of a clip counts as speech above this RMS
REFERENCE_HOLD_LU = 0.5  # a rebuild keeps the last speech loudness reference while within this


def _trimmed(clip: Clip) -> Clip:
    return Clip(trim_silence(clip.samples, clip.rate), clip.rate)


def resampled_length(n: int, src: int, dst: int) -> int:
    """How many samples resample() returns for ``n`` input samples (scipy's resample_poly rule)."""
    g = gcd(src, dst)
    up, down = dst // g, src // g
    return -(-n * up // down)


def cue_seconds(kind: str, length: int, rate: int) -> float:
    """How long a cue of ``length`` samples holds the timeline: its end may overlap what follows."""
    return max(length / rate - CUE_OVERLAP[kind], 0.1)


def _end_padding(frames: int) -> int:
    """Silence that brings a chapter to a whole number of MP3 frames."""
    return (-frames) % FRAME_ALIGN


def chapter_frames(length: int, rate: int) -> int:
    """How many 10 ms analysis frames cover a chapter (the last may be partial)."""
    return -(-length // frame_size(rate))


def _db(value: float) -> float:
    return 10 ** (value / 20)


@dataclass(frozen=True, eq=False)
class MixSounds:
    """The sounds a mix uses, decoded to stereo at the mix rate: cues by kind, beds by chapter."""

    cues: dict[str, np.ndarray] = field(default_factory=dict)
    beds: tuple[tuple[str, np.ndarray] | None, ...] = ()  # per chapter: (name, loopable audio) or None

    @functools.cached_property
    def ids(self) -> dict[str, str]:
        """A content hash of each sound, by cue kind and bed name: what region keys name them by."""
        out = {kind: _digest(audio) for kind, audio in self.cues.items()}
        out.update({name: _digest(audio) for name, audio in (b for b in self.beds if b is not None)})
        return out


def _digest(audio: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(audio, dtype=np.float32).tobytes()).hexdigest()[:32]


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
    clips: dict[str, Clip]  # trimmed, at their engine's rate
    sounds: MixSounds
    layouts: tuple[ChapterLayout, ...]
    timeline: Timeline
    speech_lufs: float
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
            clip = self.clips[key]
            if offset - a >= n or offset + resampled_length(len(clip.samples), clip.rate, self.rate) <= a:
                continue
            if key not in ready:
                ready[key] = resample(clip, self.rate)
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

    def analyse(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-10 ms-frame K-weighted energy and true peak of the raw mix, chapter by chapter.

        Chapters are independent here, and numpy and scipy release the GIL, so two
        threads measure two chapters at once (2.3x faster on these 2 cores).
        """
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            results = list(pool.map(self.analyse_chapter, range(len(self.layouts))))
        return np.concatenate([e for e, _ in results]), np.concatenate([p for _, p in results])

    def analyse_chapter(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """One chapter's per-frame K-weighted energies and true peaks (its last frame padded with silence)."""
        raw = self.render_raw(index)
        f = frame_size(self.rate)
        pad = (-len(raw)) % f
        if pad:
            raw = np.concatenate([raw, np.zeros((pad, raw.shape[1]), dtype=raw.dtype)])
        return frame_energies(raw, self.rate), frame_true_peaks(raw, self.rate)

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
            clip = self.clips[key]
            n = resampled_length(len(clip.samples), clip.rate, self.rate)
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
            audio *= (self._curve(limiter, a, b) * np.float32(_db(self.master.gain_db)))[:, None]
        return audio

    def render(self) -> Iterator[np.ndarray]:
        """Each chapter's final audio in turn."""
        for i in range(len(self.layouts)):
            yield self.render_chapter(i)


def mix_episode(
    plan: Plan,
    clips: dict[str, Clip],
    sounds: MixSounds | None = None,
    rate: int = RATE,
    reference: float | None = None,
    energies_of: Callable[[str, Clip], np.ndarray] | None = None,
) -> Episode:
    """Lay every chapter end to end on one timeline, without rendering audio yet.

    Beds and cues are set relative to the speech's loudness. ``reference`` is
    the speech loudness the last build used: if this speech is within
    REFERENCE_HOLD_LU of it, it is kept, so an edit does not nudge every bed
    and cue (and so every chapter) by a hundredth of a dB. ``energies_of(key, trimmed clip)``
    may supply each clip's frame energies from a cache (see ``clip_energies``).
    """
    sounds = sounds or MixSounds()
    mix = plan.meta.mix
    channels = mix.channels
    trimmed = {key: _trimmed(clip) for key, clip in clips.items()}
    layouts: list[ChapterLayout] = []
    chapters: list[ChapterTime] = []
    sentences: list[SentenceTime] = []
    start = 0  # samples
    for chapter in plan.chapters:
        pos = 0
        speech: list[tuple[int, str]] = []
        cues: list[tuple[int, str]] = []
        for item in chapter.items:
            if isinstance(item, Silence):
                pos += int(round(item.seconds * rate))
            elif isinstance(item, Cue):
                if item.kind not in sounds.cues:
                    continue
                cues.append((pos, item.kind))
                pos += int(round(cue_seconds(item.kind, len(sounds.cues[item.kind]), rate) * rate))
            else:
                clip = trimmed[item.key]
                n = resampled_length(len(clip.samples), clip.rate, rate)
                speech.append((pos, item.key))
                sentences.append(_sentence_time(chapter, item, start + pos, start + pos + n, rate))
                pos += n
        pos += _end_padding(pos)
        layouts.append(ChapterLayout(start, pos, tuple(speech), tuple(cues)))
        chapters.append(ChapterTime(chapter.number, chapter.title, chapter.line, _ms(start, rate), _ms(start + pos, rate)))
        start += pos
    timeline = Timeline(duration_ms=_ms(start, rate), chapters=tuple(chapters), sentences=tuple(sentences))
    speech_lufs = _speech_loudness(plan, trimmed, channels, energies_of)
    measured = speech_lufs if math.isfinite(speech_lufs) else -20.0
    if reference is None or abs(reference - measured) > REFERENCE_HOLD_LU:
        reference = round(measured, 2)
    cue_gains = {kind: _db(reference + CUE_LEVEL[kind] - _loudness(snd, rate, channels)) for kind, snd in sounds.cues.items()}
    episode = Episode(plan, trimmed, sounds, tuple(layouts), timeline, speech_lufs, cue_gains=cue_gains, rate=rate,
                      channels=channels, reference=reference)
    if any(sounds.beds):
        runs = _bed_runs(episode, reference)
        duck = _duck_envelope(episode) if mix.ducking > 0 else None
        episode = replace(episode, beds=runs, duck=duck)
    return episode


def _tile(loop: np.ndarray, offset: int, length: int) -> np.ndarray:
    """``length`` samples of ``loop`` repeated end to end, starting ``offset`` samples into it."""
    start = offset % len(loop)
    pieces = [loop[start:]]
    have = len(pieces[0])
    while have < length:
        pieces.append(loop)
        have += len(loop)
    return np.concatenate(pieces)[:length]


def _loudness(sound: np.ndarray, rate: int, channels: int) -> float:
    """A sound's loudness as it will sit in the mix (its last 400 ms block counts too)."""
    audio = sound if channels == 2 else sound.mean(axis=1, keepdims=True)
    padded = np.concatenate([audio, np.zeros((rate // 2, audio.shape[1]), dtype=audio.dtype)])
    value = loudness_of(padded, rate)
    return value if math.isfinite(value) else -70.0


def clip_energies(clip: Clip) -> np.ndarray:
    """A (trimmed) clip's K-weighted energy per 10 ms frame, mono."""
    n = len(clip.samples) // frame_size(clip.rate) * frame_size(clip.rate)
    return frame_energies(clip.samples[:n, None], clip.rate) if n else np.zeros(0)


def _speech_loudness(
    plan: Plan, clips: dict[str, Clip], channels: int, energies_of: Callable[[str, Clip], np.ndarray] | None
) -> float:
    """Integrated loudness of the narration alone, as it will sit in the mix, from the clips."""
    measure = energies_of or (lambda key, clip: clip_energies(clip))
    energies = {key: measure(key, clip) * channels for key, clip in clips.items()}
    parts = [energies[s.key] for s in plan.speeches()]
    return integrated(np.concatenate(parts)) if parts else -math.inf


def _bed_runs(episode: Episode, reference: float) -> tuple[BedRun, ...]:
    """Each chapter's bed, looped from the chapter's start; at a join between two beds they crossfade."""
    mix = episode.plan.meta.mix
    rate = episode.rate
    layouts, beds = episode.layouts, episode.sounds.beds

    def cross(i: int) -> int:
        """The crossfade at the join before chapter i (both sides compute the same)."""
        want = max(int(mix.crossfade * rate), int(MIN_CROSSFADE * rate))
        return min(want, layouts[i - 1].length, layouts[i].length)

    runs = []
    levels: dict[str, float] = {}  # each bed's loudness, worked out once however many legs play it
    for i, (layout, bed) in enumerate(zip(layouts, beds)):
        if bed is None:
            continue
        name, loop = bed
        if name not in levels:
            levels[name] = _loudness(loop, rate, episode.channels)
        a, b = layout.start, layout.start + layout.length
        if i > 0 and beds[i - 1] is not None:
            c = cross(i)
            start, fade_in = a - c // 2, c
        else:
            start, fade_in = a, min(int(mix.fade * rate), (b - a) // 2)
        if i + 1 < len(layouts) and beds[i + 1] is not None:
            c = cross(i + 1)
            end, fade_out = b + c - c // 2, c
        else:
            end, fade_out = b, min(int(mix.fade * rate), (b - a) // 2)
        gain = _db(reference + mix.bed_level - levels[name])
        runs.append(BedRun(name, a, start, end, fade_in, fade_out, gain))
    return tuple(runs)


def _duck_envelope(episode: Episode) -> tuple[np.ndarray, ...]:
    """The beds' gain per 10 ms frame of each chapter: down by the ducking amount wherever the voice speaks."""
    rate = episode.rate
    f = frame_size(rate)
    threshold = _db(SPEECH_ACTIVE_DB) ** 2
    clip_frames: dict[str, np.ndarray] = {}
    frames_of = lambda seconds: max(1, int(round(seconds * 100)))  # noqa: E731
    hold, look = frames_of(DUCK_HOLD), frames_of(DUCK_LOOKAHEAD)
    attack, release = frames_of(DUCK_ATTACK), frames_of(DUCK_RELEASE)
    out = []
    for layout in episode.layouts:
        total = chapter_frames(layout.length, rate)
        active = np.zeros(total, dtype=bool)
        for offset, key in layout.speech:
            if key not in clip_frames:
                clip = episode.clips[key]
                cf = frame_size(clip.rate)
                m = len(clip.samples) // cf
                ms = np.square(clip.samples[: m * cf], dtype=np.float64).reshape(m, cf).mean(axis=1)
                clip_frames[key] = np.flatnonzero(ms > threshold)
            frames = offset // f + clip_frames[key]
            active[frames[frames < total]] = True
        # hold after speech, and look ahead of it
        idx = np.arange(total)
        last = np.maximum.accumulate(np.where(active, idx, -(10**9)))
        nxt = np.minimum.accumulate(np.where(active, idx, 10**9)[::-1])[::-1]
        since, until = idx - last, nxt - idx
        down_after = np.clip(1 - (since - hold) / release, 0, 1)  # 1 until the hold ends, then ramps up
        down_before = np.clip(1 - (until - look) / attack, 0, 1)  # ramps down before the next word
        depth = np.maximum(down_after, down_before)
        out.append((10 ** (-episode.plan.meta.mix.ducking * depth / 20)).astype(np.float32))
    return tuple(out)


def _sentence_time(chapter: ChapterPlan, speech: Speech, a: int, b: int, rate: int) -> SentenceTime:
    return SentenceTime(
        chapter=chapter.number,
        line=speech.line,
        text=speech.source,
        spoken=speech.text,
        start_ms=_ms(a, rate),
        end_ms=_ms(b, rate),
        role=speech.role,
        speaker=speech.speaker,
        paragraph=speech.paragraph,
    )


def _ms(frames: int, rate: int) -> int:
    return (frames * 1000 + rate // 2) // rate
