"""``map.svg``: the tour's routes and numbered stops, drawn from the script alone (no tiles, no network),
and the same map in words for those who cannot see it.

The projection is azimuthal equidistant about the tour's middle (narrate.geo.Projection), north up, one
scale both ways, with a scale bar. Each stop is a numbered disc; its zone is drawn to scale where it is big enough
to see. The SVG is an image with a title and a description (role="img"), and ``map_words`` gives the text the page
shows beside it: each stop, how far and which way the next one is, and the directions.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from narrate import geo
from narrate.walk_words import compass_in, distance_in, number_in, walk_words
from narrate.tour import Tour

WIDTH = 800
MARGIN = 48
MAX_HEIGHT = 1000  # a walk due north is drawn tall, not squeezed


def map_summary(tour: Tour, title: str, language: str = "en") -> str:
    """One sentence: the map's alternative text, in the script's language."""
    w, stops = walk_words(language), tour.stops
    if len(stops) == 1:
        return w["map_summary_one"].format(title=title, first=stops[0].place)
    return w["map_summary"].format(title=title, n=len(stops), d=distance_in(tour.length_m, language),
                                   first=stops[0].place, last=stops[-1].place)


def map_words(tour: Tour, language: str = "en") -> list[str]:
    """The map in words, a line a stop, in the script's language."""
    w, lines, stops = walk_words(language), [], tour.stops
    for i, stop in enumerate(stops):
        where = w["map_stop"].format(n=stop.number, place=stop.place, lat=number_in(stop.point[0], language, 5),
                                     lon=number_in(stop.point[1], language, 5))
        if stop.title != stop.place:
            where = w["map_for"].format(where=where, title=stop.title)
        if i + 1 < len(stops):
            nxt = stops[i + 1]
            d, way = geo.distance_m(stop.point, nxt.point), compass_in(geo.bearing_deg(stop.point, nxt.point), language)
            line = w["map_next"].format(where=where, n=i + 2, place=nxt.place, d=distance_in(d, language), dir=way)
            if len(nxt.route) > 2:
                line = w["map_route"].format(line=line, d=distance_in(nxt.route_m, language))
            line += "."
        else:
            line = w["map_last"].format(where=where)
        if stop.directions:
            line += f" {stop.directions}"
        lines.append(line)
    return lines


class _Frame:
    """Where the map's points land: the projection, its scale (pixels a metre), and the picture's size."""

    def __init__(self, tour: Tour) -> None:
        points = [p for s in tour.stops for p in (*s.route, s.point)]
        self.proj = geo.Projection(points)
        xy = [self.proj.xy(p) for p in points]
        xs, ys = [p[0] for p in xy], [p[1] for p in xy]
        span_x, span_y = max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0)
        self.scale = min((WIDTH - 2 * MARGIN) / span_x, (MAX_HEIGHT - 2 * MARGIN) / span_y)
        self.height = round(span_y * self.scale + 2 * MARGIN + 40)
        # room for the labels beside a thin walk
        self.width = max(480, min(WIDTH, round(span_x * self.scale + 2 * MARGIN + 240)))
        self.x0 = min(xs) - (self.width - span_x * self.scale - 2 * MARGIN) / 2 / self.scale
        self.y1 = max(ys)

    def at(self, p: geo.Point) -> tuple[float, float]:
        x, y = self.proj.xy(p)
        return (MARGIN + (x - self.x0) * self.scale, MARGIN + (self.y1 - y) * self.scale)


def map_size(tour: Tour) -> tuple[int, int]:
    """The map's width and height in pixels, for the pages that show it."""
    frame = _Frame(tour)
    return frame.width, frame.height


