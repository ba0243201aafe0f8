"""A chapter's settings: the 'key: value' lines under its heading, each checked where it is written.

Pure: text in, a ChapterSettings out. The walking tour's settings (radius, route, zone, bearing,
directions) are parsed here as far as the text goes; a route in a file beside the script is read, and
checked against the stops, by narrate.tour.
"""

from __future__ import annotations

import re
from typing import Any

from narrate.errors import ScriptError, did_you_mean
from narrate.script.inline import LANGUAGE_CODE
from narrate.script.model import ChapterSettings

CHAPTER_KEYS = ("ambient", "from", "to", "coords", "place", "travel", "distance", "url", "img", "language",
                "radius", "route", "zone", "bearing", "directions", "pace")
_CONTINUED = ("route", "zone", "directions")  # may run on over the next lines
ROUTE_FILES = (".gpx", ".geojson", ".json")

_SETTING = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")
_RADIUS = re.compile(r"^(?P<n>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>m|metres?|meters?|km|kilometres?|kilometers?)?$", re.I)
_BEARING = re.compile(r"^(?P<deg>[-+]?\d+(?:\.\d+)?|[a-z-]+)\s*°?\s*(?:(?:±|\+/?-)\s*(?P<tol>\d+(?:\.\d+)?)\s*°?)?$")
_POINTS = {"north": 0, "n": 0, "north-east": 45, "northeast": 45, "ne": 45, "east": 90, "e": 90,
           "south-east": 135, "southeast": 135, "se": 135, "south": 180, "s": 180, "south-west": 225,
           "southwest": 225, "sw": 225, "west": 270, "w": 270, "north-west": 315, "northwest": 315, "nw": 315}
DEFAULT_BEARING_TOLERANCE = 60.0


def parse_settings(content: str, line: int, path: str) -> ChapterSettings:
    """The settings block under a chapter heading; ``line`` is its first line."""
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    names = {"from": "origin", "to": "destination"}
    entries: list[tuple[str, list[tuple[str, int]]]] = []
    for n, raw in enumerate(content.split("\n")):
        here = line + n
        m = _SETTING.match(raw.strip())
        if not m and entries and entries[-1][0] in _CONTINUED and raw.strip():
            entries[-1][1].append((raw.strip(), here))
            continue
        if not m:
            raise ScriptError(
                f"'{raw.strip()}' is not a 'key: value' setting; chapter settings go directly "
                "under the heading, and the text starts after a blank line",
                path,
                here,
            )
        key, value = m.group("key").lower(), m.group("value")
        if key not in CHAPTER_KEYS:
            raise ScriptError(
                f"unknown chapter setting '{key}'{did_you_mean(key, CHAPTER_KEYS)} "
                f"(known: {', '.join(CHAPTER_KEYS)})",
                path,
                here,
            )
        if not value:
            raise ScriptError(f"chapter setting '{key}' has no value", path, here)
        entries.append((key, [(value, here)]))
    for key, parts in entries:
        value, here = " ".join(p for p, _ in parts), parts[0][1]
        if key == "coords":
            fields["coords"] = parse_point(value, here, path, "coords")
        elif key == "language" and not LANGUAGE_CODE.fullmatch(value):
            raise ScriptError(f"'language' must be a language code like 'fr' or 'pt-BR', not '{value}'", path, here)
        elif key == "url" and not re.match(r"https?://[^\s/]+", value):
            raise ScriptError(f"'url' must be a web address starting with http:// or https://, not '{value}'",
                              path, here)
        elif key == "radius":
            fields["radius"] = _radius(value, here, path)
        elif key == "bearing":
            fields["bearing"] = _bearing(value, here, path)
        elif key == "pace":
            fields["pace"] = parse_pace(value, here, path)
        elif key == "route" and value.lower().endswith(ROUTE_FILES) and len(parts) == 1:
            fields["route_file"] = value
        elif key in ("route", "zone"):
            fields[key] = _points(parts, path, key, 2 if key == "route" else 3)
        else:
            fields[names.get(key, key)] = value
        lines[key] = here
    return ChapterSettings(**fields, lines=tuple(sorted(lines.items())))


