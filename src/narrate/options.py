"""What a build is asked for besides its script: one frozen object, checked when it is made, handed through
the CLI, series, watch and preview to ``build`` unchanged; and the callbacks a build reports through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

EDITIONS = ("full", "speech")  # every sound, or the speech-only edition (no beds, no stings)


def _quiet(*_: object) -> None:
    return None


@dataclass(frozen=True)
class BuildOptions:
    """How to build: where to, from which cache, what to write, and how.

    ``formats`` and ``base_url`` override the script's 'formats' and 'podcast: base_url'. ``fresh`` masters
    and encodes everything anew (the sentences still come from the cache). Files outside the script's folder
    are refused unless under an ``allow`` folder. ``jobs`` worker processes synthesise (default: one per
    core). ``rate`` reads the script slower or faster (default: its 'rate' setting), as an edition of its own.
    ``cluster`` speaks on a Ray cluster instead of ``jobs`` local processes.
    """

    output: str | None = None  # a folder, or (for one script) the main audio file; default: build
    cache_dir: Path | str | None = None  # default: narrate.cache.default_dir(); a URL: a shared cache
    cluster: str | None = None  # a Ray cluster to speak on (narrate.cluster): ray://HOST:PORT, or auto
    edition: str = "full"
    formats: tuple[str, ...] | None = None
    base_url: str | None = None
    fresh: bool = False
    allow: tuple[str | Path, ...] = ()
    jobs: int | None = None
    rate: float | None = None

    def __post_init__(self) -> None:
        if self.edition not in EDITIONS:
            raise ValueError(f"unknown edition {self.edition!r}: choose one of {', '.join(EDITIONS)}")
        if self.jobs is not None and self.jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {self.jobs}")


@dataclass(frozen=True)
class BuildHooks:
    """Where a build reports as it goes: ``log`` takes warnings and notes, one line each; ``progress(done,
    total)`` follows the sentences, ``work(done, total)`` the same in characters of text (what synthesis time
    follows: sentences are spoken longest first, so their count runs slow, then fast), and ``chapters_done(n,
    total)`` the chapters all spoken."""

    log: Callable[[str], None] = _quiet
    progress: Callable[[int, int], None] = _quiet
    work: Callable[[int, int], None] = _quiet
    chapters_done: Callable[[int, int], None] = _quiet
