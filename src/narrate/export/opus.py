"""Ogg Opus with Vorbis-comment tags, chapters (CHAPTER001=HH:MM:SS.mmm) and cover."""

from __future__ import annotations

import base64
from pathlib import Path

from mutagen.flac import Picture
from mutagen.id3 import PictureType
from mutagen.oggopus import OggOpus

from narrate.export.tags import episode_tags
from narrate.plan import Plan
from narrate.timeline import Timeline, stamp


def codec_args(channels: int) -> list[str]:
    """ffmpeg's Opus settings: 64 kbit/s stereo or 40 kbit/s mono, at Opus's own 48 kHz. Bit-exact: the Ogg
    stream's serial number is fixed rather than random, so the same episode gives the same file, wherever it
    is built."""
    return ["-c:a", "libopus", "-b:a", "64k" if channels > 1 else "40k", "-ar", "48000", "-fflags", "+bitexact"]


def chapter_comments(timeline: Timeline) -> dict[str, str]:
    """The Vorbis chapter extension: CHAPTERnnn and CHAPTERnnnNAME, numbered from 001."""
    out = {}
    for n, c in enumerate(timeline.chapters, start=1):
        out[f"CHAPTER{n:03d}"] = stamp(c.start_ms)
        out[f"CHAPTER{n:03d}NAME"] = c.title
    return out


def tag_opus(path: Path, plan: Plan, timeline: Timeline, cover: Path | None) -> None:
    """Write the comments (tags, chapters, cover as METADATA_BLOCK_PICTURE) into an encoded Opus file."""
    said = episode_tags(plan, timeline, cover)
    opus = OggOpus(str(path))
    tags = opus.tags
    assert tags is not None
    tags.clear()
    tags["TITLE"] = said.title
    if said.artist:
        tags["ARTIST"] = said.artist
    tags["ALBUM"] = said.album
    tags["GENRE"] = "Podcast"
    if said.date:
        tags["DATE"] = said.date
    if said.description:
        tags["DESCRIPTION"] = said.description
    tags["LANGUAGE"] = said.language
    tags["LYRICS"] = said.lyrics
    for key, value in chapter_comments(timeline).items():
        tags[key] = value
    if said.cover is not None:
        picture = Picture()
        picture.type = PictureType.COVER_FRONT
        picture.mime = said.cover_mime
        picture.desc = "Cover"
        picture.data = said.cover
        tags["METADATA_BLOCK_PICTURE"] = base64.b64encode(picture.write()).decode("ascii")
    opus.save()
