"""A Word document (.docx) as a script, read with python-docx.

Chapters are its "Heading 1" paragraphs (or "Heading 2" when it has none), its sub-headings the levels under
them; a "Title" paragraph, and the document's properties (title, author, language), make the front matter.
"Quote" paragraphs are quotations, list paragraphs list items, tables tables. A document with macros is refused
(they are never run); python-docx parses the XML with entities unresolved, and each part's inflated size is
checked first, as an EPUB's is.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, TextIO

import yaml

from narrate.errors import NarrateError
from narrate.importing.imported import Imported
from narrate.importing.markup import comment, escape, gfm_table, one_line, paragraph
from narrate.importing.pages import write_chapters

MAX_PART = 64 * 1024 * 1024  # bytes a part of the document may inflate to
MAX_RATIO = 200


def _checked(source: Path) -> None:
    """Refuse macros and zip bombs before python-docx reads anything."""
    with zipfile.ZipFile(source) as z:
        for info in z.infolist():
            if info.filename.lower().endswith("vbaproject.bin"):
                raise NarrateError("holds macros: narrate does not read documents with macros (it would never run "
                                   "them); save it as a .docx without them", str(source))
            if info.file_size > MAX_PART or info.file_size > max(1 << 20, info.compress_size * MAX_RATIO):
                raise NarrateError(f"{info.filename} in the document would inflate to {info.file_size:,} bytes "
                                   f"from {info.compress_size:,}: refused as a zip bomb", str(source))


def import_docx(source: Path, out: TextIO, script: Path) -> Imported:
    """Write the script of a Word document to ``out``."""
    import docx

    _checked(source)
    try:
        doc = docx.Document(str(source))
    except Exception as exc:  # python-docx raises several kinds for a damaged package
        raise NarrateError("cannot be read as a Word document: it is damaged, or not what its name says; save it "
                           "again from Word or LibreOffice", str(source)) from exc
    props = doc.core_properties
    blocks = list(_blocks(doc))
    title = one_line(props.title or "") or next((b[len("\0title "):] for b in blocks if b.startswith("\0title ")),
                                                 "") or source.stem
    done = Imported(script, title=title, author=one_line(props.author or ""))
    fields = {"title": title, **({"author": done.author} if done.author else {}),
              **({"language": props.language} if props.language else {})}
    out.write(f"---\n{yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)}---\n\n"
              f"{comment(f'Imported by narrate from {source.name}.')}\n")
    blocks = [b for b in blocks if not b.startswith("\0title ")]
    level = "#" if any(b.startswith("# ") for b in blocks) else "##"
    write_chapters(out, done, blocks, level, source)
    return done


_HEADING = {f"heading {n}": n for n in range(1, 7)}


def _blocks(doc: Any) -> Any:
    """Each paragraph and table of the body as a Markdown block, in order (a "Title" paragraph marked)."""
    from docx.table import Table

    items: list[str] = []
    for part in doc.iter_inner_content():
        if isinstance(part, Table):
            if table := gfm_table([[escape(one_line(c.text)) for c in row.cells] for row in part.rows]):
                yield table
            continue
        text, style = one_line(part.text), (part.style.name if part.style is not None else "").lower()
        if not text:
            continue
        if style.startswith("list"):
            items.append(("1. " if "number" in style else "- ") + escape(text))
            continue
        if items:
            yield "\n".join(items)
            items = []
        if style == "title":
            yield f"\0title {text}"
        elif style in _HEADING:
            yield f"{'#' * _HEADING[style]} {escape(text)}"
        elif style in ("quote", "intense quote"):
            yield f"> {escape(text)}"
        else:
            yield paragraph(escape(text))
    if items:
        yield "\n".join(items)
