"""Files written whole or not at all: through a temporary file beside the target and a rename.

Every file narrate writes, in the output folder or the cache, goes through here,
so a build that fails or is killed never leaves a half-written file in place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PARTIAL = ".partial"  # in the name of a file still being written: '.<stem>.<random>.partial<suffix>'


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file and a rename."""
    with published(path) as tmp:
        tmp.write_bytes(data)


@contextmanager
def published(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds."""
    with published_all([path]) as (tmp,):
        yield tmp


@contextmanager
def published_all(paths: list[Path], unchanged: list[Path] | None = None) -> Iterator[tuple[Path, ...]]:
    """Temporary paths beside each of ``paths``, all renamed into place only if the block succeeds.

    Nothing is renamed until everything is written, so a failure leaves the
    previous files (if any) untouched and no partial ones. Given ``unchanged``,
    a file whose new content equals the old is left as it was (its time too),
    and listed there.
    """
    made = [p.parent for p in paths if not p.parent.exists()]
    temps: list[Path] = []
    mode = 0o666 & ~_umask()  # as an ordinary new file would get: mkstemp makes them private
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f"{PARTIAL}{path.suffix}")
            os.close(fd)
            os.chmod(name, mode)
            temps.append(Path(name))
        yield tuple(temps)
        for tmp, path in zip(temps, paths):
            if unchanged is not None and _same_file_content(tmp, path):
                tmp.unlink()
                unchanged.append(path)
            else:
                os.replace(tmp, path)
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        for folder in sorted(set(made), key=lambda p: len(p.parts), reverse=True):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise


def _same_file_content(a: Path, b: Path) -> bool:
    import filecmp

    try:
        return b.is_file() and a.stat().st_size == b.stat().st_size and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