def parse_point(value: str, line: int, path: str, what: str) -> tuple[float, float]:
    """'latitude, longitude' in degrees, checked for range and for the two written the wrong way round."""
    parts = [p.strip().rstrip("°") for p in value.split(",")]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise ScriptError(
            f"'{what}' must be 'latitude, longitude' in degrees, e.g. '41.39, 128.19', not '{value}'",
            path,
            line,
        ) from None
    if not -90 <= lat <= 90 and -90 <= lon <= 90 and abs(lat) <= 180:
        raise ScriptError(
            f"'{what}' has latitude {lat:g}, past 90: are the two swapped? Write the latitude first, "
            f"then the longitude ('{lon:g}, {lat:g}')",
            path,
            line,
        )
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ScriptError(
            f"'{what}' out of range: latitude must be within ±90 and longitude within ±180",
            path,
            line,
        )
    return (lat, lon)


def _points(parts: list[tuple[str, int]], path: str, what: str, least: int) -> tuple[tuple[float, float], ...]:
    """Points separated by ';' or written one a line: a route's, or a zone's corners."""
    points = []
    for text, here in parts:
        for piece in text.split(";"):
            if piece.strip():
                points.append(parse_point(piece, here, path, what))
    if len(points) < least:
        kind = "a route needs at least 2 points" if what == "route" else "a zone needs at least 3 corners"
        raise ScriptError(
            f"'{what}' has {len(points)} point{'s' if len(points) != 1 else ''}: {kind}, written "
            "'latitude, longitude; latitude, longitude; ...'"
            + (", or a .gpx or .geojson file" if what == "route" else ""),
            path,
            parts[0][1],
        )
    return tuple(points)


_PACE = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>km/h|kmh|kph|mph|m/s|min/km|min/mi)$", re.I)
_PACE_KMH = {"km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "m/s": 3.6}


def parse_pace(value: str, line: int, path: str) -> float:
    """A pace in km/h, from '4 km/h', '3 mph', '1.2 m/s' or '15 min/km'."""
    m = _PACE.match(value.strip())
    if not m:
        raise ScriptError(f"'pace' must be a speed like '4 km/h', '3 mph' or '15 min/km', not '{value}'", path, line)
    n, unit = float(m.group("n")), m.group("unit").lower()
    if unit.startswith("min/"):
        kmh = 60 / n * (1.609344 if unit == "min/mi" else 1) if n else 0.0
    else:
        kmh = n * _PACE_KMH[unit]
    if not 0 < kmh <= 2000:
        raise ScriptError(f"'pace' must be more than 0 and at most 2,000 km/h, not '{value}'", path, line)
    return kmh


def _radius(value: str, line: int, path: str) -> float:
    m = _RADIUS.match(value.strip())
    if not m:
        raise ScriptError(f"'radius' must be a distance like '40 m' or '1.5 km', not '{value}'", path, line)
    metres = float(m.group("n")) * (1000 if (m.group("unit") or "m").lower().startswith("k") else 1)
    if metres <= 0:
        raise ScriptError(f"'radius' must be more than 0 m, not '{value}': it is how near a listener comes "
                          "before the leg plays", path, line)
    return metres


def _bearing(value: str, line: int, path: str) -> tuple[float, float]:
    m = _BEARING.match(value.strip().lower())
    word = m.group("deg") if m else ""
    deg = float(_POINTS[word]) if word in _POINTS else float(word) if m and word[-1:].isdigit() else -1
    tol = float(m.group("tol")) if m and m.group("tol") else DEFAULT_BEARING_TOLERANCE
    if not m or not 0 <= deg <= 360 or not 0 < tol < 180:
        raise ScriptError(
            f"'bearing' must be the direction a listener arrives in, in degrees from north (0 to 360) or a "
            f"compass point, with an optional tolerance: '90', 'north-east' or 'east ± 45', not '{value}'",
            path,
            line,
        )
    return (deg % 360, tol)
