"""The walking tour as data for other apps: ``tour.geojson`` (RFC 7946) and ``tour.gpx`` (GPX 1.1 with
Soundscape's ``gpxsc`` extension).

GeoJSON: a FeatureCollection with, for each stop, a Point (its place) and a LineString (its route from
the stop before), and a Polygon where the script draws the stop's zone. Positions are [longitude,
latitude], to 7 decimals (1 cm). Each feature's properties carry the chapter, its title, its start and
end in the episode, the episode's address with a media fragment (``#t=start,end``), the leg's own file,
the trigger radius and the directions on.

GPX: a guided tour as Soundscape's authoring tool writes one (gpxsc:meta version 2, behaviour GuidedTour,
with the id, name, author, description and locale the app requires): the stops are the points of one route
(``<rte>``), in order, each with its name, an arrival callout (the leg's announcement), a departure callout
(the directions on) and a link to its audio (gpxsc:links, audio/mpeg); the ways between them are one track of
a segment a leg, for GPS apps. tests/soundscape_rules.py checks it against the app's parser, rule by rule.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from narrate import __version__, geo
from narrate.tour import Stop, Tour
from narrate.walk_words import compass_in, distance_in, walk_words

GPX = "http://www.topografix.com/GPX/1/1"
GPXSC = "https://microsoft.com/Soundscape"  # the namespace Soundscape's app and authoring tool use
DECIMALS = 7


def _round(x: float) -> float:
    return round(x, DECIMALS) + 0.0  # + 0.0: no '-0.0'


def position(p: geo.Point) -> list[float]:
    """A GeoJSON position: [longitude, latitude]."""
    return [_round(p[1]), _round(p[0])]


def next_directions(stops: tuple[Stop, ...], i: int, language: str = "en") -> str | None:
    """How to go on from stop i: the script's directions, or the distance and compass direction to the next, in the
    script's language."""
    if i + 1 >= len(stops):
        return stops[i].directions
    here, there = stops[i], stops[i + 1]
    if here.directions:
        return here.directions
    w = walk_words(language)
    away = w["away"].format(d=distance_in(geo.distance_m(here.point, there.point), language),
                            dir=compass_in(geo.bearing_deg(here.point, there.point), language))
    return w["next_on"].format(place=there.place, away=away)


def tour_geojson(tour: Tour, title: str, times: dict[int, tuple[float, float]], episode_url: str,
                 leg_urls: dict[int, str], language: str = "en") -> dict:
    """The FeatureCollection; ``times`` maps chapter number to (start, end) seconds in the episode."""
    features = []
    for i, stop in enumerate(tour.stops):
        start, end = times[stop.number]
        props = {
            "chapter": stop.number,
            "stop": i + 1,
            "title": stop.title,
            "place": stop.place,
            "start": round(start, 3),
            "end": round(end, 3),
            "audio": f"{episode_url}#t={start:.3f},{end:.3f}",
            "file": leg_urls[stop.number],
            "radius": round(stop.radius, 1),
            "directions": next_directions(tour.stops, i, language),
        }
        if stop.bearing:
            props["bearing"], props["bearing_tolerance"] = stop.bearing
        features.append({"type": "Feature", "id": f"stop-{i + 1}",
                         "geometry": {"type": "Point", "coordinates": position(stop.point)},
                         "properties": {"kind": "stop", **props}})
        if stop.zone:
            features.append({"type": "Feature", "id": f"zone-{i + 1}", "geometry": zone_geometry(stop.zone),
                             "properties": {"kind": "zone", "chapter": stop.number, "stop": i + 1}})
        if len(stop.route) >= 2 and stop.route[0] != stop.route[-1]:
            features.append({"type": "Feature", "id": f"route-{i + 1}", "geometry": line_geometry(stop.route),
                             "properties": {"kind": "route", "chapter": stop.number, "stop": i + 1,
                                            "title": stop.title, "length_m": round(stop.route_m, 1)}})
    points = [p for s in tour.stops for p in (*s.route, s.point)]
    (west, east), lats = geo.longitude_span([p[1] for p in points]), [p[0] for p in points]
    return {"type": "FeatureCollection", "name": title,
            "bbox": [_round(west), _round(min(lats)), _round(east), _round(max(lats))],
            "features": features}


