"""The mix stage: lay the plan out on a timeline, and decide every level, fade and duck.

Layers, bottom to top: each leg's ambient bed (looped, faded, crossfaded into
the next leg's bed, and ducked under the voice), the cues and stings, and the
speech. The timeline is computed from clip and sound lengths alone; the result
is an ``Episode`` (narrate.episode), which renders the audio one chapter at a
time only when asked for, with numpy in one pass per chapter (joining clips
with '+' in a loop is quadratic: 22 s for an hour).

Chapters are made independent of each other, so that an edit in one chapter
remixes and re-encodes that chapter alone (see narrate.encoding):
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
top (see narrate.master), in ``Episode.render_chapter``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from narrate.audio import RATE, Clip
from narrate.clips import Clips
from narrate.episode import FRAME_ALIGN, BedRun, ChapterLayout, Episode, chapter_frames
from narrate.loudness import frame_size, integrated, linear, loudness_of
from narrate.plan import ChapterPlan, Cue, Plan, Silence, Speech
from narrate.sounds import MixSounds
from narrate.readalong import written_words
from narrate.timeline import ChapterTime, SentenceTime, Timeline

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
REFERENCE_HOLD_LU = 0.5  # a rebuild keeps the last speech loudness reference while within this


def cue_seconds(kind: str, length: int, rate: int) -> float:
    """How long a cue of ``length`` samples holds the timeline: its end may overlap what follows."""
    return max(length / rate - CUE_OVERLAP[kind], 0.1)


def _end_padding(frames: int) -> int:
    """Silence that brings a chapter to a whole number of MP3 frames."""
    return (-frames) % FRAME_ALIGN


def mix_episode(
    plan: Plan,
    clips: Mapping[str, Clip],
    sounds: MixSounds | None = None,
    rate: int = RATE,
    reference: float | None = None,
    hold: bool = True,
) -> Episode:
    """Lay every chapter end to end on one timeline, without rendering audio yet.

    Beds and cues are set relative to the speech's loudness. ``reference`` is
    the speech loudness the last build used: if this speech is within
    REFERENCE_HOLD_LU of it, it is kept, so an edit does not nudge every bed
    and cue (and so every chapter) by a hundredth of a dB. ``clips`` are the synthesis stage's
    (``narrate.audio.Clips``: trimmed, their samples read back when rendered), or any clips in memory.
    Without ``hold``, ``reference`` is used as it is (narrate.stream mixes the first chapters at the
    reference the whole episode will be checked against).
    """
    sounds = sounds or MixSounds()
    mix = plan.meta.mix
    channels = mix.channels
    trimmed = Clips.in_memory(clips)
    layouts: list[ChapterLayout] = []
    chapters: list[ChapterTime] = []
    sentences: list[SentenceTime] = []
    start = 0  # samples
    for chapter in plan.chapters:
        layout = _chapter_layout(chapter, start, trimmed, sounds, rate, sentences)
        layouts.append(layout)
        chapters.append(ChapterTime(chapter.number, chapter.title, chapter.line, _ms(start, rate),
                                    _ms(start + layout.length, rate)))
        start += layout.length
    timeline = Timeline(duration_ms=_ms(start, rate), chapters=tuple(chapters), sentences=tuple(sentences))
    if reference is not None and not hold:  # (streaming's first chapters, many times over a long book)
        speech_lufs = math.nan  # not worked out: the reference is given, and nothing else reads it
    else:
        speech_lufs = speech_loudness(plan, trimmed, channels)
        measured = speech_lufs if math.isfinite(speech_lufs) else -20.0
        if reference is None or (hold and abs(reference - measured) > REFERENCE_HOLD_LU):
            reference = round(measured, 2)
    cue_gains = {
        kind: linear(reference + CUE_LEVEL[kind] - _loudness(snd, rate, channels)) for kind, snd in sounds.cues.items()
    }
    episode = Episode(plan, trimmed, sounds, tuple(layouts), timeline, speech_lufs, cue_gains=cue_gains, rate=rate,
                      channels=channels, reference=reference)
    if any(sounds.beds):
        runs = _bed_runs(episode, reference)
        duck = _duck_envelope(episode) if mix.ducking > 0 else None
        episode = replace(episode, beds=runs, duck=duck)
    return episode



def _chapter_layout(chapter: ChapterPlan, start: int, trimmed: Clips, sounds: MixSounds, rate: int,
                    sentences: list[SentenceTime]) -> ChapterLayout:
    """Where a chapter's sentences and cues fall, from ``start`` (in samples); each sentence's time is added to
    ``sentences``."""
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
            n = trimmed.length_at(item.key, rate)
            speech.append((pos, item.key))
            sentences.append(_sentence_time(chapter, item, start + pos, start + pos + n, rate, trimmed))
            pos += n
    pos += _end_padding(pos)
    return ChapterLayout(start, pos, tuple(speech), tuple(cues))


def _loudness(sound: np.ndarray, rate: int, channels: int) -> float:
    """A sound's loudness as it will sit in the mix (its last 400 ms block counts too)."""
    audio = sound if channels == 2 else sound.mean(axis=1, keepdims=True)
    padded = np.concatenate([audio, np.zeros((rate // 2, audio.shape[1]), dtype=audio.dtype)])
    value = loudness_of(padded, rate)
    return value if math.isfinite(value) else -70.0


def speech_loudness(plan: Plan, clips: Clips, channels: int) -> float:
    """Integrated loudness of the narration alone, as it will sit in the mix, from the clips' frame energies."""
    parts = [clips.energies[s.key] for s in plan.speeches()]
    if not parts:
        return -math.inf
    energies = np.concatenate(parts)
    energies *= channels  # in place: for a long book this array is tens of MB
    return integrated(energies)


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
        gain = linear(reference + mix.bed_level - levels[name])
        runs.append(BedRun(name, a, start, end, fade_in, fade_out, gain))
    return tuple(runs)


def _duck_envelope(episode: Episode) -> tuple[np.ndarray, ...]:
    """The beds' gain per 10 ms frame of each chapter: down by the ducking amount wherever the voice speaks."""
    rate = episode.rate
    f = frame_size(rate)
    frames_of = lambda seconds: max(1, int(round(seconds * 100)))  # noqa: E731
    hold, look = frames_of(DUCK_HOLD), frames_of(DUCK_LOOKAHEAD)
    attack, release = frames_of(DUCK_ATTACK), frames_of(DUCK_RELEASE)
    out = []
    for layout in episode.layouts:
        total = chapter_frames(layout.length, rate)
        active = np.zeros(total, dtype=bool)
        for offset, key in layout.speech:
            frames = offset // f + episode.clips.facts[key].active
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


def _sentence_time(chapter: ChapterPlan, speech: Speech, a: int, b: int, rate: int, clips: Clips) -> SentenceTime:
    """Where a sentence lies (samples ``a`` to ``b``), and when each of its written words is said."""
    start, end = _ms(a, rate), _ms(b, rate)
    said = clips.spoken_words(speech.key, speech.text)
    return SentenceTime(
        chapter=chapter.number,
        line=speech.line,
        text=speech.source,
        spoken=speech.text,
        start_ms=start,
        end_ms=end,
        role=speech.role,
        speaker=speech.speaker,
        paragraph=speech.paragraph,
        cells=speech.cells,
        language=speech.language,
        words=written_words(speech.source, said, start, end - start),
        timed_by=clips.timed_by(speech.key),
    )


def _ms(frames: int, rate: int) -> int:
    return (frames * 1000 + rate // 2) // rate
