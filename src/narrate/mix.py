"""Lay the plan out on a timeline, then render the mix chapter by chapter.

Layers, bottom to top: each leg's ambient bed (looped, faded, crossfaded into
the next leg's bed, and ducked under the voice), the cues and stings, and the
speech. The timeline is computed first, from clip and sound lengths alone;
audio is rendered one chapter at a time only when asked for, so memory holds
one chapter, not the episode. Each chapter is built with numpy in one pass
(joining clips with '+' in a loop is quadratic: 22 s for an hour) and padded
to a whole 10 ms, so chapter boundaries are exact milliseconds and line up
with the loudness frames.

Levels are set relative to the speech's own loudness; the master gain and
true-peak limiter that bring the whole to the podcast target are applied on
top (see narrate.loudness), in ``Episode.render``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
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
SPEECH_ACTIVE_DB = -45.0  # a 10 ms frame of a clip counts as speech above this RMS


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


def _end_padding(frames: int, rate: int) -> int:
    """Silence that brings a chapter to a whole 10 ms, so its boundaries are exact milliseconds."""
    return (-frames) % frame_size(rate)


def _db(value: float) -> float:
    return 10 ** (value / 20)


@dataclass(frozen=True, eq=False)
class MixSounds:
    """The sounds a mix uses, decoded to stereo at the mix rate: cues by kind, beds by chapter."""

    cues: dict[str, np.ndarray] = field(default_factory=dict)
    beds: tuple[tuple[str, np.ndarray] | None, ...] = ()  # per chapter: (name, loopable audio) or None


@dataclass(frozen=True)
class ChapterLayout:
    """Where everything in one chapter sits, in samples from the chapter's start."""

    start: int  # in the episode
    length: int
    speech: tuple[tuple[int, str], ...]  # (offset, clip key)
    cues: tuple[tuple[int, str], ...]  # (offset, cue kind)


