"""Mix the plan's clips into chapters of audio, and measure the timeline as it goes.

Chapters are mixed one at a time, each with a single numpy concatenation
(joining clips with '+' in a loop is quadratic: 22 s for an hour). Each
chapter's length is padded to a whole 10 ms, so every chapter boundary is an
exact millisecond and the ID3 times equal the sample positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from narrate.audio import Clip, resample, trim_silence
from narrate.plan import ChapterPlan, Plan, Silence, Speech
from narrate.timeline import ChapterTime, SentenceTime, Timeline

RATE = 44100
CHANNELS = 2
# Piper peak-normalises each sentence to full scale; leave MP3 headroom.
SPEECH_GAIN_DB = -3.0


@dataclass(frozen=True, eq=False)
class MixedChapter:
    """A chapter's audio, float32 of shape (frames, channels), and where its sentences lie."""

    samples: np.ndarray
    sentences: tuple[tuple[Speech, int, int], ...]  # speech, start frame, end frame (chapter-relative)


@dataclass(frozen=True, eq=False)
class Episode:
    """Mixed chapters in order, with their timeline."""

    chapters: tuple[MixedChapter, ...]
    timeline: Timeline
    rate: int
    channels: int


def mix_chapter(chapter: ChapterPlan, clips: dict[str, Clip], rate: int = RATE, channels: int = CHANNELS) -> MixedChapter:
    """One chapter's audio from its plan and the synthesised clips."""
    gain = np.float32(10 ** (SPEECH_GAIN_DB / 20))
    parts: list[np.ndarray] = []
    placed: list[tuple[Speech, int, int]] = []
    pos = 0
    prepared: dict[str, np.ndarray] = {}
    for item in chapter.items:
        if isinstance(item, Silence):
            part = np.zeros(int(round(item.seconds * rate)), dtype=np.float32)
        else:
            if item.key not in prepared:
                prepared[item.key] = trim_silence(resample(clips[item.key], rate), rate) * gain
            part = prepared[item.key]
            placed.append((item, pos, pos + len(part)))
        parts.append(part)
        pos += len(part)
    step = rate // 100  # 10 ms
    parts.append(np.zeros((-pos) % step, dtype=np.float32))
    mono = np.concatenate(parts)
    samples = np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono[:, None]
    return MixedChapter(samples=samples, sentences=tuple(placed))


def mix_episode(plan: Plan, clips: dict[str, Clip], rate: int = RATE, channels: int = CHANNELS) -> Episode:
    """Mix every chapter and lay them end to end on one timeline."""
    mixed: list[MixedChapter] = []
    chapters: list[ChapterTime] = []
    sentences: list[SentenceTime] = []
    start = 0  # frames
    for chapter in plan.chapters:
        m = mix_chapter(chapter, clips, rate, channels)
        end = start + len(m.samples)
        chapters.append(ChapterTime(chapter.number, chapter.title, chapter.line, _ms(start, rate), _ms(end, rate)))
        for speech, s0, s1 in m.sentences:
            sentences.append(
                SentenceTime(
                    chapter=chapter.number,
                    line=speech.line,
                    text=speech.source,
                    spoken=speech.text,
                    start_ms=_ms(start + s0, rate),
                    end_ms=_ms(start + s1, rate),
                    role=speech.role,
                    speaker=speech.speaker,
                )
            )
        mixed.append(m)
        start = end
    timeline = Timeline(duration_ms=_ms(start, rate), chapters=tuple(chapters), sentences=tuple(sentences))
    return Episode(chapters=tuple(mixed), timeline=timeline, rate=rate, channels=channels)


def _ms(frames: int, rate: int) -> int:
    return (frames * 1000 + rate // 2) // rate
