"""What Soundscape makes of a GPX file, rule by rule, as its own code reads one.

Two readers are modelled, each rule citing the line of the source it comes from:

- the iOS app, soundscape-community/soundscape at 52bb321 (apps/ios/GuideDogs/Code/...):
  ``Data/Authored Activities/AuthoredActivityContent.swift`` (ACT) and
  ``App/Framework Extensions/Geo Extensions/GPXExtensions.swift`` (EXT). CoreGPX hands it each extension
  element by its name as written, prefix and all ("gpxsc:meta"), so a prefix other than ``gpxsc`` is not read;
- the authoring tool's GPX import, soundscape-community/authoring-tool at 69bbd5e, ``backend/api/gpx_utils.py``
  (AUTH), which reads with gpxpy, as here: the way a tour reaches the app is through it.

``ios_tour`` and ``authoring_tour`` return what each reader keeps, or raise ``Refused`` with the rule broken.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

ACT = "AuthoredActivityContent.swift"
EXT = "GPXExtensions.swift"
AUTH = "gpx_utils.py"
GPXSC = "https://microsoft.com/Soundscape"


class Refused(Exception):
    """The reader would not take the file: the message cites the rule."""


@dataclass(frozen=True)
class Waypoint:
    lat: float
    lon: float
    name: str | None
    desc: str | None
    arrival: str | None
    departure: str | None
    audio: tuple[tuple[str, str | None], ...]  # (href, text)


@dataclass(frozen=True)
class Tour:
    id: str | None
    behavior: str
    name: str
    author: str
    desc: str
    locale: str | None
    waypoints: tuple[Waypoint, ...]
    pois: int


def _name(el) -> str:  # type: ignore[no-untyped-def]
    """An element's name as CoreGPX gives it: the prefix as written, then the local name."""
    local = el.tag.split("}")[-1]
    return f"{el.prefix}:{local}" if el.prefix else local


def _child(el, name: str):  # type: ignore[no-untyped-def]
    return next((c for c in el if isinstance(c.tag, str) and _name(c) == name), None)


def _children(el, name: str) -> list:  # type: ignore[type-arg]
    return [c for c in el if isinstance(c.tag, str) and _name(c) == name]


def _text(el, name: str) -> str | None:  # type: ignore[no-untyped-def]
    c = _child(el, name) if el is not None else None
    return c.text if c is not None else None


def ios_tour(data: bytes) -> Tour:
    """AuthoredActivityContent.parse(gpx:baseURL:), ACT lines 182-276."""
    from lxml import etree

    root = etree.fromstring(data)  # XML that does not parse: CoreGPX keeps what came before the fault
    metadata = _child(root, "metadata")
    if metadata is None:
        raise Refused(f"{ACT}:183: no <metadata>")
    holder = _child(metadata, "extensions")
    ext = _child(holder, "gpxsc:meta") if holder is not None else None  # EXT:123, 569-573: by its written name
    if ext is None:
        raise Refused(f"{ACT}:187: no gpxsc:meta in the metadata's extensions (EXT:123)")
    ident, behavior, locale = (_text(ext, f"gpxsc:{k}") for k in ("id", "behavior", "locale"))  # EXT:284-288
    if not ident:
        raise Refused(f"{ACT}:188: gpxsc:id is required (EXT:284)")
    if not behavior or behavior.lower() not in ("scavengerhunt", "orienteering", "guidedtour"):
        raise Refused(f"{ACT}:189-191: gpxsc:behavior {behavior!r} is not one AuthoredActivityType.parse knows (97-111)")
    if not locale:
        raise Refused(f"{ACT}:190: gpxsc:locale is required (EXT:288)")
    name, desc = _text(metadata, "name"), _text(metadata, "desc")
    author = _text(_child(metadata, "author"), "name") if _child(metadata, "author") is not None else None
    for value, line, what in ((name, 195, "metadata name"), (author, 199, "metadata author name"),
                              (desc, 203, "metadata desc")):
        if not value:
            raise Refused(f"{ACT}:{line}: the {what} is required and must not be empty")
    link = _child(metadata, "link")
    if link is not None and _text(link, "type") is not None and not _text(link, "type").startswith("image"):
        raise Refused(f"{ACT}:208: the metadata's first link with a type is taken as the tour's image")
    version = _text(ext, "gpxsc:version") or "1"  # ACT:213
    if version == "1":
        points, pois = _children(root, "wpt"), 0  # ACT:217
    elif version == "2":
        route = _child(root, "rte")  # ACT:240: the first route
        if route is None or not _children(route, "rtept"):
            raise Refused(f"{ACT}:240: version 2 needs a first <rte> with points")
        points, pois = _children(route, "rtept"), len(_children(root, "wpt"))  # ACT:245, 252
    else:
        raise Refused(f"{ACT}:273: gpxsc:version {version!r} is neither 1 nor 2")
    waypoints = tuple(_waypoint(p) for p in points)
    if not waypoints or any(w.name is None for w in waypoints):
        raise Refused(f"{ACT}:220/248: every waypoint needs a name, and there must be one")
    return Tour(ident, behavior, name, author, desc, locale, waypoints, pois)  # type: ignore[arg-type]


