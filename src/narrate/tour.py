"""The walking tour in a script: one stop a leg, where its chapter plays, and the way between them.

A chapter's ``coords`` is its stop. The leg plays when a listener comes within the stop's ``radius``
(by default from its ``travel``: narrate.geo.travel_radius) or into its ``zone``, heading along its
``bearing`` if it has one. Its ``route`` is the way there from the stop before, as points or a GPX or
GeoJSON file beside the script; without one, the way is a straight line. ``directions`` say how to go on
to the next stop.

Everything is checked here, before anything slow, each mistake with the line that made it: a route file
that does not parse, a route that starts away from the stop before or does not reach its own. Stops whose
zones overlap so much that the later one could fire only with the earlier are a warning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from narrate import geo
from narrate.errors import ScriptError
from narrate.inputs import check_inside, check_size, local_path
from narrate.script import Chapter, Script

MAX_ROUTE_BYTES = 20_000_000
_LON_FIRST = "A GeoJSON position is longitude first, then latitude"
_WALK_KEYS = ("radius", "route", "zone", "bearing", "directions", "pace")


@dataclass(frozen=True)
class Stop:
    """Where one leg plays."""

    number: int  # the chapter's
    title: str
    place: str  # the place at the stop: the chapter's 'place', or its title
    point: geo.Point
    radius: float  # metres
    route: tuple[geo.Point, ...]  # the way here from the stop before: at least its two ends
    line: int  # the chapter heading's
    zone: tuple[geo.Point, ...] | None = None
    bearing: tuple[float, float] | None = None
    directions: str | None = None  # the way on to the next stop, as the script gives it
    before: geo.Point | None = None  # the stop before's place
    travel: str | None = None  # how the way here is travelled, as the script says ('travel')
    pace: float | None = None  # km/h, as the script gives it ('pace'); else by travel (narrate.geo.MODES)

    @property
    def way_kmh(self) -> float:
        """How fast the way here is travelled: the chapter's 'pace', else the pace of its 'travel'."""
        return self.pace or geo.MODES[geo.travel_mode(self.travel)][1]

    @property
    def way_words(self) -> str:
        """How the way here is travelled, in words: 'on foot at 4 km/h'."""
        how = geo.MODES[geo.travel_mode(self.travel)][2]
        return f"{how} at {self.way_kmh:g} km/h"

    @property
    def route_m(self) -> float:
        """How far the way here is: from the stop before, along the route (which starts in its zone), to here."""
        start = geo.distance_m(self.before, self.route[0]) if self.before else 0.0
        return start + geo.path_length_m(self.route) + geo.distance_m(self.route[-1], self.point)


@dataclass(frozen=True)
class Tour:
    stops: tuple[Stop, ...]
    warnings: tuple[str, ...] = ()

    @property
    def length_m(self) -> float:
        return sum(s.route_m for s in self.stops)


def has_tour(script: Script) -> bool:
    """Whether any chapter gives a place."""
    return any(c.settings.coords for c in script.chapters)


def load_tour(script: Script, allow: tuple[str | Path, ...] = (), walk: bool = False) -> Tour | None:
    """The script's stops, with their routes read and checked; None if no chapter has coords.
    ``walk``: a walking tour is to be made, so every chapter needs a place."""
    path = script.path
    for c in script.chapters:
        s = c.settings
        given = [k for k in _WALK_KEYS if dict(s.lines).get(k)]
        if given and not s.coords:
            raise ScriptError(f"'{given[0]}' is for the stop at the chapter's 'coords', and chapter '{c.title}' "
                              "has none: add 'coords: latitude, longitude'", path, s.line_of(given[0], c.line))
    if not has_tour(script):
        if walk:
            raise ScriptError("a walking tour needs a place for each leg: give every chapter "
                              "'coords: latitude, longitude'", path, script.chapters[0].line)
        return None
    if walk and (missing := next((c for c in script.chapters if not c.settings.coords), None)):
        raise ScriptError(f"chapter '{missing.title}' has no 'coords': a walking tour needs a place for each leg",
                          path, missing.line)
    stops: list[Stop] = []
    for number, c in enumerate(script.chapters, 1):
        if c.settings.coords:
            stops.append(_stop(script, number, c, stops[-1] if stops else None, allow))
    return Tour(tuple(stops), tuple(_overlaps(script, stops)))


def _stop(script: Script, number: int, c: Chapter, before: Stop | None, allow: tuple[str | Path, ...]) -> Stop:
    s = c.settings
    assert s.coords is not None
    radius = s.radius if s.radius is not None else geo.travel_radius(s.travel)
    line = s.line_of("route", c.line)
    given = _read_route(script, s.route_file, line, allow) if s.route_file else s.route
    if given:
        _check_route(script, given, s.coords, radius, before, line, bool(s.route_file))
        route = given
    else:
        route = ((before.point if before else s.coords), s.coords)

    return Stop(number, c.title, s.place or c.title, s.coords, radius, tuple(route), c.line, s.zone, s.bearing,
                s.directions, before.point if before else None, s.travel, _pace(script, s.pace, s.travel))


def _pace(script: Script, pace: float | None, travel: str | None) -> float | None:
    """The way's pace: the chapter's own, else the script's for a way on foot."""
    if pace is not None:
        return pace
    return script.meta.pace if geo.travel_mode(travel) == "foot" else None


