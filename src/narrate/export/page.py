"""The episode's web page: one self-contained index.html beside the audio.

It plays the episode from the files beside it, lists the chapters as buttons
that seek, and shows the transcript with the sentence being read highlighted.
Everything is inline (style, script, data in attributes), so the page works
opened straight from the folder and makes no network request; its Content
Security Policy forbids any. Jinja2 escapes every piece of script text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2

from narrate import __version__
from narrate.export.sidecars import passages
from narrate.phrases import page_words
from narrate.plan import Plan, leg_description
from narrate.timeline import SentenceTime, Timeline, clock


@dataclass(frozen=True)
class Link:
    """A file beside the page: its name, MIME type, label and size."""

    name: str
    mime: str
    label: str
    size: int | None = None


@dataclass(frozen=True)
class WalkMap:
    """What the episode page shows of the walk: the map, its words, and the links."""

    svg: str  # its path under the episode's folder
    summary: str
    words: tuple[str, ...]
    page: str
    width: int
    height: int


def _size(n: int | None) -> str | None:
    if n is None:
        return None
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("narrate.export", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _span(s: SentenceTime) -> dict[str, Any]:
    """A sentence as the page shows it; in a paragraph, with its words, each marked as it is said."""
    words = [{"start": f"{w.start_ms / 1000:.3f}", "end": f"{w.end_ms / 1000:.3f}", "text": w.text} for w in s.words]
    return {"start": f"{s.start_ms / 1000:.3f}", "end": f"{s.end_ms / 1000:.3f}", "text": s.text, "lang": s.language,
            "words": words if len(words) > 1 else []}


def episode_page(plan: Plan, timeline: Timeline, sources: list[Link], downloads: list[Link], cover: str | None,
                 walk: WalkMap | None = None) -> str:
    """The HTML of the episode page; ``sources`` are the audio files the player may use, best first; ``walk``
    the walking tour's map, shown with its words and a link to the walk."""
    meta = plan.meta
    settings = {c.number: c.settings for c in plan.chapters}
    by_chapter: dict[int, list[list[dict]]] = {c.number: [] for c in timeline.chapters}
    for p in passages(timeline.sentences):
        if p.kind == "table":  # a real table, each row's first cell carrying the row's time
            head = next((s for s in p.sentences if s.role == "table"), None)
            by_chapter[p.chapter].append({"heading": None, "table": {
                "caption": _span(head) if head else None,
                "header": list(head.cells) if head else [],
                "rows": [{"time": _span(s), "cells": list(s.cells)} for s in p.sentences if s.role == "row"],
            }, "sentences": []})
            continue
        if p.kind in ("text", "close", "subheading"):
            by_chapter[p.chapter].append({"table": None,
                # a sub-heading is a heading in the page too: h4 for '##', h5 for '###', h6 below that
                "heading": min(int(p.sentences[0].role[1]) + 2, 6) if p.kind == "subheading" else None,
                "sentences": [_span(s) for s in p.sentences],
            })
    chapters = [
        {
            "number": c.number,
            "title": c.title,
            "start": f"{c.start_ms / 1000:.3f}",
            "clock": clock(c.start_ms),
            "leg": leg_description(settings[c.number], plan.meta.language),
            "passages": by_chapter[c.number],
        }
        for c in timeline.chapters
    ]
    return environment().get_template("episode.html").render(
        lang=meta.language,
        words=page_words(meta.language),
        title=meta.title,
        author=meta.author,
        description=meta.description,
        date=meta.date.isoformat() if meta.date else None,
        duration=clock(timeline.duration_ms + 500),  # rounded, as the CLI reports it
        cover=cover,
        chapters=chapters,
        sources=sources,
        downloads=[{"name": d.name, "label": d.label, "size": _size(d.size)} for d in downloads],
        version=__version__,
        walk=walk,
    )
