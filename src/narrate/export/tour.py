"""The walking tour as data for other apps: ``tour.geojson`` (RFC 7946) and ``tour.gpx`` (GPX 1.1 with
Soundscape's ``gpxsc`` extension).

GeoJSON: a FeatureCollection with, for each stop, a Point (its place) and a LineString (its route from
the stop before), and a Polygon where the script draws the stop's zone. Positions are [longitude,
latitude], to 7 decimals (1 cm). Each feature's properties carry the chapter, its title, its start and
end in the episode, the episode's address with a media fragment (``#t=start,end``), the leg's own file,
the trigger radius and the directions on.

GPX: the stops as waypoints (``<wpt>``), in order, and the routes as one track of a segment a leg, for
any GPS app. Soundscape reads the waypoints as a guided tour (gpxsc:meta, version 1): each has an arrival
callout (the leg's announcement), a departure callout (the directions on), and a link to its audio file
(gpxsc:links, audio/mpeg). gpxpy writes the document, so it reads back with gpxpy.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from narrate import __version__, geo
from narrate.tour import Stop, Tour

GPXSC = "https://microsoft.com/Soundscape"  # the namespace Soundscape's app and authoring tool use
DECIMALS = 7


def _round(x: float) -> float:
    return round(x, DECIMALS) + 0.0  # + 0.0: no '-0.0'


def position(p: geo.Point) -> list[float]:
    """A GeoJSON position: [longitude, latitude]."""
    return [_round(p[1]), _round(p[0])]


def next_directions(stops: tuple[Stop, ...], i: int) -> str | None:
    """How to go on from stop i: the script's directions, or the distance and compass direction to the next."""
    if i + 1 >= len(stops):
        return stops[i].directions
    here, there = stops[i], stops[i + 1]
    if here.directions:
        return here.directions
    far = geo.distance_words(geo.distance_m(here.point, there.point))
    return f"Next: {there.place}, {far} {geo.compass(geo.bearing_deg(here.point, there.point))}."


def tour_geojson(tour: Tour, title: str, times: dict[int, tuple[float, float]], episode_url: str,
                 leg_urls: dict[int, str]) -> dict:
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
            "directions": next_directions(tour.stops, i),
        }
        if stop.bearing:
            props["bearing"], props["bearing_tolerance"] = stop.bearing
        features.append({"type": "Feature", "id": f"stop-{i + 1}",
                         "geometry": {"type": "Point", "coordinates": position(stop.point)},
                         "properties": {"kind": "stop", **props}})
        if stop.zone:
            ring = [position(p) for p in _counter_clockwise(stop.zone)]
            features.append({"type": "Feature", "id": f"zone-{i + 1}",
                             "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]},
                             "properties": {"kind": "zone", "chapter": stop.number, "stop": i + 1}})
        if len(stop.route) >= 2 and stop.route[0] != stop.route[-1]:
            features.append({"type": "Feature", "id": f"route-{i + 1}",
                             "geometry": {"type": "LineString", "coordinates": [position(p) for p in stop.route]},
                             "properties": {"kind": "route", "chapter": stop.number, "stop": i + 1,
                                            "title": stop.title, "length_m": round(stop.route_m, 1)}})
    points = [p for s in tour.stops for p in (*s.route, s.point)]
    (west, east), lats = geo.longitude_span([p[1] for p in points]), [p[0] for p in points]
    return {"type": "FeatureCollection", "name": title,
            "bbox": [_round(west), _round(min(lats)), _round(east), _round(max(lats))],
            "features": features}


def _counter_clockwise(ring: tuple[geo.Point, ...]) -> tuple[geo.Point, ...]:
    """RFC 7946: an exterior ring runs counter-clockwise (shoelace sum in lon-lat space > 0)."""
    area = sum(a[1] * b[0] - b[1] * a[0] for a, b in zip(ring, [*ring[1:], ring[0]]))
    return ring if area > 0 else tuple(reversed(ring))


def tour_gpx(tour: Tour, title: str, author: str | None, description: str | None, language: str,
             callouts: dict[int, str], leg_urls: dict[int, str], page_url: str | None) -> str:
    """The GPX document; ``callouts`` maps chapter number to its arrival callout."""
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = f"narrate {__version__}"
    gpx.nsmap = {"gpxsc": GPXSC}
    gpx.name = title
    gpx.description = description or title
    gpx.author_name = author or "narrate"
    if page_url:
        gpx.link, gpx.link_text, gpx.link_type = page_url, title, "text/html"
    meta = ET.Element(f"{{{GPXSC}}}meta", {"expires": "false"})
    for tag, text in (("behavior", "GuidedTour"), ("version", "1"), ("locale", language.replace("-", "_"))):
        ET.SubElement(meta, f"{{{GPXSC}}}{tag}").text = text
    gpx.metadata_extensions.append(meta)
    for i, stop in enumerate(tour.stops):
        wpt = gpxpy.gpx.GPXWaypoint(_round(stop.point[0]), _round(stop.point[1]), name=f"{i + 1}. {stop.place}",
                                    description=stop.title, symbol="Waypoint", type="stop")
        notes = ET.Element(f"{{{GPXSC}}}annotations")
        ET.SubElement(notes, f"{{{GPXSC}}}annotation", {"type": "arrival"}).text = callouts[stop.number]
        if directions := next_directions(tour.stops, i):
            ET.SubElement(notes, f"{{{GPXSC}}}annotation", {"type": "departure"}).text = directions
        links = ET.Element(f"{{{GPXSC}}}links")
        link = ET.SubElement(links, f"{{{GPXSC}}}link", {"href": leg_urls[stop.number]})
        # as Soundscape's authoring tool writes them: 'text' and 'type' in GPX's own namespace, like a <link>'s
        ET.SubElement(link, "text").text = f"{stop.number}. {stop.title}"
        ET.SubElement(link, "type").text = "audio/mpeg"
        wpt.extensions += [notes, links]
        gpx.waypoints.append(wpt)
    track = gpxpy.gpx.GPXTrack(name=title, description=f"The way from stop to stop, {len(tour.stops)} stops")
    for stop in tour.stops:
        if len(stop.route) >= 2 and stop.route[0] != stop.route[-1]:
            track.segments.append(gpxpy.gpx.GPXTrackSegment(
                [gpxpy.gpx.GPXTrackPoint(_round(lat), _round(lon)) for lat, lon in stop.route]))
    if track.segments:
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")
