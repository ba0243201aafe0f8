"""What an import wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Imported:
    """What an import wrote: the script, its chapters' titles, the cover's file, what was left out and why."""

    script: Path
    title: str = ""
    author: str = ""
    chapters: list[str] = field(default_factory=list)
    cover: Path | None = None
    cover_bytes: bytes = b""
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (file in the book, what it is)