def line_geometry(points: tuple[geo.Point, ...]) -> dict:
    """A LineString, or where it crosses the antimeridian a MultiLineString cut there (RFC 7946, 3.1.9), so no
    map draws the way round the world."""
    lines: list[list[list[float]]] = [[position(points[0])]]
    for a, b in zip(points, points[1:]):
        step = (b[1] - a[1] + 180) % 360 - 180  # the short way round
        if abs(a[1] + step) > 180:  # it crosses 180°: end this line on it, start the next on the other side
            edge = 180.0 if step > 0 else -180.0
            t = (edge - a[1]) / step if step else 0.0
            lat = _round(a[0] + t * (b[0] - a[0]))
            lines[-1].append([edge, lat])
            lines.append([[-edge, lat]])
        lines[-1].append(position(b))
    if len(lines) == 1:
        return {"type": "LineString", "coordinates": lines[0]}
    return {"type": "MultiLineString", "coordinates": lines}


def zone_geometry(zone: tuple[geo.Point, ...]) -> dict:
    """A Polygon, or where the zone lies astride the antimeridian a MultiPolygon of its two sides, cut there."""
    first = zone[0][1]
    ring = [(lat, first + (lon - first + 180) % 360 - 180) for lat, lon in zone]  # the short way round
    lons = [lon for _, lon in ring]
    if -180 <= min(lons) and max(lons) <= 180:
        return {"type": "Polygon", "coordinates": [_closed(ring)]}
    edge = 180.0 if max(lons) > 180 else -180.0
    near = _clip(ring, edge, lambda lon: lon <= edge if edge > 0 else lon >= edge)
    over = _clip(ring, edge, lambda lon: lon >= edge if edge > 0 else lon <= edge)
    far = [(lat, lon - 2 * edge) for lat, lon in over]  # put back within ±180
    return {"type": "MultiPolygon", "coordinates": [[_closed(near)], [_closed(far)]]}


def _clip(ring: list[geo.Point], edge: float, keep: Any) -> list[geo.Point]:
    """The part of a ring on one side of the meridian ``edge`` (Sutherland and Hodgman's clipping, one edge)."""
    out = []
    for a, b in zip(ring, [*ring[1:], ring[0]]):
        if keep(a[1]):
            out.append(a)
        if keep(a[1]) != keep(b[1]):
            t = (edge - a[1]) / (b[1] - a[1])
            out.append((a[0] + t * (b[0] - a[0]), edge))
    return out


def _closed(ring: list[geo.Point]) -> list[list[float]]:
    """A GeoJSON linear ring: counter-clockwise, its first position repeated at its end."""
    positions = [[_round(lon), _round(lat)] for lat, lon in _counter_clockwise(tuple(ring))]
    return positions + [positions[0]]


def _counter_clockwise(ring: tuple[geo.Point, ...]) -> tuple[geo.Point, ...]:
    """RFC 7946: an exterior ring runs counter-clockwise (shoelace sum in lon-lat space > 0)."""
    area = sum(a[1] * b[0] - b[1] * a[0] for a, b in zip(ring, [*ring[1:], ring[0]]))
    return ring if area > 0 else tuple(reversed(ring))


