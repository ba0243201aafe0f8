"""The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces.

Items come from the build records (``<episode>.manifest.json``) found under
the output folder, so building one episode of a series updates its item and
keeps the others. URLs are the base_url joined with each file's path under
the output folder. ElementTree writes the XML, so every piece of script text
is escaped by construction.
"""

from __future__ import annotations

import datetime as _dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

from narrate import __version__
from narrate.record import BuildRecord, ChapterRecord, Show, build_time

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
PSC = "http://podlove.org/simple-chapters"  # Podlove Simple Chapters: what gPodder and others read in a feed
# Podcasting 2.0's namespace for podcast:guid (a UUIDv5 of the feed's URL without its scheme)
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)
ET.register_namespace("atom", ATOM)
ET.register_namespace("psc", PSC)


def edition_label(edition: str) -> str:
    """What a feed's title adds for an edition: ' (speech only)', ' (read at 0.85× speed)', or nothing."""
    speech, _, rate = edition.partition("rate-")
    notes = (["speech only"] if speech.startswith("speech") else []) + ([f"read at {rate}× speed"] if rate else [])
    return f" ({', '.join(notes)})" if notes else ""


def feed_name(edition: str) -> str:
    """feed.xml for the full edition, feed-speech.xml for the speech-only one, feed-rate-0.85.xml for a
    slower reading (``edition`` is the edition's name, narrate.plan.edition_name)."""
    return "feed.xml" if edition == "full" else f"feed-{edition}.xml"


@dataclass(frozen=True)
class FeedEpisode:
    """One episode's build record and its folder under the feed's root ('' or 'name/')."""

    record: BuildRecord
    folder: str

    def url(self, base_url: str, name: str) -> str:
        return base_url + quote(self.folder + name)


def find_episodes(root: Path, edition: str) -> list[FeedEpisode]:
    """The build records of this edition under ``root`` and its immediate subfolders."""
    found = []
    for path in sorted([*root.glob("*.manifest.json"), *root.glob("*/*.manifest.json")]):
        record = BuildRecord.read(path)
        if record is None or record.edition != edition:
            continue  # not ours, or unreadable: not an episode of this feed
        if not all((path.parent / a.name).is_file() for a in record.publish.audio):
            continue  # its audio was removed: the episode is withdrawn
        folder = path.parent.relative_to(root).as_posix()
        found.append(FeedEpisode(record, "" if folder == "." else folder + "/"))
    return found


def last_built(episodes: list[FeedEpisode]) -> _dt.datetime:
    """When the newest episode was built (so an unchanged series gives the same feed, byte for byte)."""
    times = []
    for e in episodes:
        try:
            times.append(_dt.datetime.strptime(e.record.built, "%Y-%m-%dT%H:%M:%S%z"))
        except ValueError:
            continue
    return max(times, default=build_time()).astimezone(_dt.timezone.utc)


def podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 podcast:guid for a feed URL."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _seconds(ms: int) -> str:
    return str(round(ms / 1000))


