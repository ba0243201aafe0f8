"""What an import wrote."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from narrate.dialogue import Dialogue
from narrate.importing.markup import escape

_SAYS_NOTHING = re.compile(r"^(#.*|\\?-{3,}|(<br>\s*)*)$")  # headings, rules and breaks: no text to read
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
    pending: tuple[str, str, list[str]] | None = None  # a chapter's title, where, its blocks: held until it has text

    def chapter(self, title: str, where: str) -> None:
        """A chapter starts, titled ``title`` (as shown); it is written once a block under it has text to read."""
        self.end()
        self.pending = (title, where, [])

    def add(self, out: TextIO, block: str) -> None:
        """Write a block of the chapter under way (held, with its heading, until the chapter has text)."""
        if self.pending is None:
            out.write(self.block(block))
            return
        title, _, held = self.pending
        held.append(block)
        if not _SAYS_NOTHING.match(block.strip()):
            self.pending = None
            self.chapters.append(title)
            out.write(self.heading("#", escape(title)) + "".join(self.block(b) for b in held))

    def end(self) -> None:
        """The chapter under way ends: one with no text to read is left out, and listed."""
        if self.pending is not None:
            title, where, _ = self.pending
            self.left_out.append((where, f"“{title}”, a heading with no text under it"))
            self.pending = None

    def heading(self, level: str, title: str) -> str:
        """A chapter's heading, as written (escaped); a new chapter ends the exchange under way."""
        self.dialogue.chapter()
        return f"\n{level} {title}\n"

    def block(self, block: str) -> str:
        """A block, as written: a paragraph with its quotations given to their speakers."""
        return f"\n{block if _NOT_PROSE.match(block) else self.dialogue.paragraph(block)}\n"
