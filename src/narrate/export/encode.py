"""Stream mixed audio into ffmpeg encoders.

One rendering of the mix feeds every format at once: each encoder reads the
same PCM chunks from its own pipe, fed by its own thread, so the encoders run
side by side and the mix is never rendered twice.
"""

from __future__ import annotations

import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from narrate.audio import ffmpeg_exe, to_pcm16
from narrate.errors import ExportError

QUEUED_CHUNKS = 2  # chunks waiting per encoder; a slow encoder holds back the mixer, not memory


@dataclass(frozen=True)
class Target:
    """One encoded file: where it goes, ffmpeg's codec options and muxer, and any extra inputs.

    ``inputs`` are further files for ffmpeg (an ffmetadata file with the chapters,
    say); ``maps`` then choose what to take from them.
    """

    path: Path
    codec_args: tuple[str, ...]
    muxer: str
    inputs: tuple[str, ...] = ()
    maps: tuple[str, ...] = field(default=())
    gain_db: float = 0.0  # applied to the samples before encoding

    def command(self, source: list[str], gain_db: float | None = None) -> list[str]:
        """ffmpeg's command line, reading the PCM from ``source`` (its input options and -i), with this
        target's gain, or ``gain_db`` instead."""
        cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *source]
        for extra in self.inputs:
            cmd += ["-i", extra]
        cmd += list(self.maps or ("-map_metadata", "-1"))
        gain_db = self.gain_db if gain_db is None else gain_db
        if gain_db:
            cmd += ["-af", f"volume={gain_db:.3f}dB"]
        return cmd + [*self.codec_args, "-f", self.muxer, str(self.path)]


def pcm_input(rate: int, channels: int, source: str = "pipe:0") -> list[str]:
    """ffmpeg's input options for 16-bit PCM from a pipe or a raw file."""
    return ["-f", "s16le", "-ar", str(rate), "-ac", str(channels), "-i", source]


def reencode(raw: Path, rate: int, channels: int, target: Target, gain_db: float) -> None:
    """Encode the target again from the raw PCM of the same mix, with a gain change."""
    with tempfile.TemporaryFile() as err:
        code = subprocess.call(
            target.command(pcm_input(rate, channels, str(raw)), gain_db), stdout=subprocess.DEVNULL, stderr=err
        )
        if code:
            err.seek(0)
            detail = err.read().decode("utf-8", "replace").strip().splitlines()
            raise ExportError(
                f"ffmpeg could not write {target.path.suffix.lstrip('.')}: {detail[-1] if detail else code}"
            )


def encode_chunks(chunks: Iterable[np.ndarray], rate: int, channels: int, targets: list[Target]) -> None:
    """Encode float audio chunks of shape (samples, channels) into every target at once."""
    jobs = [_Encoder(t, rate, channels) for t in targets]
    try:
        for audio in chunks:
            data = to_pcm16(audio)
            for job in jobs:
                job.put(data)
    except BaseException:
        for job in jobs:
            job.proc.kill()
            job.put(None)
            job.finish()
        raise
    for job in jobs:
        job.put(None)
    failures = [message for job in jobs if (message := job.finish())]
    if failures:
        raise ExportError(failures[0])


class _Encoder:
    """An ffmpeg process and the thread that feeds its stdin."""

    def __init__(self, target: Target, rate: int, channels: int) -> None:
        self.target = target
        cmd = target.command(pcm_input(rate, channels))
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.err)
        self.queue: queue.Queue[bytes | None] = queue.Queue(QUEUED_CHUNKS)
        self.thread = threading.Thread(target=self._feed, daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        broken = False
        while (data := self.queue.get()) is not None:
            if broken:
                continue  # keep draining so the producer never blocks on a dead encoder
            try:
                stdin.write(data)
            except (BrokenPipeError, OSError):
                broken = True  # ffmpeg stopped early; its message says why
        try:
            stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def put(self, data: bytes | None) -> None:
        self.queue.put(data)

    def finish(self) -> str | None:
        """Wait for the encoder; its error message, if it failed."""
        self.thread.join()
        code = self.proc.wait()
        self.err.seek(0)
        detail = self.err.read().decode("utf-8", "replace").strip().splitlines()
        self.err.close()
        if code == 0:
            return None
        why = detail[-1] if detail else f"exit code {code}"
        return f"ffmpeg could not write {self.target.path.suffix.lstrip('.')}: {why}"
