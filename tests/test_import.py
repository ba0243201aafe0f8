"""narrate import: real books as their publishers make them, and every kind of bad file, each one clear line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from conftest import run_cli

HOLMES = Path(__file__).parent / "books" / "the-adventures-of-sherlock-holmes.epub"
STORIES = ["A Scandal in Bohemia", "The Redheaded League", "A Case of Identity", "The Boscombe Valley Mystery",
           "The Five Orange Pips", "The Man with the Twisted Lip", "The Adventure of the Blue Carbuncle",
           "The Adventure of the Speckled Band", "The Adventure of the Engineer’s Thumb",
           "The Adventure of the Noble Bachelor", "The Adventure of the Beryl Coronet",
           "The Adventure of the Copper Beeches"]


def test_a_standard_ebooks_collection_imports_story_by_story_and_passes_check(tmp_path: Path) -> None:
    script = tmp_path / "holmes.md"
    code, out, err = run_cli("import", str(HOLMES), "-o", str(script))
    assert (code, err) == (0, "")
    assert out == (f"wrote {script}: 12 chapters of The Adventures of Sherlock Holmes by Arthur Conan Doyle\n"
                   "  left out: epub/text/titlepage.xhtml (title page)\n"
                   "  left out: epub/text/imprint.xhtml (imprint)\n"
                   "  left out: epub/text/colophon.xhtml (colophon)\n"
                   "  left out: epub/text/uncopyright.xhtml (copyright page)\n"
                   f"next: narrate check {script}, then narrate build {script}\n")
    text = script.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: The Adventures of Sherlock Holmes\nauthor: Arthur Conan Doyle\n"
                           "language: en-GB\ndate: '2018-05-08'\ndescription: The world’s first consulting detective")
    assert [line[2:] for line in text.splitlines() if line.startswith("# ")] == STORIES
    assert "\n## I\n" in text and "\n## III\n" in text  # A Scandal in Bohemia's parts, under its title
    assert "Standard Ebooks" not in text.split("-->", 1)[1]  # nothing of the imprint, colophon or licence is read
    assert "\n> " in text  # the letters, as quotations
    code, out, err = run_cli("check", str(script))
    assert code == 0, err
    assert out.startswith(f"{script}: 12 chapters, 4,342 sentences, ")
