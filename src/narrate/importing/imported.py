"""What an import wrote."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from narrate.dialogue import Dialogue

_NOT_PROSE = re.compile(r"^(#|>|\||<!--|\[\^|[-*+] |\d+[.)] |\\?-{3,}$)")  # headings, quotations, tables, lists


@dataclass
class Imported:
    """What an import wrote: the script, its chapters' titles, the cover's file, what was left out and why, and
    who says the quotations in its paragraphs."""

    script: Path
    title: str = ""
    author: str = ""
    chapters: list[str] = field(default_factory=list)
    cover: Path | None = None
    cover_bytes: bytes = b""
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (file in the book, what it is)
    dialogue: Dialogue = field(default_factory=Dialogue)

    def heading(self, level: str, title: str) -> str:
        """A chapter's heading, as written (escaped); a new chapter ends the exchange under way."""
        self.dialogue.chapter()
        return f"\n{level} {title}\n"

    def block(self, block: str) -> str:
        """A block, as written: a paragraph with its quotations given to their speakers."""
        return f"\n{block if _NOT_PROSE.match(block) else self.dialogue.paragraph(block)}\n"
