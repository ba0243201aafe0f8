"""Distances, bearings and map projections on the WGS 84 sphere, for the walking tour (narrate.tour).

Pure functions of (latitude, longitude) pairs in degrees. Distances use the haversine formula on a sphere
of the mean Earth radius, within 0.5 % of the ellipsoid; a trigger zone of 40 m is not drawn finer than that.
The walking page does the same sums in JavaScript (export/templates/walk.js), so both agree on when a stop
is reached.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)

Point = tuple[float, float]  # (latitude, longitude) in degrees

# How far from a stop its zone reaches when the script gives no radius, by how the leg ends. Each is about
# half a minute of travel at the mode's speed, so a listener is caught whatever the GPS's error: 40 m on
# foot (izi.travel advises 65-100 m for a walking stop's audio, which a leg's narration does not need),
# 120 m by bicycle, 400 m by road. The longest are for legs hundreds of kilometres long, where a town is the stop.
_MODE_WORDS = {
    "foot": ("foot", "walk", "walking", "hike", "hiking", "trek", "trekking", "swim", "climb"),
    "bicycle": ("bicycle", "bike", "cycle", "cycling"),
    "boat": ("boat", "ferry", "raft", "canoe", "kayak", "tram"),
    "metro": ("metro", "subway", "underground"),
    "road": ("motorbike", "motorcycle", "scooter", "car", "taxi", "bus", "minibus", "coach", "truck", "lorry", "van",
             "jeep", "road", "drive", "ship"),
    "train": ("train", "rail", "railway"),
    "air": ("plane", "air", "flight", "fly"),
}
# By way of travel: the trigger radius in metres, and the pace a leg's way is timed at (km/h, door to door, with a
# walker's pauses to look), as narrate says it.
MODES: dict[str, tuple[float, float, str]] = {
    "foot": (40.0, 4.0, "on foot"), "bicycle": (120.0, 14.0, "by bicycle"), "boat": (200.0, 20.0, "by boat"),
    "metro": (300.0, 30.0, "by metro"), "road": (400.0, 40.0, "by road"), "train": (600.0, 70.0, "by train"),
    "air": (5000.0, 600.0, "by air"),
}
_MODE_OF = {w: m for m, words in _MODE_WORDS.items() for w in words}  # 'bus' -> 'road'

COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


def distance_m(a: Point, b: Point) -> float:
    """The great-circle distance between two points, in metres."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bearing_deg(a: Point, b: Point) -> float:
    """The initial bearing from a to b, in degrees clockwise from north (0 to 360)."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    y = math.sin(lo2 - lo1) * math.cos(la2)
    x = math.cos(la1) * math.sin(la2) - math.sin(la1) * math.cos(la2) * math.cos(lo2 - lo1)
    return math.degrees(math.atan2(y, x)) % 360


def compass(bearing: float) -> str:
    """A bearing as one of the eight compass points: 'north-east'."""
    return COMPASS[round(bearing / 45) % 8]


def distance_words(m: float) -> str:
    """A distance as a walker or a traveller says it: '40 m', '350 m', '2.4 km', '398 km'."""
    if m >= 10_000:
        return f"{m / 1000:,.0f} km"
    if m >= 1000:
        return f"{m / 1000:.1f} km"
    return f"{round(m, -1) if m >= 100 else round(m):,.0f} m"


def path_length_m(points: Sequence[Point]) -> float:
    """The length of a line through the points, in metres."""
    return sum(distance_m(a, b) for a, b in zip(points, points[1:]))


def travel_mode(travel: str | None) -> str:
    """How a leg ends, from its 'travel' (the last way named): 'foot', 'bicycle', ... 'air'; on foot if none."""
    if not travel:
        return "foot"
    words = [w[:-1] if w.endswith("s") and w[:-1] in _MODE_OF else w for w in re.findall(r"[a-z]+", travel.lower())]
    found = [_MODE_OF[w] for w in words if w in _MODE_OF]
    return found[-1] if found else "foot"


def travel_radius(travel: str | None) -> float:
    """A stop's default trigger radius in metres, from the leg's 'travel' (how it ends: the last mode named)."""
    return MODES[travel_mode(travel)][0]


def inside_polygon(p: Point, polygon: Sequence[Point]) -> bool:
    """Whether p lies inside the polygon (even-odd rule, in degrees: zones are small enough to be flat), its
    longitudes taken the short way round from p's, so a zone across the antimeridian is one zone."""
    lat, lon = p
    inside = False
    corners = [(la, lon + (lo - lon + 180) % 360 - 180) for la, lo in polygon]
    for (la1, lo1), (la2, lo2) in zip(corners, [*corners[1:], corners[0]]):
        if (la1 > lat) != (la2 > lat) and lon < lo1 + (lat - la1) * (lo2 - lo1) / (la2 - la1):
            inside = not inside
    return inside


class Projection:
    """An azimuthal equidistant projection about the middle of some points: x east and y north of it, in metres.
    Every distance from the middle is true, and over 1,000 km the others are within 0.5 % of theirs; it holds
    across the antimeridian and at the poles (a walk on either side of 180° is 30 m wide, not the globe), and it
    needs no map data."""

    def __init__(self, points: Sequence[Point]) -> None:
        self.centre = _middle(points)

    def xy(self, p: Point) -> tuple[float, float]:
        d = distance_m(self.centre, p)
        if d == 0:
            return (0.0, 0.0)
        a = math.radians(bearing_deg(self.centre, p))
        return (d * math.sin(a), d * math.cos(a))


def longitude_span(lons: Sequence[float]) -> tuple[float, float]:
    """The west and east ends of the shortest arc of longitude holding all of ``lons``: across the antimeridian
    the west end is the greater number (RFC 7946's bounding boxes: [177, ..., -178, ...])."""
    ordered = sorted({lon % 360 for lon in lons})
    gaps = [((ordered[(i + 1) % len(ordered)] - lon) % 360 or 360, i) for i, lon in enumerate(ordered)]
    _, widest = max(gaps)  # the arc starts after the widest gap between neighbours
    west, east = ordered[(widest + 1) % len(ordered)], ordered[widest]
    west, east = (west + 180) % 360 - 180, (east + 180) % 360 - 180
    return west, 180.0 if east == -180 else east


def _middle(points: Sequence[Point]) -> Point:
    """The middle of some points on the sphere: their mean as unit vectors, put back on the surface (the
    first point where they cancel out, as two points on opposite sides of the Earth do)."""
    xs = ys = zs = 0.0
    for lat, lon in points:
        la, lo = math.radians(lat), math.radians(lon)
        xs, ys, zs = xs + math.cos(la) * math.cos(lo), ys + math.cos(la) * math.sin(lo), zs + math.sin(la)
    norm = math.sqrt(xs * xs + ys * ys + zs * zs)
    if norm < 1e-9 * max(len(points), 1):
        return points[0]
    return (math.degrees(math.asin(max(-1.0, min(1.0, zs / norm)))), math.degrees(math.atan2(ys, xs)))