def _check_route(script: Script, route: tuple[geo.Point, ...], stop: geo.Point, radius: float, before: Stop | None,
                 line: int, from_file: bool) -> None:
    """A route runs from the stop before (within its zone) to this stop (within this one's)."""
    end = geo.distance_m(route[-1], stop)
    if end > radius:
        flipped = tuple((lon, lat) for lat, lon in route)
        if from_file and abs(flipped[-1][0]) <= 90 and geo.distance_m(flipped[-1], stop) <= radius:
            hint = f": are its coordinates swapped? {_LON_FIRST}"
        elif (
            before
            and geo.distance_m(route[0], stop) <= radius
            and geo.distance_m(route[-1], before.point) <= before.radius
        ):
            hint = ": it runs backwards, from this stop to the one before; reverse it"
        else:
            hint = f"; end it within the stop's zone ({metres_words(radius)} of {_point(stop)})"
        raise ScriptError(f"the route does not reach its stop: it ends {metres_words(end)} from the chapter's 'coords'"
                          f"{hint}", script.path, line)
    if before is not None:
        start = geo.distance_m(route[0], before.point)
        if start > before.radius:
            raise ScriptError(
                f"the route starts {metres_words(start)} from the stop before (chapter {before.number}, "
                f"'{before.title}'): a leg's route runs from the last stop to this one, so start it within "
                f"{metres_words(before.radius)} of {_point(before.point)}", script.path, line)


def _read_route(script: Script, name: str, line: int, allow: tuple[str | Path, ...]) -> tuple[geo.Point, ...]:
    """The points of a GPX track or route, or a GeoJSON LineString, in a file beside the script."""
    file = local_path(Path(script.path).parent, name)
    if not file.is_file():
        raise ScriptError(f"route file not found: {name} (looked for {file})", script.path, line)
    check_inside(script, file, f"route file {name}", line, allow)
    check_size(script, file, f"route file {name}", line, MAX_ROUTE_BYTES)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"cannot read route file {name}: {getattr(exc, 'strerror', None) or exc}",
                          script.path, line) from None
    kind = "GPX" if name.lower().endswith(".gpx") else "GeoJSON"
    try:
        points = _gpx_points(text) if kind == "GPX" else _geojson_points(json.loads(text))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ScriptError(f"route file {name} is not {kind} narrate can read: {exc}", script.path, line) from None
    except RecursionError:  # JSON arrays nested thousands deep: Python's JSON reader recurses
        raise ScriptError(f"route file {name} is not {kind} narrate can read: its values are nested thousands "
                          "deep", script.path, line) from None
    if len(points) < 2:
        raise ScriptError(f"route file {name} has {len(points)} point{'' if len(points) == 1 else 's'}: a route "
                          "needs at least 2", script.path, line)
    for lat, lon in points:
        if kind == "GeoJSON" and abs(lat) > 90 and abs(lon) <= 90:
            raise ScriptError(f"route file {name} has a point out of range (latitude {lat:g}): are its coordinates "
                              f"swapped? {_LON_FIRST}", script.path, line)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ScriptError(f"route file {name} has a point out of range ({lat:g}, {lon:g}): latitude must be "
                              "within ±90 and longitude within ±180", script.path, line)
    return points


def _gpx_points(text: str) -> tuple[geo.Point, ...]:
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:  # lxml's message names no file: '(<string>, line 1)'
        raise ValueError(re.sub(r"(?<!\s)\s*\(<string>, line \d+\)", "", str(exc).splitlines()[0])) from None
    for track in gpx.tracks:  # a track's segments, one after another; else a route's points
        points = [(p.latitude, p.longitude) for seg in track.segments for p in seg.points]
        if points:
            return tuple(points)
    for rte in gpx.routes:
        if rte.points:
            return tuple((p.latitude, p.longitude) for p in rte.points)
    raise ValueError("it has no track or route (a <trk> or <rte> with points)")


def _geojson_points(doc: object) -> tuple[geo.Point, ...]:
    """The first LineString (or MultiLineString, its lines joined) in a geometry, Feature or FeatureCollection."""
    if not isinstance(doc, dict):
        raise ValueError("it is not a GeoJSON object")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        for feature in doc.get("features") or []:
            try:
                return _geojson_points(feature)
            except ValueError:
                continue
        raise ValueError("it has no LineString feature")
    if kind == "Feature":
        return _geojson_points(doc.get("geometry"))
    if kind == "LineString":
        coords = doc["coordinates"]
    elif kind == "MultiLineString":
        coords = [p for line in doc["coordinates"] for p in line]
    else:
        raise ValueError(f"its geometry is {kind!r}, not a LineString")
    return tuple((float(p[1]), float(p[0])) for p in coords)


def _overlaps(script: Script, stops: list[Stop]) -> list[str]:
    """A warning for each stop whose place lies inside an earlier stop's zone, or whose zone holds the earlier's
    place: reaching one is reaching both, so the later one fires only as the earlier ends."""
    out = []
    for j, later in enumerate(stops):
        for earlier in stops[:j]:
            d = geo.distance_m(earlier.point, later.point)
            if d < max(earlier.radius, later.radius):
                out.append(f"warning: {script.path}:{later.line}: stop {later.number} ('{later.title}') is "
                           f"{metres_words(d)} from stop {earlier.number} ('{earlier.title}'), inside its zone: "
                           f"their zones ({metres_words(earlier.radius)} and {metres_words(later.radius)}) overlap so "
                           "much that one may never fire on its own; move them apart or give a smaller 'radius'")
                break
    return out


def metres_words(m: float) -> str:
    """A distance as the tour's messages give it: '85 m', '1.2 km'."""
    return f"{m / 1000:,.1f} km" if m >= 1000 else f"{m:,.0f} m"


def _point(p: geo.Point) -> str:
    return f"{p[0]:.5f}, {p[1]:.5f}"