def _waypoint(p) -> Waypoint:  # type: ignore[no-untyped-def]
    """ACT:282-333: a waypoint's callouts (annotations, EXT:451-456) and its audio links (EXT:463-472)."""
    ext = _child(p, "extensions")
    notes = _child(ext, "gpxsc:annotations") if ext is not None else None  # EXT:124
    links = _child(ext, "gpxsc:links") if ext is not None else None  # EXT:125

    def callout(kind: str) -> str | None:  # ACT:316-317: the first annotation of the type; its text, or ""
        found = next((a for a in _children(notes, "gpxsc:annotation") if a.get("type") == kind), None) \
            if notes is not None else None
        return None if found is None else (found.text or "")

    audio = tuple((link.get("href"), _text(link, "text")) for link in (_children(links, "gpxsc:link") if
                  links is not None else []) if _text(link, "type") in ("audio/mpeg", "audio/x-m4a")  # ACT:284
                  and link.get("href"))  # ACT:307
    return Waypoint(float(p.get("lat")), float(p.get("lon")), _text(p, "name"), _text(p, "desc"),
                    callout("arrival"), callout("departure"), audio)


def authoring_tour(text: str) -> Tour:
    """gpx_to_activity and gpx_to_waypoint, AUTH lines 289-449: what the authoring tool imports (read with gpxpy,
    the tool's own reader); audio it cannot fetch from an absolute address is skipped (AUTH:418-423)."""
    import gpxpy

    gpx = gpxpy.parse(text)  # AUTH:294
    for value, line, what in ((gpx.author_name, 302, "author_name"), (gpx.name, 310, "name"),
                              (gpx.description, 315, "description")):
        if not value:
            raise Refused(f"{AUTH}:{line}: missing required field '{what}'")
    meta = next((e for e in gpx.metadata_extensions if e.tag == f"{{{GPXSC}}}meta"), None)  # AUTH:337
    version, fields = 1, {}
    for sub in meta if meta is not None else []:  # AUTH:351-357
        fields[sub.tag.split("}")[-1]] = sub.text
    if "version" in fields:
        version = int(fields["version"])  # AUTH:357
    points = (gpx.routes[0].points if gpx.routes else []) if version == 2 else gpx.waypoints  # AUTH:368-381
    waypoints = []
    for p in points:
        notes = next((e for e in p.extensions if e.tag == f"{{{GPXSC}}}annotations"), None)  # AUTH:398
        said = {a.attrib.get("type"): a.text for a in (notes if notes is not None else [])}
        links = next((e for e in p.extensions if e.tag == f"{{{GPXSC}}}links"), None)  # AUTH:407
        audio = []
        for link in links if links is not None else []:
            kind = next((e.text for e in link if e.tag == "type"), None)  # AUTH:428
            href = link.attrib.get("href")
            if href and urlparse(href).scheme in ("http", "https") and kind and kind.startswith("audio"):
                audio.append((href, next((e.text for e in link if e.tag == "text"), None)))  # AUTH:434-440
        waypoints.append(Waypoint(p.latitude, p.longitude, p.name, p.description, said.get("arrival"),
                                  said.get("departure"), tuple(audio)))
    return Tour(fields.get("id"), fields.get("behavior") or "Orienteering", gpx.name, gpx.author_name,
                gpx.description, fields.get("locale"), tuple(waypoints), len(gpx.waypoints) if version == 2 else 0)
