"""The files that go with the audio: chapters.json, WebVTT, SRT and the JSON transcript.

All of them are written from the episode's timeline, the same one the audio
was laid out by, so their times are the real times of the sentences and
chapters, not estimates. Text from the script is escaped for each format:
WebVTT cue text is HTML-like (``&``, ``<`` and ``>`` become entities); SRT has
no escapes, so its text is left as written; JSON is escaped by ``json``.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from narrate.plan import Plan
from narrate.timeline import SentenceTime, Timeline, stamp

CHAPTERS_VERSION = "1.2.0"  # Podcasting 2.0 JSON chapters
TRANSCRIPT_VERSION = "1.0.0"  # Podcasting 2.0 JSON transcript
LINE_WIDTH = 65  # characters per caption line (WebVTT and SRT)
NARRATOR = "Narrator"


@dataclass(frozen=True)
class Sidecar:
    """One file beside the episode: its name suffix, MIME type and contents."""

    suffix: str  # appended to the episode's stem: '.chapters.json', '.vtt', ...
    mime: str
    label: str  # for people, on the web page's download list
    data: bytes


def seconds(ms: int) -> float:
    """Milliseconds as the seconds the JSON formats use (exact to the millisecond)."""
    return round(ms / 1000, 3)


def degrees(value: float) -> str:
    """A coordinate as a geo: URI writes it, to 7 decimals (about a centimetre), no trailing zeros: 151.215297
    stays 151.215297 (6 significant digits would put it some 27 m off)."""
    said = f"{value:.7f}".rstrip("0").rstrip(".")
    return "0" if said == "-0" else said


def chapters_json(plan: Plan, timeline: Timeline, images: dict[int, str] | None = None) -> dict:
    """The Podcasting 2.0 chapters document; ``images`` maps chapter number to its image URL."""
    images = images or {}
    settings = {c.number: c.settings for c in plan.chapters}
    chapters = []
    for c in timeline.chapters:
        s = settings[c.number]
        entry: dict = {"startTime": seconds(c.start_ms), "endTime": seconds(c.end_ms), "title": c.title}
        if c.number in images:
            entry["img"] = images[c.number]
        if s.url:
            entry["url"] = s.url
        if s.coords:
            lat, lon = s.coords
            # the place at the coordinates, as the script names it (a leg's 'to' is often somewhere else)
            entry["location"] = {"name": s.place or c.title, "geo": f"geo:{degrees(lat)},{degrees(lon)}"}
        chapters.append(entry)
    doc: dict = {"version": CHAPTERS_VERSION, "title": plan.meta.title}
    if any("location" in c for c in chapters):
        doc["waypoints"] = True  # Podcasting 2.0: apps may draw the chapters' locations as a route
    if plan.meta.author:
        doc["author"] = plan.meta.author
    if plan.meta.album:
        doc["podcastName"] = plan.meta.album
    doc["chapters"] = chapters
    return doc


def transcript_json(timeline: Timeline) -> dict:
    """The Podcasting 2.0 JSON transcript: one segment per written word, as the specification's example has them
    (a sentence with no word to time is one segment)."""
    segments = []
    for s in timeline.sentences:
        extra = {"language": s.language} if s.language else {}  # a passage in another language
        for text, start, end in [(w.text, w.start_ms, w.end_ms) for w in s.words] or [(s.text, s.start_ms, s.end_ms)]:
            segments.append({"speaker": s.speaker or NARRATOR, "startTime": seconds(start), "endTime": seconds(end),
                             "body": text, **extra})
    return {"version": TRANSCRIPT_VERSION, "segments": segments}


def caption_lines(text: str) -> list[str]:
    """A sentence broken into lines of at most LINE_WIDTH characters (a longer word keeps its own line)."""
    return textwrap.wrap(text, LINE_WIDTH, break_long_words=False, break_on_hyphens=False) or [text]


def vtt_escape(text: str) -> str:
    """Cue text for WebVTT: '&', '<' and '>' as character references."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(timeline: Timeline) -> str:
    """A WebVTT caption file with one cue per sentence, each word after the first behind the timestamp it is said
    at (karaoke-style, as players that support it highlight); speakers as voice spans, passages in another language
    as language spans."""
    out = ["WEBVTT", ""]
    for n, s in enumerate(timeline.sentences, start=1):
        lines = timed_lines(s) if s.words else [vtt_escape(line) for line in caption_lines(s.text)]
        if s.language:  # a passage in another language: a language span around the cue's text
            lines[0] = f"<lang {s.language}>{lines[0]}"
            lines[-1] += "</lang>"
        if s.speaker:
            # the voice span's annotation may not hold '>' or a line break
            lines[0] = f"<v {vtt_escape(' '.join(s.speaker.split()))}>{lines[0]}"
        out += [f"c{s.chapter}-{n}", f"{stamp(s.start_ms, '.')} --> {stamp(s.end_ms, '.')}", *lines, ""]
    return "\n".join(out)