@dataclass(frozen=True)
class BedRun:
    """One bed playing across one or more consecutive chapters (episode samples)."""

    name: str
    start: int  # first audible sample; the loop starts here
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
    duck: np.ndarray | None = None  # per 10 ms frame of the episode, linear gain on the beds
    cue_gains: dict[str, float] = field(default_factory=dict)
    rate: int = RATE
    channels: int = 2
    master: Master | None = None

    @property
    def chapter_frames(self) -> tuple[int, ...]:
        return tuple(layout.length for layout in self.layouts)

    def render_raw(self, index: int) -> np.ndarray:
        """One chapter's mix before the master gain: float32 of shape (samples, channels)."""
        layout = self.layouts[index]
        n = layout.length
        speech = np.zeros(n, dtype=np.float32)
        ready: dict[str, np.ndarray] = {}
        for offset, key in layout.speech:
            if key not in ready:
                ready[key] = resample(self.clips[key], self.rate)
            clip = ready[key]
            speech[offset : offset + len(clip)] += clip
        out = np.repeat(speech[:, None], self.channels, axis=1)
        for offset, kind in layout.cues:
            sound = self.sounds.cues[kind]
            m = min(len(sound), n - offset)
            out[offset : offset + m] += self._fit(sound[:m]) * np.float32(self.cue_gains[kind])
        if self.beds:
            out += self._bed_layer(layout)
        return out

    def _fit(self, stereo: np.ndarray) -> np.ndarray:
        return stereo if self.channels == 2 else stereo.mean(axis=1, keepdims=True)

    def _bed_layer(self, layout: ChapterLayout) -> np.ndarray:
        a, b = layout.start, layout.start + layout.length
        layer = np.zeros((layout.length, self.channels), dtype=np.float32)
        loops = dict(x for x in self.sounds.beds if x is not None)
        for run in self.beds:
            lo, hi = max(a, run.start), min(b, run.end)
            if lo >= hi:
                continue
            audio = self._fit(_tile(loops[run.name], lo - run.start, hi - lo)) * np.float32(run.gain)
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
            f = frame_size(self.rate)
            layer *= frame_curve(self.duck, a // f, layout.length // f, self.rate)[:, None]
        return layer

    def analyse(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-10 ms-frame K-weighted energy and true peak of the raw mix, chapter by chapter.

        Chapters are independent here, and numpy and scipy release the GIL, so two
        threads measure two chapters at once (2.3x faster on these 2 cores).
        """
        from concurrent.futures import ThreadPoolExecutor

        def one(i: int) -> tuple[np.ndarray, np.ndarray]:
            raw = self.render_raw(i)
            return frame_energies(raw, self.rate), frame_true_peaks(raw, self.rate)

        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            results = list(pool.map(one, range(len(self.layouts))))
        return np.concatenate([e for e, _ in results]), np.concatenate([p for _, p in results])

    def with_master(self, master: Master) -> Episode:
        return replace(self, master=master)

    def render_chapter(self, index: int) -> np.ndarray:
        """One chapter's final audio (master gain and limiter applied, if set)."""
        audio = self.render_raw(index)
        if self.master is not None:
            f = frame_size(self.rate)
            layout = self.layouts[index]
            curve = frame_curve(self.master.limiter, layout.start // f, layout.length // f, self.rate)
            audio *= (curve * np.float32(_db(self.master.gain_db)))[:, None]
        return audio

    def render(self) -> Iterator[np.ndarray]:
        """Each chapter's final audio in turn."""
        for i in range(len(self.layouts)):
            yield self.render_chapter(i)


def mix_episode(plan: Plan, clips: dict[str, Clip], sounds: MixSounds | None = None, rate: int = RATE) -> Episode:
    """Lay every chapter end to end on one timeline, without rendering audio yet."""
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
        pos += _end_padding(pos, rate)
        layouts.append(ChapterLayout(start, pos, tuple(speech), tuple(cues)))
        chapters.append(ChapterTime(chapter.number, chapter.title, chapter.line, _ms(start, rate), _ms(start + pos, rate)))
        start += pos
    timeline = Timeline(duration_ms=_ms(start, rate), chapters=tuple(chapters), sentences=tuple(sentences))
    speech_lufs = _speech_loudness(plan, trimmed, channels)
    reference = speech_lufs if math.isfinite(speech_lufs) else -20.0
    cue_gains = {kind: _db(reference + CUE_LEVEL[kind] - _loudness(snd, rate, channels)) for kind, snd in sounds.cues.items()}
    episode = Episode(plan, trimmed, sounds, tuple(layouts), timeline, speech_lufs, cue_gains=cue_gains, rate=rate, channels=channels)
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


def _speech_loudness(plan: Plan, clips: dict[str, Clip], channels: int) -> float:
    """Integrated loudness of the narration alone, as it will sit in the mix, from the clips."""
    energies = {}
    for key, clip in clips.items():
        n = len(clip.samples) // frame_size(clip.rate) * frame_size(clip.rate)
        energies[key] = frame_energies(clip.samples[:n, None], clip.rate) * channels if n else np.zeros(0)
    parts = [energies[s.key] for s in plan.speeches()]
    return integrated(np.concatenate(parts)) if parts else -math.inf


def _bed_runs(episode: Episode, reference: float) -> tuple[BedRun, ...]:
    """Consecutive chapters with the same bed play it as one run; different beds crossfade."""
    mix = episode.plan.meta.mix
    rate = episode.rate
    spans: list[tuple[str, int, int, np.ndarray]] = []  # name, start, end, loop
    for layout, bed in zip(episode.layouts, episode.sounds.beds):
        if bed is None:
            continue
        name, loop = bed
        end = layout.start + layout.length
        if spans and spans[-1][0] == name and spans[-1][2] == layout.start:
            spans[-1] = (name, spans[-1][1], end, loop)
        else:
            spans.append((name, layout.start, end, loop))
    runs = []
    for i, (name, a, b, loop) in enumerate(spans):
        prev_adjacent = i > 0 and spans[i - 1][2] == a
        next_adjacent = i + 1 < len(spans) and spans[i + 1][1] == b
        start, end = a, b
        if prev_adjacent:
            cross = min(int(mix.crossfade * rate), b - a, a - spans[i - 1][1])
            start, fade_in = a - cross // 2, cross
        else:
            fade_in = min(int(mix.fade * rate), (b - a) // 2)
        if next_adjacent:
            cross = min(int(mix.crossfade * rate), b - a, spans[i + 1][2] - b)
            end, fade_out = b + cross - cross // 2, cross
        else:
            fade_out = min(int(mix.fade * rate), (b - a) // 2)
        gain = _db(reference + mix.bed_level - _loudness(loop, rate, episode.channels))
        runs.append(BedRun(name, start, end, fade_in, fade_out, gain))
    return tuple(runs)


def _duck_envelope(episode: Episode) -> np.ndarray:
    """The beds' gain per 10 ms frame: down by the ducking amount wherever the voice speaks."""
    rate = episode.rate
    f = frame_size(rate)
    total = sum(layout.length for layout in episode.layouts) // f
    active = np.zeros(total, dtype=bool)
    threshold = _db(SPEECH_ACTIVE_DB) ** 2
    clip_frames: dict[str, np.ndarray] = {}
    for layout in episode.layouts:
        for offset, key in layout.speech:
            if key not in clip_frames:
                clip = episode.clips[key]
                cf = frame_size(clip.rate)
                m = len(clip.samples) // cf
                ms = np.square(clip.samples[: m * cf], dtype=np.float64).reshape(m, cf).mean(axis=1)
                clip_frames[key] = np.flatnonzero(ms > threshold)
            frames = (layout.start + offset) // f + clip_frames[key]
            active[frames[frames < total]] = True
    frames_of = lambda seconds: max(1, int(round(seconds * 100)))  # noqa: E731
    # hold after speech, and look ahead of it
    idx = np.arange(total)
    last = np.maximum.accumulate(np.where(active, idx, -(10**9)))
    nxt = np.minimum.accumulate(np.where(active, idx, 10**9)[::-1])[::-1]
    since, until = idx - last, nxt - idx
    hold, look = frames_of(DUCK_HOLD), frames_of(DUCK_LOOKAHEAD)
    attack, release = frames_of(DUCK_ATTACK), frames_of(DUCK_RELEASE)
    down_after = np.clip(1 - (since - hold) / release, 0, 1)  # 1 until the hold ends, then ramps up
    down_before = np.clip(1 - (until - look) / attack, 0, 1)  # ramps down before the next word
    depth = np.maximum(down_after, down_before)
    return (10 ** (-episode.plan.meta.mix.ducking * depth / 20)).astype(np.float32)


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
