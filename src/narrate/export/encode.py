"""Stream mixed chapters into ffmpeg, and publish files atomically."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from narrate.audio import ffmpeg_exe, to_pcm16
from narrate.errors import ExportError
from narrate.mix import Episode


def encode(episode: Episode, out: Path, codec_args: list[str], fmt: str) -> None:
    """Encode the episode chapter by chapter through ffmpeg's stdin, so memory stays bounded."""
    encode_chunks(episode.render(), episode.rate, episode.channels, out, codec_args, fmt)


def encode_chunks(chunks: Iterable[np.ndarray], rate: int, channels: int, out: Path, codec_args: list[str], fmt: str) -> None:
    """Encode float audio chunks of shape (samples, channels) through ffmpeg's stdin."""
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(rate), "-ac", str(channels), "-i", "pipe:0",
        "-map_metadata", "-1", *codec_args, "-f", fmt, str(out),
    ]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        assert proc.stdin is not None
        try:
            for audio in chunks:
                proc.stdin.write(to_pcm16(audio))
            proc.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped early; its message says why
        code = proc.wait()
        if code != 0:
            err.seek(0)
            detail = err.read().decode("utf-8", "replace").strip().splitlines()
            raise ExportError(f"ffmpeg could not encode {fmt}: {detail[-1] if detail else f'exit code {code}'}")


@contextmanager
def published(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds."""
    made_dir = not path.parent.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".partial{path.suffix}")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        if made_dir:
            try:
                path.parent.rmdir()
            except OSError:
                pass
        raise
