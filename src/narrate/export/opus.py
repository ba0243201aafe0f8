"""Ogg Opus with Vorbis-comment tags, chapters (CHAPTER001=HH:MM:SS.mmm) and cover."""

from __future__ import annotations

import base64
from pathlib import Path

from mutagen.flac import Picture
from mutagen.id3 import PictureType
from mutagen.oggopus import OggOpus

from narrate.export.mp3 import picture_mime
from narrate.export.sidecars import plain_text
from narrate.plan import Plan
from narrate.timeline import Timeline


def codec_args(channels: int) -> list[str]:
    """ffmpeg's Opus settings: 64 kbit/s stereo or 40 kbit/s mono, at Opus's own 48 kHz."""
    return ["-c:a", "libopus", "-b:a", "64k" if channels > 1 else "40k", "-ar", "48000"]


def chapter_comments(timeline: Timeline) -> dict[str, str]:
    """The Vorbis chapter extension: CHAPTERnnn and CHAPTERnnnNAME, numbered from 001."""
    out = {}
    for n, c in enumerate(timeline.chapters, start=1):
        h, rem = divmod(c.start_ms, 3_600_000)
        m, rem = divmod(rem, 60_000)
        s, ms = divmod(rem, 1000)
        out[f"CHAPTER{n:03d}"] = f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
        out[f"CHAPTER{n:03d}NAME"] = c.title
    return out


def tag_opus(path: Path, plan: Plan, timeline: Timeline, cover: Path | None) -> None:
    """Write the comments (tags, chapters, cover as METADATA_BLOCK_PICTURE) into an encoded Opus file."""
    meta = plan.meta
    opus = OggOpus(str(path))
    tags = opus.tags
    assert tags is not None
    tags.clear()
    tags["TITLE"] = meta.title
    if meta.author:
        tags["ARTIST"] = meta.author
    tags["ALBUM"] = meta.album or meta.title
    tags["GENRE"] = "Podcast"
    if meta.date:
        tags["DATE"] = meta.date.isoformat()
    if meta.description:
        tags["DESCRIPTION"] = meta.description
    tags["LANGUAGE"] = meta.language
    tags["LYRICS"] = plain_text(plan, timeline)
    for key, value in chapter_comments(timeline).items():
        tags[key] = value
    if cover is not None:
        data = cover.read_bytes()
        picture = Picture()
        picture.type = PictureType.COVER_FRONT
        picture.mime = picture_mime(data) or "image/jpeg"
        picture.desc = "Cover"
        picture.data = data
        tags["METADATA_BLOCK_PICTURE"] = base64.b64encode(picture.write()).decode("ascii")
    opus.save()
