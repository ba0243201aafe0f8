"""M4B (AAC in MP4) with chapters in both forms players read, and iTunes-style tags.

ffmpeg writes the chapters from an ffmetadata file: a QuickTime chapter track
(Apple's players) and a Nero 'chpl' box (most others). mutagen can read MP4
chapters but not write them, so it writes only the tags, afterwards.
"""

from __future__ import annotations

from pathlib import Path

from mutagen.mp4 import MP4, MP4Cover

from narrate.export.tags import episode_tags
from narrate.plan import Plan
from narrate.timeline import Timeline

AUDIOBOOK = 2  # the 'stik' media kind audiobook players file an M4B under


def codec_args(channels: int) -> list[str]:
    """ffmpeg's AAC settings: 128 kbit/s stereo (96 overshot the true peak) or 64 kbit/s mono, the index at
    the front for streaming.

    The 'fast' coder, not ffmpeg's default two-loop search: its author found it sounds better at these rates
    (64 kbit/s a channel) and it costs far less (2.7x faster on a 91-minute stereo episode: 40 s against
    107 s of CPU, and it overshot the true peak less: BENCHMARKS.md, Decisions)."""
    return ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "128k" if channels > 1 else "64k",
            "-movflags", "+faststart"]


def ffmetadata(timeline: Timeline) -> str:
    """The chapters as an ffmetadata file, in milliseconds."""
    lines = [";FFMETADATA1"]
    for c in timeline.chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={c.start_ms}", f"END={c.end_ms}", f"title={_escape(c.title)}"]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    """ffmetadata escapes '=', ';', '#', '\\' and newlines with a backslash."""
    out = value
    for ch in ("\\", "=", ";", "#", "\n"):
        out = out.replace(ch, "\\" + ch)
    return out


def tag_m4b(path: Path, plan: Plan, timeline: Timeline, cover: Path | None) -> None:
    """Write the tags and cover into an encoded M4B; the chapters ffmpeg wrote stay as they are."""
    said = episode_tags(plan, timeline, cover)
    mp4 = MP4(str(path))
    if mp4.tags is None:
        mp4.add_tags()
    tags = mp4.tags
    assert tags is not None
    tags["\xa9nam"] = [said.title]
    if said.artist:
        tags["\xa9ART"] = [said.artist]
        tags["aART"] = [said.artist]
    tags["\xa9alb"] = [said.album]
    tags["\xa9gen"] = ["Audiobook"]
    if said.date:
        tags["\xa9day"] = [said.date]
    if said.description:
        tags["desc"] = [said.description]
        tags["\xa9cmt"] = [said.description]
    tags["\xa9lyr"] = [said.lyrics]
    tags["stik"] = [AUDIOBOOK]
    if said.cover is not None:
        kind = MP4Cover.FORMAT_PNG if said.cover_mime == "image/png" else MP4Cover.FORMAT_JPEG
        tags["covr"] = [MP4Cover(said.cover, imageformat=kind)]
    mp4.save()
