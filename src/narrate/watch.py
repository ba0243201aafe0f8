"""Rebuild whenever the script, or a sound or image it uses, is saved.

Polling, not file-system events: a script names a handful of files, and
editors save in many ways (rename over, truncate and write, touch), all of
which change a file's modification time or size. A burst of saves (an editor
writing a backup, then the file) is waited out until nothing has changed
for ``debounce`` seconds. A build that fails reports why and leaves the last
good episode in place (builds only ever replace files once they succeed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from narrate.errors import NarrateError
from narrate.inputs import load_script, used_files


def watched_files(script_path: str) -> list[Path]:
    """The script and every local file it uses (sounds, cover, chapter images), as far as it can be read."""
    try:
        return [Path(script_path), *used_files(load_script(script_path))]
    except NarrateError:
        return [Path(script_path)]


def _state(files: list[Path]) -> dict[Path, tuple[int, int] | None]:
    out: dict[Path, tuple[int, int] | None] = {}
    for path in files:
        try:
            st = path.stat()
            out[path] = (st.st_mtime_ns, st.st_size)
        except OSError:
            out[path] = None
    return out


def watch(
    script_path: str,
    rebuild: Callable[[], None],
    report: Callable[[str], None],
    stop: threading.Event | None = None,
    interval: float = 0.3,
    debounce: float = 0.8,
    files: Callable[[str], list[Path]] = watched_files,
) -> int:
    """Build now, then again after each (debounced) change, until ``stop`` is set; return the builds run."""
    stop = stop or threading.Event()
    builds = 0

    def run() -> None:
        nonlocal builds
        builds += 1
        try:
            rebuild()
        except NarrateError as exc:
            report(f"build failed: {exc.format_message()}")
            report("kept the last good episode; waiting for the next save")

    watched = files(script_path)
    seen = _state(watched)
    run()
    while not stop.wait(interval):
        now = _state(watched)
        if now == seen:
            continue
        changed = sorted(str(p) for p in now if now[p] != seen.get(p))
        # wait until the saves stop
        settled_at = time.monotonic()
        while time.monotonic() - settled_at < debounce:
            if stop.wait(interval):
                return builds
            later = _state(watched)
            if later != now:
                now = later
                settled_at = time.monotonic()
        report(f"changed: {', '.join(changed)}")
        run()
        watched = files(script_path)  # the script may now name other sounds
        # what the build started from: a save during the build is seen at the next look
        seen = {p: now[p] if p in now else _state([p])[p] for p in watched}
    return builds
