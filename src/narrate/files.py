"""Files written whole or not at all: through a temporary file beside the target and a rename.

Every file narrate writes, in the output folder or the cache, goes through here,
so a build that fails or is killed never leaves a half-written file in place.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PARTIAL = ".partial"  # in the name of a file still being written: '.<stem>.<random>.partial<suffix>'
WORK_PREFIX = ".narrate-"  # a folder of work files (raw mix, codec probes) inside the output folder


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
    mode = 0o666  # less the umask, as for any new file
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            while True:
                # noted before it is made: a Ctrl-C between making a file and noting it would leave it behind
                temps.append(path.parent / f".{path.stem}.{secrets.token_hex(4)}{PARTIAL}{path.suffix}")
                try:
                    os.close(os.open(temps[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
                    break
                except FileExistsError:
                    temps.pop()
        yield tuple(temps)
        with _signals_deferred():  # all renamed, or (if it comes before) none: never a mixed set
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


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ctrl-C or SIGTERM during the block takes effect when it ends (in the main thread; elsewhere, as is)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    before = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
    for signum in caught[:1]:
        handler = before[signum]
        if callable(handler):
            handler(signum, None)
        elif handler == signal.SIG_DFL:
            signal.raise_signal(signum)


@contextmanager
def output_lock(folder: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the output ``folder`` for one build at a time. The lock is a file among the user's temporary
    files, named after the folder and locked with flock, so it leaves nothing in the output or the cache and
    a killed build's lock goes with its process. A second build says which process holds it, and waits."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    import sys

    path = lock_path(folder.absolute(), "output")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "another narrate"
            say(f"waiting: {folder} is being built by {holder}; this build starts when that one is done "
                "(Ctrl-C to give up)")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"narrate (process {os.getpid()}: narrate {' '.join(sys.argv[1:])})".encode(), 0)
        yield
    finally:
        os.close(fd)  # the file stays (an unlocked file is no lock): removing it would race a waiting build


def lock_path(what: Path, kind: str) -> Path:
    """Where the lock on a folder lives: in this user's own folder of narrate locks under the system's
    temporary folder, named after the folder's absolute path."""
    import hashlib

    folder = Path(tempfile.gettempdir()) / f"narrate-locks-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{kind}-{hashlib.sha256(str(what.absolute()).encode()).hexdigest()[:24]}.lock"


@contextmanager
def in_use(what: Path, when_alone: Callable[[], None]) -> Iterator[None]:
    """Hold a shared lock on the folder ``what`` while using it (builds share a cache); on the way in, if
    no one else holds it, run ``when_alone`` first (to clear what stopped builds left behind)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(lock_path(what, "shared"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            when_alone()
        except BlockingIOError:
            pass
        fcntl.flock(fd, fcntl.LOCK_SH)  # from exclusive, or waiting out another's clearing up
        yield
    finally:
        os.close(fd)


def remove_leftovers(folder: Path, stems: list[str]) -> int:
    """Remove the partial files (of the files named ``<stem>.*``) and the work folders that a stopped build
    left in ``folder``; how many. Only names narrate writes are touched."""
    import glob
    import shutil

    count = 0
    if not folder.is_dir():
        return 0
    for stem in stems:
        for stray in folder.glob(f".{glob.escape(stem)}.*{PARTIAL}*"):
            stray.unlink(missing_ok=True)
            count += 1
    for work in folder.glob(f"{WORK_PREFIX}*"):
        if work.is_dir():
            shutil.rmtree(work, ignore_errors=True)
            count += 1
    return count


def check_room(folder: Path, need: int, what: str) -> None:
    """Before any slow work: that ``folder`` can be made (or is there) and written, with about ``need``
    bytes free; else one NarrateError naming the folder and what to do."""
    import errno
    import shutil

    from narrate.errors import NarrateError, os_error

    there = folder.absolute()
    while not there.exists() and there != there.parent:
        there = there.parent
    if not there.is_dir():
        raise NarrateError(f"{there} is a file, so the {what} {folder} cannot be made there: choose another (-o)",
                           str(folder))
    if os.statvfs(there).f_flag & os.ST_RDONLY:
        raise os_error(OSError(errno.EROFS, "read-only file system", str(there)))
    if not os.access(there, os.W_OK | os.X_OK):
        raise os_error(PermissionError(errno.EACCES, "permission denied", str(there)))
    free = shutil.disk_usage(there).free
    if free < need:
        raise NarrateError(f"the {what} needs about {need / 1e6:,.0f} MB and the disk has {free / 1e6:,.0f} MB free: "
                           "free some space (narrate cache prune removes old sentences), or use another disk",
                           str(there))


def _same_file_content(a: Path, b: Path) -> bool:
    import filecmp

    try:
        return b.is_file() and a.stat().st_size == b.stat().st_size and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False
