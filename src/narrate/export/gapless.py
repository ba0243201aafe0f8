"""Gapless MP3 assembled from pieces encoded on their own.

Re-encoding an hour of MP3 costs about 44 s of one core here, so after an edit
only the changed pieces (stretches of about 20 s of a chapter; see
narrate.encoding) are encoded again and the others' frames are reused. That is
seamless because:

- every chapter, and every piece, is a whole number of MP3 frames (1152
  samples; see narrate.mix), so its frames sit on the same grid wherever the
  chapter falls in the episode;
- each piece is encoded with a few frames of the real audio before and after
  it, and only its own frames are kept, so the encoder's filter bank, window
  switching and psychoacoustic model see the same signal at a join as they
  would in one long encode, and the decoder's overlap-add lines up;
- the bit reservoir is off (``-reservoir 0``): no frame borrows bytes from
  the frame before it, so frames from different encodes can follow each other.

The assembled stream gets a Xing/Info frame with a LAME tag (frame count, byte
count, seek table, encoder delay and padding, CRCs), as LAME or ffmpeg write
it, so players trim the encoder delay and play the episode gaplessly.
"""

from __future__ import annotations

import functools
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from typing import BinaryIO
from dataclasses import dataclass

import numpy as np

from narrate.audio import ffmpeg_exe, to_pcm16
from narrate.errors import ExportError

SAMPLES_PER_FRAME = 1152
ENCODER_DELAY = 576  # LAME's, in samples; players skip this plus the decoder's 529
PREROLL_FRAMES = 4  # real audio fed before a piece, whose frames are dropped
POSTROLL_FRAMES = 3  # and after it: the encoder looks ahead about one frame

_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)  # MPEG-1 layer III, kbit/s
_RATES = (44100, 48000, 32000)


@dataclass(frozen=True)
class Segment:
    """One piece's MP3 frames (no Info frame), their count and CRC-16."""

    data: bytes
    frames: int
    crc: int


def frame_lengths(data: bytes) -> list[int]:
    """The byte length of each MPEG-1 layer III frame in ``data``, which must hold whole frames only."""
    out = []
    pos = 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise ExportError(f"MP3 stream ends inside a frame header at byte {pos}")
        header = struct.unpack(">I", data[pos : pos + 4])[0]
        if header >> 21 != 0x7FF or (header >> 19) & 3 != 3 or (header >> 17) & 3 != 1:
            raise ExportError(f"not an MPEG-1 layer III frame at byte {pos}")
        bitrate = _BITRATES[(header >> 12) & 15] * 1000
        rate = _RATES[(header >> 10) & 3]
        length = 144 * bitrate // rate + ((header >> 9) & 1)
        out.append(length)
        pos += length
    if pos != len(data):
        raise ExportError("MP3 stream ends inside a frame")
    return out