def map_svg(tour: Tour, title: str, language: str = "en") -> str:
    """The SVG document."""
    frame = _Frame(tour)
    at, scale, width, height = frame.at, frame.scale, frame.width, frame.height

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-labelledby="map-title map-desc" font-family="system-ui, sans-serif">',
           f'<title id="map-title">{escape(map_summary(tour, title, language))}</title>',
           f'<desc id="map-desc">{escape(" ".join(map_words(tour, language)))}</desc>',
           '<style>.route{fill:none;stroke:#0b57d0;stroke-width:4;stroke-linejoin:round;stroke-linecap:round}'
           '.straight{stroke-dasharray:10 8}.zone{fill:#0b57d0;fill-opacity:.12;stroke:#0b57d0;stroke-opacity:.5}'
           '.stop{fill:#fff;stroke:#1b1b1b;stroke-width:3}.n{font-weight:700;font-size:18px;text-anchor:middle}'
           '.label{font-size:15px;paint-order:stroke;stroke:#fff;stroke-width:4px}</style>',
           f'<rect width="{width}" height="{height}" fill="#f6f4ee"/>']
    for stop in tour.stops:  # the zones first, under everything
        if stop.zone:
            out.append(f'<polygon class="zone" points="{_pts([at(p) for p in stop.zone])}"/>')
        elif stop.radius * scale >= 3:
            cx, cy = at(stop.point)
            out.append(f'<circle class="zone" cx="{cx:.1f}" cy="{cy:.1f}" r="{stop.radius * scale:.1f}"/>')
    for stop in tour.stops:
        if len(stop.route) >= 2 and stop.route[0] != stop.route[-1]:
            dashed = " straight" if len(stop.route) == 2 else ""
            out.append(f'<polyline class="route{dashed}" points="{_pts([at(p) for p in stop.route])}"/>')
    taken: list[tuple[float, float, float, float]] = [(x - 14, y - 14, x + 14, y + 14) for x, y in
                                                      (at(s.point) for s in tour.stops)]
    for i, stop in enumerate(tour.stops):
        cx, cy = at(stop.point)
        out += [f'<circle class="stop" cx="{cx:.1f}" cy="{cy:.1f}" r="14"/>',
                f'<text class="n" x="{cx:.1f}" y="{cy + 6:.1f}">{i + 1}</text>']
    for i, stop in enumerate(tour.stops):  # each label where it overlaps nothing drawn, if it can
        cx, cy = at(stop.point)
        label = f"{i + 1}. {stop.place}" if len(tour.stops) > 1 else stop.place
        w = 8.2 * len(label)
        spots = [(cx + 20, cy + 5, "start"), (cx - 20, cy + 5, "end"), (cx + 16, cy - 16, "start"),
                 (cx + 16, cy + 26, "start"), (cx - 16, cy - 16, "end"), (cx - 16, cy + 26, "end")]

        def box(x: float, y: float, anchor: str) -> tuple[float, float, float, float]:
            left = x if anchor == "start" else x - w
            return (left, y - 14, left + w, y + 4)

        fits = [
            s for s in spots if 0 <= box(*s)[0] and box(*s)[2] <= width and not any(_hits(box(*s), t) for t in taken)
        ]
        x, y, anchor = fits[0] if fits else spots[0 if cx < width * 0.6 else 1]
        taken.append(box(x, y, anchor))
        out.append(f'<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(label)}</text>')
    out += _scale_bar(scale, width, height, language) + _north(width, height)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _hits(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _pts(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _scale_bar(scale: float, width: int, height: int, language: str) -> list[str]:
    """A bar of a round length, about a fifth of the map's width."""
    target = width / 5 / scale
    step = 10 ** math.floor(math.log10(target))
    length = max((m * step for m in (1, 2, 5) if m * step <= target), default=step)
    px = length * scale
    y = height - 24
    return [f'<path d="M{MARGIN},{y - 6}v6h{px:.1f}v-6" fill="none" stroke="#1b1b1b" stroke-width="2"/>',
            f'<text x="{MARGIN + px / 2:.1f}" y="{y - 10}" font-size="14" text-anchor="middle">'
            f'{escape(distance_in(length, language))}</text>']


def _north(width: int, height: int) -> list[str]:
    x = width - MARGIN / 2 - 10
    return [f'<path d="M{x},{height - 52}l8,22h-16z" fill="#1b1b1b"/>',
            f'<text x="{x}" y="{height - 14}" font-size="14" text-anchor="middle">N</text>']
