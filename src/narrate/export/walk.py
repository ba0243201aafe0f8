"""The walking tour (``--format walk``): a folder ``<stem>.walk/`` beside the episode.

    walk.html      the page to walk with: it follows the listener's position and plays each leg at its stop
    leg-01.mp3 ... each chapter's audio, cut from the mastered episode (narrate.export.books)
    tour.geojson   the stops, zones and routes (narrate.export.tour)
    tour.gpx       the same for GPS apps and Soundscape
    map.svg        the routes and numbered stops, drawn offline (narrate.export.walkmap)
    sw.js          the service worker that keeps the page, the map and the legs for use with no network

The episode page shows the map, with its text beside it, and links the walk.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from narrate import __version__
from narrate.export.book import Book
from narrate.export.layout import Layout
from narrate.export.page import WalkMap, environment
from narrate.export.tour import TourAbout, next_directions, position, tour_geojson, tour_gpx
from narrate.export.walkmap import map_size, map_svg, map_summary, map_words
from narrate.walk_words import compass_names, distance_in, walk_words
from narrate.plan import Plan, chapter_announcement
from narrate.script import Chapter
from narrate.timeline import Timeline
from narrate.tour import Tour

DATA_FILES = ("walk.html", "tour.geojson", "tour.gpx", "map.svg", "sw.js")


def walk_folder(layout: Layout) -> Path:
    return layout.folder / f"{layout.stem}.walk"


def leg_name(number: int) -> str:
    return f"leg-{number:02d}.mp3"


def walk_paths(layout: Layout, tour: Tour) -> list[Path]:
    """Every file of the walk."""
    folder = walk_folder(layout)
    return [folder / name for name in DATA_FILES] + [folder / leg_name(s.number) for s in tour.stops]


def page_map(layout: Layout, tour: Tour, title: str, language: str = "en") -> WalkMap:
    folder = walk_folder(layout).name
    width, height = map_size(tour)
    return WalkMap(f"{folder}/map.svg", map_summary(tour, title, language), tuple(map_words(tour, language)),
                   f"{folder}/walk.html",
                   width, height)


def walk_files(plan: Plan, timeline: Timeline, book: Book, tour: Tour, layout: Layout, base_url: str | None,
               episode_file: str, cover_name: str | None = None,
               leg_files: dict[int, Path] | None = None) -> dict[str, bytes]:
    """The walk's files but the legs' audio, by name in its folder; ``leg_files``: the legs as written, which the
    page stores for use offline."""
    folder = walk_folder(layout)
    meta = plan.meta

    def url(name: str) -> str:  # from inside the walk's folder, or absolute where the build is served
        return layout.url(base_url, f"{folder.name}/{name}") if base_url else name

    episode = layout.url(base_url, episode_file) if base_url else f"../{episode_file}"
    legs = {s.number: url(leg_name(s.number)) for s in tour.stops}
    times = {c.number: (c.start_ms / 1000, c.end_ms / 1000) for c in timeline.chapters}
    chapters = {c.number: c for c in plan.chapters}
    callouts = {}
    for s in tour.stops:  # the place, then what the leg's start says: its title, and the leg
        c = chapters[s.number]
        said = chapter_announcement(Chapter(c.title, c.line, c.settings, ()), s.number, len(chapters), meta.language)
        callouts[s.number] = " ".join([f"{s.place}." if s.place != c.title else "", *(t for _, t in said)]).strip()
    svg = map_svg(tour, meta.title, meta.language).encode()
    geojson = tour_geojson(tour, meta.title, times, episode, legs, meta.language)
    page_url = layout.url(base_url, f"{folder.name}/walk.html") if base_url else None
    image = (layout.url(base_url, cover_name), meta.title) if base_url and cover_name else None
    about = TourAbout(meta.title, meta.author, meta.description, meta.language,
                      page_url or f"narrate:{meta.title}\n{meta.author or ''}", image)
    gpx = tour_gpx(tour, about, callouts, legs)
    legs_data = {n: f.read_bytes() for n, f in (leg_files or {}).items()}
    offline = {"files": ["walk.html", "map.svg", *(leg_name(s.number) for s in tour.stops)],
               "bytes": len(svg) + sum(len(b) for b in legs_data.values())}
    html = walk_page(plan, book, tour, callouts, f"../{episode_file}", offline).encode()
    return {
        "walk.html": html,
        "tour.geojson": (json.dumps(geojson, ensure_ascii=False, indent=1) + "\n").encode(),
        "tour.gpx": gpx.encode(),
        "map.svg": svg,
        "sw.js": service_worker(offline["files"], [html, svg, *legs_data.values()]).encode(),
    }


def service_worker(files: list[str], contents: list[bytes]) -> str:
    """sw.js: it stores ``files`` when the page is first opened, under a name that changes with their ``contents``,
    so a rebuilt walk replaces the copy on the phone."""
    digest = hashlib.sha256()
    for data in contents:
        digest.update(hashlib.sha256(data).digest())
    return environment().get_template("sw.js").render(files=files, key=digest.hexdigest()[:16], version=__version__)


def walk_page(plan: Plan, book: Book, tour: Tour, callouts: dict[int, str], episode: str,
              offline: dict[str, Any]) -> str:
    """The HTML of walk.html, in the script's language."""
    lang = plan.meta.language
    words = walk_words(lang)
    chapters = {c.number: c for c in book.chapters}
    stops = []
    for i, s in enumerate(tour.stops):
        paragraphs = [[{"text": c.text, "start": f"{c.begin_ms / 1000:.3f}", "end": f"{c.end_ms / 1000:.3f}",
                        "lang": c.language} for c in part.clips] for part in chapters[s.number].parts if part.clips]
        stops.append({"number": s.number, "title": s.title, "place": s.place, "paragraphs": paragraphs})
    data = {"stops": [{
        "number": s.number, "title": s.title, "place": s.place, "point": position(s.point)[::-1],
        "radius": s.radius, "zone": [list(p) for p in s.zone] if s.zone else None,
        "bearing": list(s.bearing) if s.bearing else None, "file": leg_name(s.number),
        "directions": next_directions(tour.stops, i, lang), "callout": callouts[s.number],
    } for i, s in enumerate(tour.stops)], "offline": offline, "words": words, "compass": compass_names(lang)}
    width, height = map_size(tour)
    return environment().get_template("walk.html").render(
        title=plan.meta.title, author=plan.meta.author, lang=plan.meta.language, version=__version__,
        stops=stops, length=distance_in(tour.length_m, lang), data=data, w=words,
        map_summary=map_summary(tour, plan.meta.title, lang), map_words=map_words(tour, lang), map_width=width,
        map_height=height, episode=episode,
    )
