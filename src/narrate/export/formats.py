"""The audio formats a build can write, by name: how ffmpeg encodes each, and how it is tagged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from narrate.export import m4b, mp3, opus
from narrate.plan import Plan
from narrate.timeline import Timeline

Tagger = Callable[[Path, Plan, Timeline, "Path | None"], None]


@dataclass(frozen=True)
class AudioFormat:
    """One kind of episode file."""

    name: str  # as in --format and the 'formats' setting
    suffix: str
    mime: str  # for feeds and the web page's <source type>
    label: str  # for people: 'MP3', 'M4B audiobook', ...
    muxer: str  # ffmpeg's -f
    codec_args: Callable[[int], list[str]]
    tag: Tagger
    chapters_from_ffmetadata: bool = False  # ffmpeg writes this format's chapters, from an ffmetadata input
    # how far under the true-peak ceiling the mastered samples must peak for this codec's own overshoot to
    # stay under it (AAC overshoots most, at transients: the demo's M4B peaked 1.6 dB above its PCM)
    peak_margin_db: float = 1.0


FORMATS: dict[str, AudioFormat] = {
    "mp3": AudioFormat("mp3", ".mp3", "audio/mpeg", "MP3", "mp3", mp3.codec_args, mp3.tag_mp3),
    "m4b": AudioFormat("m4b", ".m4b", "audio/mp4", "M4B audiobook (AAC)", "ipod", m4b.codec_args, m4b.tag_m4b, True,
                       peak_margin_db=2.0),
    "opus": AudioFormat("opus", ".opus", "audio/ogg; codecs=opus", "Ogg Opus", "ogg", opus.codec_args, opus.tag_opus),
}
SUFFIXES = {f.suffix: f.name for f in FORMATS.values()}