def tour_gpx(tour: Tour, about: TourAbout, callouts: dict[int, str], leg_urls: dict[int, str]) -> str:
    """The GPX document; ``callouts`` maps chapter number to its arrival callout. Written with lxml, which escapes
    every text and attribute (gpxpy 1.6.2 writes extension text as it is, so one '&' in a title broke the file)."""
    from lxml import etree

    gpx = etree.Element(_gpx("gpx"), nsmap={None: GPX, "gpxsc": GPXSC},
                        attrib={"version": "1.1", "creator": f"narrate {__version__}"})
    gpx.append(_metadata(about))
    rte = etree.SubElement(gpx, _gpx("rte"))  # version 2: the stops are the first route's points
    _text(rte, "name", about.title)
    for i, stop in enumerate(tour.stops):
        departure = next_directions(tour.stops, i, about.language)
        rte.append(_route_point(stop, i, callouts[stop.number], departure, leg_urls[stop.number]))
    segments = [s.route for s in tour.stops if len(s.route) >= 2 and s.route[0] != s.route[-1]]
    if segments:  # the way itself, for GPS apps; Soundscape reads no track
        trk = etree.SubElement(gpx, _gpx("trk"))
        _text(trk, "name", about.title)
        _text(trk, "desc", f"The way from stop to stop, {len(tour.stops)} stops")
        for route in segments:
            seg = etree.SubElement(trk, _gpx("trkseg"))
            for lat, lon in route:
                etree.SubElement(seg, _gpx("trkpt"), lat=_number(lat), lon=_longitude(lon))
    return etree.tostring(gpx, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


@dataclass(frozen=True)
class TourAbout:
    """What the GPX says of the tour as a whole."""

    title: str
    author: str | None
    description: str | None
    language: str
    key: str  # what the tour's id is made from: its page's address, or its title and author
    image: tuple[str, str] | None = None  # (address, alt text): the cover, where it has an absolute address

    @property
    def id(self) -> str:
        """Soundscape's gpxsc:id: the same for every build of the same tour."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, self.key))


def _metadata(about: TourAbout) -> Any:
    """GPX metadata, in the schema's order: name, desc, author, link, then Soundscape's gpxsc:meta."""
    from lxml import etree

    meta = etree.Element(_gpx("metadata"))
    _text(meta, "name", about.title)
    _text(meta, "desc", about.description or about.title)
    _text(etree.SubElement(meta, _gpx("author")), "name", about.author or about.title)
    if about.image:  # Soundscape takes the metadata's first link as the tour's picture
        link = etree.SubElement(meta, _gpx("link"), href=_clean(about.image[0]))
        _text(link, "text", about.image[1])
        _text(link, "type", "image")
    sc = etree.SubElement(etree.SubElement(meta, _gpx("extensions")), f"{{{GPXSC}}}meta", expires="false")
    for tag, text in (("id", about.id), ("behavior", "GuidedTour"), ("version", "2"),
                      ("locale", about.language.replace("-", "_"))):
        etree.SubElement(sc, f"{{{GPXSC}}}{tag}").text = text
    return meta


def _route_point(stop: Stop, i: int, arrival: str, departure: str | None, audio: str) -> Any:
    """A stop as a route point: its name and title, its callouts and its leg's audio (gpxsc:annotations and
    gpxsc:links, whose link holds 'text' and 'type' in GPX's own namespace, as the authoring tool writes them)."""
    from lxml import etree

    pt = etree.Element(_gpx("rtept"), lat=_number(stop.point[0]), lon=_longitude(stop.point[1]))
    _text(pt, "name", f"{i + 1}. {stop.place}")
    _text(pt, "desc", stop.title)
    ext = etree.SubElement(pt, _gpx("extensions"))
    notes = etree.SubElement(ext, f"{{{GPXSC}}}annotations")
    for kind, text in (("arrival", arrival), ("departure", departure)):
        if text:
            etree.SubElement(notes, f"{{{GPXSC}}}annotation", type=kind).text = _clean(text)
    link = etree.SubElement(etree.SubElement(ext, f"{{{GPXSC}}}links"), f"{{{GPXSC}}}link", href=_clean(audio))
    _text(link, "text", f"{stop.number}. {stop.title}")
    _text(link, "type", "audio/mpeg")
    return pt


def _gpx(tag: str) -> str:
    return f"{{{GPX}}}{tag}"


def _text(parent: Any, tag: str, text: str) -> None:
    from lxml import etree

    etree.SubElement(parent, _gpx(tag)).text = _clean(text)


def _number(x: float) -> str:
    return f"{_round(x):.{DECIMALS}f}".rstrip("0").rstrip(".")


def _longitude(lon: float) -> str:
    """GPX's longitudes run from -180 up to, not including, 180."""
    return _number((lon + 180) % 360 - 180)


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """Text XML 1.0 can hold: control characters (but tab and line breaks) and lone surrogates left out."""
    return _NOT_XML.sub("", text)
