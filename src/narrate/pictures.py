"""What a cover is, read from its header alone: its type, size and colours, without decoding a pixel.

A podcast cover is judged by these (Apple Podcasts: a square of 1400 to 3000 pixels, RGB), and a
60,000-pixel picture should be found out before anything tries to decode it. PNG keeps them in its first
chunk; JPEG in its frame header, after whatever metadata segments come first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8\xff"
COVER_MIN, COVER_MAX = 1400, 3000  # pixels a side, as Apple Podcasts asks

# PNG colour types (IHDR) and JPEG component counts (SOF), as the colours a listener's app sees
_PNG_COLOURS = {0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale with alpha", 6: "RGB with alpha"}
_JPEG_COLOURS = {1: "greyscale", 3: "RGB", 4: "CMYK"}
# JPEG frame headers: SOF0 to SOF15, but for DHT (C4), JPG (C8) and DAC (CC), which share the range
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_NO_LENGTH = frozenset([0x01, *range(0xD0, 0xD8)])  # markers with no segment after them (TEM, RSTn)


@dataclass(frozen=True)
class Picture:
    mime: str  # image/png or image/jpeg
    width: int
    height: int
    colours: str  # RGB, RGB with alpha, greyscale, palette, CMYK...


def picture_mime(data: bytes) -> str | None:
    """The MIME type of a PNG or JPEG image, from its first bytes."""
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(JPEG_START):
        return "image/jpeg"
    return None


def read_picture(fh: BinaryIO) -> Picture | None:
    """A PNG's or JPEG's size and colours from its header; None if the header cannot be read as one."""
    head = fh.read(len(PNG_SIGNATURE))
    if head == PNG_SIGNATURE:
        chunk = fh.read(8 + 13)  # length, 'IHDR', then width, height, depth, colour type, ...
        if len(chunk) < 21 or chunk[4:8] != b"IHDR":
            return None
        width, height, _, colour = struct.unpack(">IIBB", chunk[8:18])
        return Picture("image/png", width, height, _PNG_COLOURS.get(colour, f"colour type {colour}"))
    if not head.startswith(JPEG_START):
        return None
    fh.seek(2)  # past the start-of-image marker: each segment is FF, a marker and (most) a length
    while True:
        if fh.read(1) != b"\xff":
            return None
        byte = fh.read(1)
        while byte == b"\xff":  # fill bytes before a marker
            byte = fh.read(1)
        if not byte:
            return None
        marker = byte[0]
        if marker in _NO_LENGTH:
            continue
        if marker in (0xD9, 0xDA):  # the end of the image, or its data, before any frame header
            return None
        size = fh.read(2)
        if len(size) < 2 or (length := struct.unpack(">H", size)[0]) < 2:
            return None
        if marker in _SOF:
            frame = fh.read(6)  # precision, height, width, components
            if len(frame) < 6:
                return None
            _, height, width, components = struct.unpack(">BHHB", frame)
            return Picture("image/jpeg", width, height, _JPEG_COLOURS.get(components, f"{components} components"))
        fh.seek(length - 2, 1)


def cover_advice(picture: Picture) -> list[str]:
    """What podcast apps will make of a cover: outside 1400 to 3000 pixels a side, not square, not RGB."""
    out = []
    w, h = picture.width, picture.height
    if w != h:
        out.append(f"it is {w:,} x {h:,} pixels, not square: apps crop or pad it")
    if max(w, h) > COVER_MAX or min(w, h) < COVER_MIN:
        out.append(f"it is {w:,} x {h:,} pixels: podcast apps want {COVER_MIN:,} to {COVER_MAX:,} a side "
                   "(Apple Podcasts refuses others)")
    if picture.colours not in ("RGB", "RGB with alpha", "palette"):
        out.append(f"its colours are {picture.colours}: podcast apps want RGB")
    return out