def feed_xml(show: Show, episodes: list[FeedEpisode], base_url: str, edition: str) -> bytes:
    """The feed document; ``show`` holds the channel's settings (title, author, cover, ...)."""
    feed_url = base_url + feed_name(edition)
    rss = ET.Element("rss", {"version": "2.0"})
    ch = _sub(rss, "channel")
    title = show.title + edition_label(edition)
    _sub(ch, "title", title)
    _sub(ch, "link", base_url)
    _sub(ch, "description", show.description or title)
    _sub(ch, "language", show.language)
    _sub(ch, "generator", f"narrate {__version__}")
    _sub(ch, "lastBuildDate", format_datetime(last_built(episodes)))
    _sub(ch, f"{{{ATOM}}}link", href=feed_url, rel="self", type="application/rss+xml")
    if show.author:
        _sub(ch, f"{{{ITUNES}}}author", show.author)
    cover = next((e for e in episodes if e.record.publish.cover), None)
    if cover is not None:
        image_url = cover.url(base_url, cover.record.publish.cover)
        _sub(ch, f"{{{ITUNES}}}image", href=image_url)
        image = _sub(ch, "image")
        _sub(image, "url", image_url)
        _sub(image, "title", title)
        _sub(image, "link", base_url)
    if show.category:
        top, _, sub = show.category.partition("/")
        cat = _sub(ch, f"{{{ITUNES}}}category", text_=top.strip())  # an attribute, not element text
        if sub.strip():
            _sub(cat, f"{{{ITUNES}}}category", text_=sub.strip())
    _sub(ch, f"{{{ITUNES}}}explicit", "true" if show.explicit else "false")
    _sub(ch, f"{{{ITUNES}}}type", show.type or "episodic")
    if show.email:
        owner = _sub(ch, f"{{{ITUNES}}}owner")
        if show.author:
            _sub(owner, f"{{{ITUNES}}}name", show.author)
        _sub(owner, f"{{{ITUNES}}}email", show.email)
    _sub(ch, f"{{{PODCAST}}}guid", podcast_guid(feed_url))
    newest_first = sorted(episodes, key=lambda e: (e.record.publish.pub_date_iso, e.folder), reverse=True)
    for e in newest_first:
        _item(ch, e, base_url, show)
    ET.indent(rss, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(rss, encoding="utf-8") + b"\n"


def _item(ch: ET.Element, e: FeedEpisode, base_url: str, show: Show) -> None:
    pub = e.record.publish
    item = _sub(ch, "item")
    _sub(item, "title", pub.title)
    _sub(item, "description", described(pub.description or pub.title, e.record.chapters, e.record.duration_ms))
    _sub(item, "link", e.url(base_url, pub.page))
    _sub(item, "guid", pub.guid, isPermaLink="false")
    _sub(item, "pubDate", pub.pub_date)
    main, *others = pub.audio
    _sub(item, "enclosure", url=e.url(base_url, main.name), length=str(main.bytes), type=main.mime)
    _sub(item, f"{{{ITUNES}}}title", pub.title)
    if pub.author:
        _sub(item, f"{{{ITUNES}}}author", pub.author)
    _sub(item, f"{{{ITUNES}}}duration", _seconds(e.record.duration_ms))
    _sub(item, f"{{{ITUNES}}}episodeType", "full")
    if pub.episode:
        _sub(item, f"{{{ITUNES}}}episode", str(pub.episode))
    if pub.season:
        _sub(item, f"{{{ITUNES}}}season", str(pub.season))
    _sub(item, f"{{{ITUNES}}}explicit", "true" if show.explicit else "false")
    if pub.cover:
        _sub(item, f"{{{ITUNES}}}image", href=e.url(base_url, pub.cover))
    _sub(item, f"{{{PODCAST}}}chapters", url=e.url(base_url, pub.chapters), type="application/json+chapters")
    simple = _sub(item, f"{{{PSC}}}chapters", version="1.2")
    for c in e.record.chapters:
        _sub(simple, f"{{{PSC}}}chapter", start=_npt(c.start_ms), title=c.title)
    for t in pub.transcripts:
        attrs = {"url": e.url(base_url, t.name), "type": t.mime, "language": pub.language}
        if t.mime in ("text/vtt", "application/x-subrip"):
            attrs["rel"] = "captions"
        _sub(item, f"{{{PODCAST}}}transcript", **attrs)
    if pub.episode:
        _sub(item, f"{{{PODCAST}}}episode", str(pub.episode))
    if pub.season:
        _sub(item, f"{{{PODCAST}}}season", str(pub.season))
    for alt in others:
        a = _sub(item, f"{{{PODCAST}}}alternateEnclosure", type=alt.mime, length=str(alt.bytes), title=alt.label)
        _sub(a, f"{{{PODCAST}}}source", uri=e.url(base_url, alt.name))


def _npt(ms: int) -> str:
    """A Podlove Simple Chapters time: HH:MM:SS.mmm."""
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def timestamp(ms: int, long: bool) -> str:
    """A chapter time as apps read it in a description: MM:SS, or HH:MM:SS in an episode of an hour or more."""
    s = ms // 1000
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}" if long else f"{m:02d}:{s:02d}"


def described(text: str, chapters: Sequence[ChapterRecord], duration_ms: int) -> str:
    """An item's description with its chapters after it, a line each (``00:00 Title``, the first at 00:00):
    Spotify, and Apple Podcasts from iOS 26.2, make chapters of these where a feed gives no others."""
    if not chapters:
        return text
    long = duration_ms >= 3_600_000
    lines = [f"{timestamp(0 if i == 0 else c.start_ms, long)} {c.title}" for i, c in enumerate(chapters)]
    return text + "\n\n" + "\n".join(lines)


def episode_guid(show_title: str, stem: str) -> str:
    """A permanent item id for an episode that sets none: stable across rebuilds and hosts."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:narrate:{show_title}:{stem}"))


def pub_date(date: _dt.date | None, previous_iso: str | None) -> tuple[str, str]:
    """(RFC 2822, ISO 8601) publication time: the script's date at midnight UTC, else the
    first build's time (kept in the build record), else now."""
    if date is not None:
        when = _dt.datetime(date.year, date.month, date.day, tzinfo=_dt.timezone.utc)
    elif previous_iso:
        when = _dt.datetime.fromisoformat(previous_iso)
    else:
        when = build_time()
    return format_datetime(when), when.isoformat()
