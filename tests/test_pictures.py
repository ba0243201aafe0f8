"""Covers read from their headers: size, shape and colours, and the warning 'check' gives for them."""

from __future__ import annotations

import io
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from narrate.audio import ffmpeg_exe
from narrate.pictures import Picture, cover_advice, read_picture
from narrate.testing import tone_engines

from conftest import run_cli


def png(width: int, height: int, colour: int = 2, *, ihdr: bytes = b"IHDR") -> bytes:
    """A PNG's signature and header chunk: all a reader of the header may look at."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(ihdr, struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))


def jpeg(width: int, height: int, components: int = 3, sof: int = 0xC0, before: bytes = b"") -> bytes:
    """A JPEG's markers up to its frame header, with ``before`` (whole segments) first."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = struct.pack(">BHHB", 8, height, width, components) + b"\x01\x22\x00" * components
    return b"\xff\xd8" + app0 + before + bytes([0xFF, sof]) + struct.pack(">H", 2 + len(frame)) + frame + b"\xff\xd9"


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", 2 + len(body)) + body


@pytest.mark.parametrize("data, picture", [
    (png(3000, 3000), Picture("image/png", 3000, 3000, "RGB")),
    (png(60_000, 60_000), Picture("image/png", 60_000, 60_000, "RGB")),
    (png(1400, 1401, 6), Picture("image/png", 1400, 1401, "RGB with alpha")),
    (png(1400, 1400, 0), Picture("image/png", 1400, 1400, "greyscale")),
    (png(1400, 1400, 3), Picture("image/png", 1400, 1400, "palette")),
    (png(1400, 1400, 4), Picture("image/png", 1400, 1400, "greyscale with alpha")),
    (png(1400, 1400, 7), Picture("image/png", 1400, 1400, "colour type 7")),
    (jpeg(1600, 1500), Picture("image/jpeg", 1600, 1500, "RGB")),
    (jpeg(2000, 2000, 1), Picture("image/jpeg", 2000, 2000, "greyscale")),
    (jpeg(2000, 2000, 4, sof=0xC2), Picture("image/jpeg", 2000, 2000, "CMYK")),  # progressive
    (jpeg(2000, 2000, 2), Picture("image/jpeg", 2000, 2000, "2 components")),
    # an EXIF block and a Huffman table (C4: in the frame markers' range, but not one) before the frame
    (jpeg(1800, 1800, before=segment(0xE1, b"Exif\x00\x00" + bytes(60_000)) + segment(0xE2, bytes(10_000)) + segment(0xC4, bytes(30))),
     Picture("image/jpeg", 1800, 1800, "RGB")),
    (jpeg(1800, 1800, before=segment(0xC8, bytes(4)) + segment(0xCC, bytes(4))), Picture("image/jpeg", 1800, 1800, "RGB")),
    (jpeg(1500, 1500, before=b"\xff\xff\xff" + segment(0xFE, b"a comment")), Picture("image/jpeg", 1500, 1500, "RGB")),
    (jpeg(1500, 1500, before=b"\xff\x01\xff\xd0"), Picture("image/jpeg", 1500, 1500, "RGB")),  # markers with no length
])
def test_a_pictures_header_gives_its_size_and_colours(data: bytes, picture: Picture) -> None:
    fh = io.BytesIO(data)
    assert read_picture(fh) == picture
    assert fh.tell() <= len(data) - 2  # it stopped at the header


@pytest.mark.parametrize("data", [
    b"", b"GIF89a", png(10, 10)[:20], png(10, 10, ihdr=b"IDAT"), b"\xff\xd8\xff", b"\xff\xd8\xff\xd9",
    b"\xff\xd8" + segment(0xDA, bytes(8)) + b"\xff\xd9",  # image data before any frame header
    jpeg(10, 10)[:26], b"\xff\xd8\xff\xe0\x00", b"\xff\xd8\xff\xe0\x00\x01", b"\xff\xd8\x00\x00",
    b"\xff\xd8" + segment(0xE0, bytes(4)) + b"\x00",
])
def test_a_header_that_cannot_be_read_is_none(data: bytes) -> None:
    assert read_picture(io.BytesIO(data)) is None


@pytest.mark.parametrize("picture, advice", [
    (Picture("image/png", 3000, 3000, "RGB"), []),
    (Picture("image/png", 1400, 1400, "palette"), []),
    (Picture("image/jpeg", 1400, 1400, "RGB with alpha"), []),
    (Picture("image/png", 1399, 1399, "RGB"),
     ["it is 1,399 x 1,399 pixels: podcast apps want 1,400 to 3,000 a side (Apple Podcasts refuses others)"]),
    (Picture("image/png", 3001, 3001, "RGB"),
     ["it is 3,001 x 3,001 pixels: podcast apps want 1,400 to 3,000 a side (Apple Podcasts refuses others)"]),
    (Picture("image/png", 3000, 1400, "RGB"), ["it is 3,000 x 1,400 pixels, not square: apps crop or pad it"]),
    (Picture("image/jpeg", 1400, 3001, "CMYK"), [
        "it is 1,400 x 3,001 pixels, not square: apps crop or pad it",
        "it is 1,400 x 3,001 pixels: podcast apps want 1,400 to 3,000 a side (Apple Podcasts refuses others)",
        "its colours are CMYK: podcast apps want RGB"]),
    (Picture("image/jpeg", 2000, 2000, "greyscale"), ["its colours are greyscale: podcast apps want RGB"]),
])
def test_what_podcast_apps_make_of_a_cover(picture: Picture, advice: list[str]) -> None:
    assert cover_advice(picture) == advice


def test_check_warns_of_a_huge_cover_without_decoding_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """60,000 pixels a side (3.6 billion pixels) would take 10 GB to decode: only its header is read."""
    monkeypatch.setenv("NARRATE_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "big.png").write_bytes(png(60_000, 60_000) + b"\x00\x00\x00\x00IEND\xaeB`\x82")
    script = tmp_path / "story.md"
    script.write_text("---\ntitle: T\nauthor: A\ncover: big.png\n---\n# One\nHello there.\n", encoding="utf-8")
    code, out, err = run_cli("check", str(script), engines=tone_engines())
    assert (code, err) == (0, "")
    assert out.splitlines()[2] == (f"warning: {script}:4: cover big.png: it is 60,000 x 60,000 pixels: podcast apps want "
                                   "1,400 to 3,000 a side (Apple Podcasts refuses others)")


def test_check_says_nothing_of_a_good_cover_and_reads_a_real_jpeg(tmp_path: Path) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=red:s=1500x1500", "-frames:v", "1",
                    str(tmp_path / "cover.jpg")], check=True)
    with open(tmp_path / "cover.jpg", "rb") as fh:
        assert read_picture(fh) == Picture("image/jpeg", 1500, 1500, "RGB")
    script = tmp_path / "story.md"
    script.write_text("---\ntitle: T\ncover: cover.jpg\n---\n# One\nHello there.\n", encoding="utf-8")
    code, out, err = run_cli("check", str(script), engines=tone_engines())
    assert (code, err) == (0, "")
    assert "warning" not in out
