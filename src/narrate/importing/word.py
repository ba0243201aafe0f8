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
from collections.abc import Callable
from typing import Any, TextIO

import yaml

from narrate.errors import NarrateError
from narrate.importing.imported import Imported
from narrate.importing.epub import parse_xml
from narrate.importing.markup import comment, escape, gfm_table, image, one_line, paragraph, unescape
from narrate.importing.pages import write_chapters

MAX_PART = 64 * 1024 * 1024  # bytes a part of the document may inflate to
MAX_RATIO = 200


def checked_package(source: Path, z: zipfile.ZipFile, is_macro: Callable[[str], bool], kind: str) -> None:
    """Refuse a package (a Word or OpenDocument file) with macros, or a zip bomb, before anything reads it."""
    for info in z.infolist():
        if is_macro(info.filename):
            raise NarrateError("holds macros: narrate does not read documents with macros (it would never run "
                               f"them); save it as {kind} without them", str(source))
        if info.file_size > MAX_PART or info.file_size > max(1 << 20, info.compress_size * MAX_RATIO):
            raise NarrateError(f"{info.filename} in the document would inflate to {info.file_size:,} bytes "
                               f"from {info.compress_size:,}: refused as a zip bomb", str(source))


def import_docx(source: Path, out: TextIO, script: Path) -> Imported:
    """Write the script of a Word document to ``out``."""
    import docx

    with zipfile.ZipFile(source) as z:
        checked_package(source, z, lambda name: name.lower().endswith("vbaproject.bin"), "a .docx")
    try:
        doc = docx.Document(str(source))
    except Exception as exc:  # python-docx raises several kinds for a damaged package
        raise NarrateError("cannot be read as a Word document: it is damaged, or not what its name says; save it "
                           "again from Word or LibreOffice", str(source)) from exc
    props = doc.core_properties
    blocks = list(_blocks(doc, source))
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
_QUOTES = ("quote", "intense quote", "quotations", "block text")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


def _blocks(doc: Any, source: Path) -> Any:
    """Each paragraph and table of the body as a Markdown block, in order (a "Title" paragraph marked), a
    paragraph's notes after it."""
    from docx.table import Table

    text_of = _Text(doc, source)
    items: list[str] = []  # the list being read
    for part in doc.iter_inner_content():
        if isinstance(part, Table):
            if table := gfm_table([[escape(one_line(c.text)) for c in row.cells] for row in part.rows]):
                yield table
            continue
        text, style = text_of(part._p), (part.style.name if part.style is not None else "").lower()
        if not text:
            continue
        if style.startswith("list") or (bullet := text_of.listed(part._p)) is not None:
            numbered = "number" in style if style.startswith("list") else not bullet
            items.append((f"{len(items) + 1}. " if numbered else "- ") + text.replace("<br>\n", " "))
            continue
        if items:
            yield "\n".join(items)
            items = []
        yield _block(text, style)
        yield from text_of.take_notes()
    if items:
        yield "\n".join(items)
        yield from text_of.take_notes()


def _block(text: str, style: str) -> str:
    """A paragraph's Markdown by its style."""
    if style == "title":
        return f"\0title {unescape(text)}"
    if style in _HEADING:
        return f"{'#' * _HEADING[style]} {text.replace('<br>' + chr(10), ' ')}"
    if style in _QUOTES:
        return "\n".join(f"> {line}" for line in text.split("\n"))
    return paragraph(text)


class _Text:
    """A paragraph's text as CommonMark, read from its XML: breaks as <br>, footnote and endnote references as
    narrate footnotes (their text from the document's notes), pictures as their alt text; deleted text left out."""

    def __init__(self, doc: Any, source: Path) -> None:
        self.notes: dict[tuple[str, str], str] = {}  # ('footnote' or 'endnote', id) -> its text
        for part in doc.part.package.iter_parts():
            kind = str(part.partname).rsplit("/", 1)[-1]
            if kind in ("footnotes.xml", "endnotes.xml"):
                tree = parse_xml(part.blob, kind, source, "Word document")
                for note in tree.iter(f"{W}footnote", f"{W}endnote"):
                    words = one_line(" ".join(t.text or "" for t in note.iter(f"{W}t")))
                    if words and not note.get(f"{W}type"):
                        self.notes[(kind[:-5], note.get(f"{W}id", ""))] = escape(words)
        self.numbered = _numbered_lists(doc)
        self.count, self.pending = 0, []

    def __call__(self, p: Any) -> str:
        out: list[str] = []
        for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}footnoteReference", f"{W}endnoteReference",
                         _DOCPR):
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "t":
                out.append(escape(el.text or ""))
            elif tag in ("br", "cr"):
                out.append("<br>\n" if el.get(f"{W}type") in (None, "textWrapping") else " ")
            elif tag == "tab":
                out.append(" ")
            elif tag == "docPr" and (alt := " ".join(t for t in (el.get("title"), el.get("descr")) if t)):
                out.append(f" {image(alt, el.get('name') or '')} ")
            elif (note := self.notes.get((tag[:-9], el.get(f"{W}id", "")))) is not None:
                self.count += 1
                self.pending.append(f"[^{self.count}]: {note}")
                out.append(f"[^{self.count}]")
        lines = [one_line(line) for line in "".join(out).split("\n")]
        return "<br>\n".join(line.removesuffix("<br>").strip() for line in lines if line.strip(" <br>"))

    def listed(self, p: Any) -> bool | None:
        """None if the paragraph is no list item; else whether its list is bulleted (not numbered)."""
        num = p.find(f"{W}pPr/{W}numPr")
        if num is None or num.find(f"{W}numId") is None:
            return None
        key = (num.find(f"{W}numId").get(f"{W}val"), (num.findtext(f"{W}ilvl") or "") and
               num.find(f"{W}ilvl").get(f"{W}val") or "0")
        return key not in self.numbered

    def take_notes(self) -> list[str]:
        notes, self.pending = self.pending, []
        return notes


def _numbered_lists(doc: Any) -> set[tuple[str, str]]:
    """(list id, level) of each numbered (not bulleted) list level in the document's numbering."""
    try:
        numbering = doc.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return set()
    formats = {}
    for abstract in numbering.iter(f"{W}abstractNum"):
        for lvl in abstract.iter(f"{W}lvl"):
            fmt = lvl.find(f"{W}numFmt")
            formats[(abstract.get(f"{W}abstractNumId"), lvl.get(f"{W}ilvl"))] = \
                fmt.get(f"{W}val") if fmt is not None else "decimal"
    out = set()
    for num in numbering.iter(f"{W}num"):
        ref = num.find(f"{W}abstractNumId")
        for (abstract, level), fmt in formats.items():
            if ref is not None and ref.get(f"{W}val") == abstract and fmt not in ("bullet", "none"):
                out.add((num.get(f"{W}numId"), level))
    return out
