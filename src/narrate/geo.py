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
TRAVEL_RADII: dict[str, float] = {
    **dict.fromkeys(("foot", "walk", "walking", "hike", "hiking", "trek", "trekking", "swim", "climb"), 40.0),
    **dict.fromkeys(("bicycle", "bike", "cycle", "cycling"), 120.0),
    **dict.fromkeys(("boat", "ferry", "raft", "canoe", "kayak", "tram"), 200.0),
    **dict.fromkeys(("metro", "subway", "underground"), 300.0),
    **dict.fromkeys(("motorbike", "motorcycle", "scooter", "car", "taxi", "bus", "minibus", "coach", "truck",
                     "lorry", "van", "jeep", "road", "drive", "ship"), 400.0),
    **dict.fromkeys(("train", "rail", "railway"), 600.0),
    **dict.fromkeys(("plane", "air", "flight", "fly"), 5000.0),
}
DEFAULT_RADIUS_M = 40.0

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


def travel_radius(travel: str | None) -> float:
    """A stop's default trigger radius in metres, from the leg's 'travel' (how it ends: the last mode named)."""
    if not travel:
        return DEFAULT_RADIUS_M
    words = [w[:-1] if w.endswith("s") and w[:-1] in TRAVEL_RADII else w for w in re.findall(r"[a-z]+", travel.lower())]
    found = [TRAVEL_RADII[w] for w in words if w in TRAVEL_RADII]
    return found[-1] if found else DEFAULT_RADIUS_M


def inside_polygon(p: Point, polygon: Sequence[Point]) -> bool:
    """Whether p lies inside the polygon (even-odd rule, in degrees: zones are small enough to be flat)."""
    lat, lon = p
    inside = False
    for (la1, lo1), (la2, lo2) in zip(polygon, [*polygon[1:], polygon[0]]):
        if (la1 > lat) != (la2 > lat) and lon < lo1 + (lat - la1) * (lo2 - lo1) / (la2 - la1):
            inside = not inside
    return inside


class Projection:
    """A local equirectangular projection about the middle of some points: x east and y north, in metres.
    Over 1,000 km it is within 0.2 % of the true distances, and it needs no map data."""

    def __init__(self, points: Sequence[Point]) -> None:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        self.lat0 = (min(lats) + max(lats)) / 2
        self.lon0 = (min(lons) + max(lons)) / 2
        self.kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(self.lat0))
        self.ky = math.radians(1) * EARTH_RADIUS_M

    def xy(self, p: Point) -> tuple[float, float]:
        return ((p[1] - self.lon0) * self.kx, (p[0] - self.lat0) * self.ky)
