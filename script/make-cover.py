"""Draw the demo episode's cover: a night sky over a winding river (1400x1400 PNG, no text).

Run once with: python script/make-cover.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

SIZE = 1400


def png(rgb: np.ndarray) -> bytes:
    """Encode an (h, w, 3) uint8 array as a PNG."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main() -> None:
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    sky = np.stack([0.05 + 0.15 * y, 0.08 + 0.2 * y, 0.22 + 0.25 * y], axis=-1)
    # A river winding from the top left to the bottom right, widening as it comes closer.
    centre = 0.15 + 0.7 * y + 0.12 * np.sin(y * 9)
    width = 0.02 + 0.08 * y
    river = np.clip(1 - np.abs(x - centre) / width, 0, 1)[..., None]
    water = np.array([0.55, 0.68, 0.8])
    img = sky * (1 - 0.8 * river) + water * 0.8 * river
    rng = np.random.default_rng(7)
    stars = rng.random((SIZE, SIZE)) > 0.9992
    img[stars & (y < 0.45)] = [0.95, 0.95, 0.85]
    out = Path(__file__).with_name("escape-route-cover.png")
    out.write_bytes(png((np.clip(img, 0, 1) * 255).astype(np.uint8)))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
