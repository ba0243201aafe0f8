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
    max_chapters: int | None = None  # the most chapters the file can hold (None: any number)
    listed_chapters: int | None = None  # the most in a second chapter list some players read alone


FORMATS: dict[str, AudioFormat] = {
    "mp3": AudioFormat("mp3", ".mp3", "audio/mpeg", "MP3", "mp3", mp3.codec_args, mp3.tag_mp3),
    # M4B: the QuickTime chapter track holds any number; the Nero 'chpl' list counts them in one byte
    "m4b": AudioFormat("m4b", ".m4b", "audio/mp4", "M4B audiobook (AAC)", "ipod", m4b.codec_args, m4b.tag_m4b, True,
                       peak_margin_db=2.0, listed_chapters=255),
    # Opus: Vorbis-comment chapters have three digits, CHAPTER001 to CHAPTER999 (narrate.export.opus)
    "opus": AudioFormat("opus", ".opus", "audio/ogg; codecs=opus", "Ogg Opus", "ogg", opus.codec_args, opus.tag_opus,
                        max_chapters=999),
}


def chapter_limits(names: list[str] | tuple[str, ...], count: int) -> tuple[list[str], list[str]]:
    """What the chosen formats cannot do with ``count`` chapters: (errors, warnings). MP3 nests its
    tables of contents, so it holds any number."""
    errors, warnings = [], []
    for name in names:
        fmt = FORMATS.get(name)
        if fmt is None:  # a talking book: its chapters are files and headings, any number
            continue
        if fmt.max_chapters is not None and count > fmt.max_chapters:
            errors.append(f"{count} chapters, but an {fmt.name} file holds at most {fmt.max_chapters}; "
                          f"build mp3 or m4b instead, or join chapters")
        elif fmt.listed_chapters is not None and count > fmt.listed_chapters:
            warnings.append(f"warning: {count} chapters: the {fmt.name} file has all of them in its QuickTime chapter "
                            f"track (Apple's players, ffmpeg), but its Nero chapter list, which some players read "
                            f"alone, holds only the first {fmt.listed_chapters}")
    return errors, warnings


def bytes_per_second(fmt: AudioFormat, channels: int) -> int:
    """About how many bytes a second of this format takes, from its bit rate."""
    args = fmt.codec_args(channels)
    rate = args[args.index("-b:a") + 1] if "-b:a" in args else "128k"
    return int(float(rate.rstrip("k")) * (1000 if rate.endswith("k") else 1)) // 8
SUFFIXES = {f.suffix: f.name for f in FORMATS.values()}
