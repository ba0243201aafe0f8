"""Lay the plan's clips out on a timeline, then render the audio chapter by chapter.

The timeline is computed first, from clip lengths alone; audio is rendered
one chapter at a time only when an encoder asks for it, so memory holds one
chapter, not the episode. Each chapter is a single numpy concatenation
(joining clips with '+' in a loop is quadratic: 22 s for an hour), padded to a
whole 10 ms so every chapter boundary is an exact millisecond.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from math import gcd

import numpy as np

from narrate.audio import Clip, resample, trim_silence
from narrate.plan import ChapterPlan, Plan, Silence, Speech
from narrate.timeline import ChapterTime, SentenceTime, Timeline

RATE = 44100
CHANNELS = 2
# Piper peak-normalises each sentence to full scale; leave MP3 headroom.
SPEECH_GAIN_DB = -3.0


def _trimmed(clip: Clip) -> Clip:
    return Clip(trim_silence(clip.samples, clip.rate), clip.rate)


def resampled_length(n: int, src: int, dst: int) -> int:
    """How many samples resample() returns for ``n`` input samples (scipy's resample_poly rule)."""
    g = gcd(src, dst)
    up, down = dst // g, src // g
    return -(-n * up // down)


def _silence_frames(item: Silence, rate: int) -> int:
    return int(round(item.seconds * rate))


def _end_padding(frames: int, rate: int) -> int:
    """Silence that brings a chapter to a whole 10 ms, so its boundaries are exact milliseconds."""
    return (-frames) % (rate // 100)


@dataclass(frozen=True, eq=False)
class Episode:
    """An episode laid out on its timeline; audio is rendered on demand."""

    plan: Plan
    clips: dict[str, Clip]  # trimmed, at their engine's rate
    timeline: Timeline
    chapter_frames: tuple[int, ...]
    rate: int = RATE
    channels: int = CHANNELS

    def render(self) -> Iterator[np.ndarray]:
        """Each chapter's audio in turn, float32 of shape (frames, channels)."""
        for chapter, frames in zip(self.plan.chapters, self.chapter_frames):
            audio = render_chapter(chapter, self.clips, self.rate, self.channels)
            assert len(audio) == frames, "rendered chapter differs from its timeline"
            yield audio


def render_chapter(chapter: ChapterPlan, clips: dict[str, Clip], rate: int = RATE, channels: int = CHANNELS) -> np.ndarray:
    """One chapter's audio from its plan and the (trimmed) clips."""
    gain = np.float32(10 ** (SPEECH_GAIN_DB / 20))
    parts: list[np.ndarray] = []
    ready: dict[str, np.ndarray] = {}
    for item in chapter.items:
        if isinstance(item, Silence):
            parts.append(np.zeros(_silence_frames(item, rate), dtype=np.float32))
        else:
            if item.key not in ready:
                ready[item.key] = resample(clips[item.key], rate) * gain
            parts.append(ready[item.key])
    parts.append(np.zeros(_end_padding(sum(len(p) for p in parts), rate), dtype=np.float32))
    mono = np.concatenate(parts)
    return np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono[:, None]


def mix_episode(plan: Plan, clips: dict[str, Clip], rate: int = RATE, channels: int = CHANNELS) -> Episode:
    """Lay every chapter end to end on one timeline, without rendering audio yet."""
    trimmed = {key: _trimmed(clip) for key, clip in clips.items()}
    chapters: list[ChapterTime] = []
    sentences: list[SentenceTime] = []
    frames_per_chapter: list[int] = []
    start = 0  # frames
    for chapter in plan.chapters:
        pos = 0
        for item in chapter.items:
            if isinstance(item, Silence):
                pos += _silence_frames(item, rate)
                continue
            clip = trimmed[item.key]
            n = resampled_length(len(clip.samples), clip.rate, rate)
            sentences.append(_sentence_time(chapter, item, start + pos, start + pos + n, rate))
            pos += n
        pos += _end_padding(pos, rate)
        chapters.append(ChapterTime(chapter.number, chapter.title, chapter.line, _ms(start, rate), _ms(start + pos, rate)))
        frames_per_chapter.append(pos)
        start += pos
    timeline = Timeline(duration_ms=_ms(start, rate), chapters=tuple(chapters), sentences=tuple(sentences))
    return Episode(plan, trimmed, timeline, tuple(frames_per_chapter), rate, channels)


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
    )


def _ms(frames: int, rate: int) -> int:
    return (frames * 1000 + rate // 2) // rate