def timed_lines(s: SentenceTime) -> list[str]:
    """A sentence's cue text, in lines of at most LINE_WIDTH characters of text, each word after the first behind
    its timestamp (WebVTT wants each after the cue's start and the one before, and before the cue's end)."""
    lines: list[str] = []
    width, last = LINE_WIDTH + 1, s.start_ms
    for w in s.words:
        word = vtt_escape(w.text)
        if last < w.start_ms < s.end_ms:
            word, last = f"<{stamp(w.start_ms, '.')}>{word}", w.start_ms
        if width + 1 + len(w.text) > LINE_WIDTH:
            lines.append(word)
            width = len(w.text)
        else:
            lines[-1] += " " + word
            width += 1 + len(w.text)
    return lines


def srt(timeline: Timeline) -> str:
    """A SubRip file with one numbered cue per sentence."""
    out: list[str] = []
    for n, s in enumerate(timeline.sentences, start=1):
        lines = [line.replace("-->", "->") for line in caption_lines(s.text)]  # '-->' would read as a timing line
        out += [str(n), f"{stamp(s.start_ms, ',')} --> {stamp(s.end_ms, ',')}", *lines, ""]
    return "\n".join(out)


_PART = {"intro": "intro", "title": "heading", "leg": "heading", "outro": "close",
         "table": "table", "row": "table", **{f"h{n}": "subheading" for n in range(2, 7)}}


@dataclass(frozen=True)
class Passage:
    """Consecutive sentences that belong together: the intro, a chapter's heading, a paragraph, or the close."""

    chapter: int
    kind: str  # 'intro', 'heading' (the chapter's), 'subheading', 'text' or 'close'
    sentences: tuple[SentenceTime, ...]


def passages(sentences: Iterable[SentenceTime]) -> list[Passage]:
    """Sentences grouped as the script wrote them."""
    out: list[Passage] = []
    last = None
    for s in sentences:
        key = (s.chapter, _PART.get(s.role, "text"), s.paragraph)
        if key == last:
            out[-1] = Passage(out[-1].chapter, out[-1].kind, out[-1].sentences + (s,))
        else:
            out.append(Passage(key[0], key[1], (s,)))
        last = key
    return out


def plain_text(plan: Plan, timeline: Timeline) -> str:
    """The whole episode as text: the title, then each chapter's heading and paragraphs (for USLT and lyrics tags)."""
    meta = plan.meta
    out = [meta.title + (f"\nby {meta.author}" if meta.author else "")]
    titles = {c.number: c.title for c in timeline.chapters}
    for p in passages(timeline.sentences):
        if p.kind == "intro":
            continue
        if p.kind == "heading":  # '3. Title', then the leg's details if they were announced
            legs = [s.text for s in p.sentences if s.role == "leg"]
            out.append("\n".join([f"{p.chapter}. {titles[p.chapter]}", *legs]))
        else:
            out.append(" ".join(s.text for s in p.sentences))
    return "\n\n".join(out) + "\n"


def sidecars(plan: Plan, timeline: Timeline, images: dict[int, str] | None = None) -> list[Sidecar]:
    """Every sidecar file for an episode."""

    def as_json(doc: dict) -> bytes:
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    return [
        Sidecar(
            ".chapters.json",
            "application/json+chapters",
            "Chapters (Podcasting 2.0 JSON)",
            as_json(chapters_json(plan, timeline, images)),
        ),
        Sidecar(".vtt", "text/vtt", "Transcript with timings (WebVTT captions)", webvtt(timeline).encode("utf-8")),
        Sidecar(
            ".srt", "application/x-subrip", "Transcript with timings (SRT captions)", srt(timeline).encode("utf-8")
        ),
        Sidecar(
            ".transcript.json",
            "application/json",
            "Transcript with timings (Podcasting 2.0 JSON)",
            as_json(transcript_json(timeline)),
        ),
    ]
