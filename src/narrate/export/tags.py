"""What every format's tags say, worked out once: each format writes it in its own frames or atoms."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from narrate.export.sidecars import plain_text
from narrate.pictures import picture_mime
from narrate.plan import Plan
from narrate.timeline import Timeline


@dataclass(frozen=True)
class EpisodeTags:
    """The episode's tags in plain terms."""

    title: str
    artist: str | None
    album: str
    date: str | None  # ISO 8601
    description: str | None
    language: str  # BCP 47, as in the script
    lyrics: str  # the whole text: title, headings, paragraphs
    cover: bytes | None
    cover_mime: str  # image/png or image/jpeg


def episode_tags(plan: Plan, timeline: Timeline, cover: Path | None) -> EpisodeTags:
    """The tags every format carries, from the script's front matter, the text and the cover."""
    meta = plan.meta
    data = cover.read_bytes() if cover is not None else None
    return EpisodeTags(
        title=meta.title,
        artist=meta.author,
        album=meta.album or meta.title,
        date=meta.date.isoformat() if meta.date else None,
        description=meta.description,
        language=meta.language,
        lyrics=plain_text(plan, timeline),
        cover=data,
        cover_mime=(picture_mime(data) if data else None) or "image/jpeg",
    )