def encode_segment(
    audio: np.ndarray, rate: int, channels: int, codec_args: Sequence[str], skip: int, keep: int | None
) -> Segment:
    """Encode float audio (samples, channels) to MP3 and keep frames skip..skip+keep (all the rest if None)."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(rate), "-ac", str(channels),
           "-i", "pipe:0", *_piece_output(codec_args), "pipe:1"]
    with tempfile.TemporaryFile() as err:
        out = subprocess.run(cmd, input=to_pcm16(audio), stdout=subprocess.PIPE, stderr=err, check=False)
        _check(out.returncode, err)
    return _kept(out.stdout, skip, keep)


def encode_segments(jobs: Iterable[tuple[np.ndarray, int, int | None]], rate: int, channels: int,
                    codec_args: Sequence[str]) -> list[Segment]:
    """``encode_segment`` for several pieces at once, by one ffmpeg with an encoder of its own for each (the
    same frames as one ffmpeg each): the audio goes to temporary files first, a piece at a time. Starting one
    process, not one a piece, saves its start (about 16 ms of CPU) and keeps the build from forking itself
    hundreds of times an hour (a forked child counts the whole build's memory until it runs ffmpeg)."""
    with tempfile.TemporaryDirectory(prefix="narrate-pieces-") as tmp:
        inputs: list[str] = []
        outputs: list[str] = []
        trims: list[tuple[int, int | None]] = []
        for k, (audio, skip, keep) in enumerate(jobs):
            path = f"{tmp}/{k}.s16"
            with open(path, "wb") as fh:
                fh.write(to_pcm16(audio))
            inputs += ["-f", "s16le", "-ar", str(rate), "-ac", str(channels), "-i", path]
            outputs += ["-map", f"{k}:a", *_piece_output(codec_args), f"{tmp}/{k}.mp3"]
            trims.append((skip, keep))
        if not trims:
            return []
        with tempfile.TemporaryFile() as err:
            code = subprocess.run(
                [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *inputs, *outputs],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                check=False,
            ).returncode
            _check(code, err)
        out = []
        for k, (skip, keep) in enumerate(trims):
            with open(f"{tmp}/{k}.mp3", "rb") as fh:
                out.append(_kept(fh.read(), skip, keep))
        return out


def _piece_output(codec_args: Sequence[str]) -> list[str]:
    """One piece's encoder: no tags, no bit reservoir (no frame borrows from the one before), no Xing frame."""
    return ["-map_metadata", "-1", *codec_args, "-reservoir", "0", "-write_xing", "0", "-f", "mp3"]


def _check(code: int, err: BinaryIO) -> None:
    if code:
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
        raise ExportError(f"ffmpeg could not encode MP3: {lines[-1] if lines else code}")


def _kept(data: bytes, skip: int, keep: int | None) -> Segment:
    """Frames skip..skip+keep of an encoded stream (all the rest if None)."""
    lengths = frame_lengths(data)
    ends = np.cumsum([0, *lengths])
    stop = len(lengths) if keep is None else skip + keep
    if stop > len(lengths):
        raise ExportError(f"the MP3 encoder made {len(lengths)} frames; expected at least {stop}")
    kept = data[ends[skip] : ends[stop]]
    return Segment(kept, stop - skip, crc16(kept))


def write_assembled(out: BinaryIO, pieces: Sequence[tuple[int, int, int]], data: Callable[[int], bytes], samples: int,
                    codec_args: Sequence[str], rate: int, channels: int) -> None:
    """Write the whole MP3 stream to ``out``: an Info frame for ``samples`` of audio, then each piece's frames,
    asked for one at a time (``data(k)``), so memory holds one piece however long the book. ``pieces`` are
    each piece's (frames, CRC-16, bytes)."""
    frames = sum(f for f, _, _ in pieces)
    crc = 0
    for _, c, n in pieces:
        crc = crc16_combine(crc, c, n)
    audio_bytes = sum(n for _, _, n in pieces)
    info = bytearray(_info_template(tuple(codec_args), rate, channels))
    total = len(info) + audio_bytes
    tag = info.find(b"Info")
    if tag < 0:
        tag = info.find(b"Xing")
    struct.pack_into(">II", info, tag + 8, frames, total)
    # the seek table: where each 1% of the duration starts, as a fraction of the file (x256). At a constant
    # bit rate frames differ by at most the one padding byte, so within a segment the place is interpolated
    first_frame = np.cumsum([0] + [f for f, _, _ in pieces])
    first_byte = len(info) + np.cumsum([0] + [n for _, _, n in pieces])
    wanted = np.minimum((np.arange(100) * frames) // 100, frames - 1)
    seg = np.searchsorted(first_frame, wanted, side="right") - 1
    per_frame = np.array([n / max(f, 1) for f, _, n in pieces])
    at = first_byte[seg] + (wanted - first_frame[seg]) * per_frame[seg]
    info[tag + 16 : tag + 116] = np.minimum(at * 256 // total, 255).astype(np.uint8).tobytes()
    lame = tag + 120
    padding = frames * SAMPLES_PER_FRAME - ENCODER_DELAY - samples
    if not 0 <= padding < 4096:
        raise ExportError(f"the MP3 frames do not match the audio: {frames} frames for {samples} samples")
    info[lame + 21 : lame + 24] = bytes(
        [ENCODER_DELAY >> 4, ((ENCODER_DELAY & 15) << 4) | (padding >> 8), padding & 255]
    )
    struct.pack_into(">IH", info, lame + 28, total, crc)
    struct.pack_into(">H", info, lame + 34, crc16(bytes(info[:190])))
    out.write(bytes(info))
    for k, (_, _, n) in enumerate(pieces):
        chunk = data(k)
        if len(chunk) != n:
            raise ExportError("an MP3 piece changed while the file was written; build again")
        out.write(chunk)


@functools.cache
def _info_template(codec_args: tuple[str, ...], rate: int, channels: int) -> bytes:
    """An Info frame with a LAME tag, as ffmpeg writes it for these settings (fields to be filled in)."""
    silence = bytes(2 * channels * SAMPLES_PER_FRAME * 4)
    with tempfile.TemporaryDirectory() as tmp:  # ffmpeg fills the Info frame in by seeking back: not to a pipe
        path = f"{tmp}/info.mp3"
        cmd = [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "s16le",
            "-ar",
            str(rate),
            "-ac",
            str(channels),
            "-i",
            "pipe:0",
            *codec_args,
            "-reservoir",
            "0",
            "-write_xing",
            "1",
            "-f",
            "mp3",
            path,
        ]
        out = subprocess.run(cmd, input=silence, capture_output=True, check=False)
        data = open(path, "rb").read() if out.returncode == 0 else b""
    if not data:
        raise ExportError("ffmpeg could not write an MP3 Info frame")
    first = frame_lengths(data)[0]
    info = data[:first]
    if b"Info" not in info and b"Xing" not in info:
        raise ExportError("ffmpeg wrote no Xing/Info frame")
    return info


# CRC-16/ARC (polynomial 0x8005, reflected, initial value 0), as the LAME tag uses.


@functools.cache
def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table[i] = c
    return table


LANES = 4096  # bytes are processed in this many interleaved pieces at once, then combined


def crc16(data: bytes) -> int:
    """CRC-16/ARC of ``data``: LANES pieces run side by side in numpy, then are combined pairwise."""
    table = _crc_table()
    n = len(data) // LANES
    crc = 0
    if n:
        block = np.frombuffer(data, dtype=np.uint8, count=n * LANES).reshape(LANES, n)
        regs = np.zeros(LANES, dtype=np.uint16)
        for j in range(n):
            regs = table[(regs ^ block[:, j]) & 0xFF] ^ (regs >> 8)
        length = n
        while len(regs) > 1:  # lane pairs (A, B) -> CRC of A then B, all pairs at once
            regs = _apply_many(_zeros_operator(length), regs[0::2]) ^ regs[1::2]
            length *= 2
        crc = int(regs[0])
    for byte in data[n * LANES :]:
        crc = int(table[(crc ^ byte) & 0xFF]) ^ (crc >> 8)
    return crc


def _apply_many(columns: tuple[int, ...], values: np.ndarray) -> np.ndarray:
    """``_apply`` to every value of an array."""
    out = np.zeros_like(values)
    for bit, column in enumerate(columns):
        out ^= ((values >> bit) & 1) * np.uint16(column)
    return out


def _zeros_operator(length: int) -> tuple[int, ...]:
    """The linear map that running ``length`` zero bytes through the CRC applies to its register."""
    columns = tuple(1 << i for i in range(16))
    k = 0
    while length:
        if length & 1:
            power = _zeros_power(k)
            columns = tuple(_apply(power, c) for c in columns)
        length >>= 1
        k += 1
    return columns


def crc16_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """The CRC of A followed by B, from the CRCs of each and B's length (the CRC is linear): A's register
    is run through ``length_b`` zero bytes, one power-of-two operator per set bit of the length."""
    k = 0
    while length_b:
        if length_b & 1:
            crc_a = _apply(_zeros_power(k), crc_a)
        length_b >>= 1
        k += 1
    return crc_a ^ crc_b


def _apply(columns: tuple[int, ...], value: int) -> int:
    out = 0
    bit = 0
    while value:
        if value & 1:
            out ^= columns[bit]
        value >>= 1
        bit += 1
    return out


@functools.cache
def _zeros_power(k: int) -> tuple[int, ...]:
    """The linear map (one column per register bit) that running 2**k zero bytes through the CRC applies."""
    if k == 0:
        table = _crc_table()
        return tuple(int(table[(1 << i) & 0xFF]) ^ ((1 << i) >> 8) for i in range(16))
    half = _zeros_power(k - 1)
    return tuple(_apply(half, c) for c in half)
