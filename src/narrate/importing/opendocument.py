"""An OpenDocument text (.odt, as LibreOffice and Google Docs save it) as a script, read with lxml.

Its body is read in order: headings (``text:h``, by outline level) make chapters as a Word document's do, and
paragraphs are told apart by their style, followed through automatic styles to the named one: "Title" (the
front matter's title, as the document's metadata is), "Quotations" (a quotation), the rest paragraphs. Lists are
lists, tables tables, footnotes and endnotes narrate footnotes, line breaks ``<br>``, and a picture its alt text.
A table of contents, an index, comments and tracked deletions are not read. A document with macros is refused
(never run); entities are never resolved and each part's inflated size is checked first, as an EPUB's is.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import yaml

from narrate.errors import NarrateError
from narrate.importing.epub import parse_xml
from narrate.importing.imported import Imported
from narrate.importing.markup import comment, escape, gfm_table, image, one_line, paragraph
from narrate.importing.pages import write_chapters
from narrate.importing.word import checked_package

NS = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
      "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
      "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
      "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
      "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
      "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
      "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
      "dc": "http://purl.org/dc/elements/1.1/",
      "xlink": "http://www.w3.org/1999/xlink"}
MIMETYPE = b"application/vnd.oasis.opendocument.text"
_SKIPPED = {"table-of-content", "alphabetical-index", "illustration-index", "bibliography", "user-index",
            "object-index", "table-index", "tracked-changes", "sequence-decls", "variable-decls", "user-field-decls",
            "soft-page-break", "annotation", "annotation-end", "bookmark", "bookmark-start", "bookmark-end",
            "forms", "change", "change-start", "change-end", "note-citation", "reference-mark", "toc-mark"}


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def import_odt(source: Path, out: TextIO, script: Path) -> Imported:
    """Write the script of an OpenDocument text to ``out``."""
    with zipfile.ZipFile(source) as z:
        checked_package(source, z, lambda name: name.startswith(("Basic/", "Scripts/")) and not name.endswith("/"),
                        "an .odt")
        if "mimetype" not in z.namelist() or z.read("mimetype").strip() != MIMETYPE:
            raise NarrateError("is an OpenDocument file but not a text document: save it as .odt, .docx or EPUB",
                               str(source))
        content = parse_xml(z.read("content.xml"), "content.xml", source, "document")
        styles = parse_xml(z.read("styles.xml"), "styles.xml", source, "document") \
            if "styles.xml" in z.namelist() else None
        meta = parse_xml(z.read("meta.xml"), "meta.xml", source, "document") if "meta.xml" in z.namelist() else None
    reader = _Reader(content, styles)
    body = content.find("office:body/office:text", NS)
    blocks = list(reader.blocks(body)) if body is not None else []
    info = {k: one_line(meta.findtext(f".//{k}", "", NS)) for k in ("dc:title", "dc:creator", "meta:initial-creator",
                                                                     "dc:language", "dc:description")} \
        if meta is not None else {}
    title = info.get("dc:title") or next((b[len("\0title "):] for b in blocks if b.startswith("\0title ")), "") \
        or source.stem
    done = Imported(script, title=title, author=info.get("dc:creator") or info.get("meta:initial-creator") or "")
    fields = {"title": title, **({"author": done.author} if done.author else {}),
              **({"language": info["dc:language"]} if info.get("dc:language") else {}),
              **({"description": info["dc:description"]} if info.get("dc:description") else {})}
    out.write(f"---\n{yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)}---\n\n"
              f"{comment(f'Imported by narrate from {source.name}.')}\n")
    blocks = [b for b in blocks if not b.startswith("\0title ")]
    level = "#" if any(b.startswith("# ") for b in blocks) else "##"
    write_chapters(out, done, blocks, level, source)
    return done


class _Reader:
    """The body's elements as Markdown blocks, with the styles that say what each paragraph is."""

    def __init__(self, content: Any, styles: Any) -> None:
        self.parents: dict[str, str] = {}  # style name -> its parent's (automatic styles, then named ones)
        self.shown: dict[str, str] = {}  # style name -> display name
        self.ordered: set[tuple[str, str]] = set()  # (list style, level from 1) where items are numbered
        for tree in (styles, content):
            if tree is None:
                continue
            for st in tree.iter(_q("style:style")):
                name = st.get(_q("style:name"), "")
                self.parents[name] = st.get(_q("style:parent-style-name"), "")
                self.shown[name] = st.get(_q("style:display-name"), name)
            for ls in tree.iter(_q("text:list-style")):
                for level in ls.iterfind("text:list-level-style-number", NS):
                    self.ordered.add((ls.get(_q("style:name"), ""), level.get(_q("text:level"), "1")))
        self.notes = 0
        self.pending: list[str] = []  # the notes of the paragraph being read

    def style(self, el: Any) -> str:
        """The named style a paragraph's style comes from, by display name, lower case ('quotations')."""
        name, seen = el.get(_q("text:style-name"), ""), set()
        while name in self.parents and name not in seen:
            seen.add(name)
            shown = self.shown.get(name, name).replace("_20_", " ").lower()
            if shown in ("title", "subtitle", "quotations", "quote") or shown.startswith("heading"):
                return shown
            name = self.parents[name]
        return self.shown.get(name, name).replace("_20_", " ").lower()

    def blocks(self, el: Any) -> Iterator[str]:
        """The blocks of the body or a section, in order (a "Title" paragraph marked)."""
        for child in el:
            tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if tag == "h":
                text = self.inline(child)
                if text:
                    yield f"{'#' * min(6, int(child.get(_q('text:outline-level'), '1') or 1))} {text}"
            elif tag == "p":
                yield from self._paragraph(child)
            elif tag == "list":
                if items := list(self._items(child, 0)):
                    yield "\n".join(items)
            elif tag == "table":
                rows = [[self.inline_all(cell).replace("\n", " ") for cell in row.iter(_q("table:table-cell"))]
                        for row in child.iter(_q("table:table-row"))]
                if table := gfm_table(rows):
                    yield table
            elif tag in ("section", "index-body") and tag not in _SKIPPED:
                yield from self.blocks(child)

    def _paragraph(self, el: Any) -> Iterator[str]:
        text, notes = self.inline(el), self._take_notes()
        style = self.style(el)
        if text and style in ("title", "subtitle"):
            yield f"\0title {text}" if style == "title" else paragraph(text)
        elif text and style in ("quotations", "quote"):
            yield "\n".join(f"> {line}" for line in text.split("\n"))
        elif text:
            yield paragraph(text)
        yield from notes

    def _items(self, el: Any, depth: int, style: str = "") -> Iterator[str]:
        style = el.get(_q("text:style-name"), "") or style  # a list inside a list takes its style
        ordered = (style, str(depth + 1)) in self.ordered
        for number, item in enumerate(el.findall("text:list-item", NS), 1):
            for child in item:
                tag = child.tag.rsplit("}", 1)[-1]
                if tag in ("p", "h") and (text := self.inline(child)):
                    yield f"{'   ' * depth}{f'{number}.' if ordered else '-'} {text.replace('<br>', ' ')}"
                elif tag == "list":
                    yield from self._items(child, depth + 1, style)

    def inline(self, el: Any) -> str:
        """A paragraph's text as one line of CommonMark: spans, links, spaces, breaks, notes and pictures."""
        return one_line(self._inline(el)).replace("<br> ", "<br>\n")

    def inline_all(self, el: Any) -> str:
        """The text of every paragraph in a table cell, one line."""
        return one_line(" ".join(self.inline(p) for p in el.iter(_q("text:p"), _q("text:h"))))

    def _inline(self, el: Any) -> str:
        out = [escape(el.text or "")]
        for child in el:
            tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if tag == "s":
                out.append(" " * int(child.get(_q("text:c"), "1") or 1))
            elif tag == "tab":
                out.append(" ")
            elif tag == "line-break":
                out.append("<br> ")
            elif tag == "note":
                out.append(self._note(child))
            elif tag == "frame":
                out.append(self._picture(child))
            elif tag not in _SKIPPED:
                out.append(self._inline(child))
            out.append(escape(child.tail or ""))
        return "".join(out)

    def _note(self, el: Any) -> str:
        """A footnote or endnote: its mark here, its text a narrate footnote after the paragraph."""
        body = el.find("text:note-body", NS)
        text = one_line(" ".join(self.inline(p) for p in body.iter(_q("text:p")))) if body is not None else ""
        if not text:
            return ""
        self.notes += 1
        self.pending.append(f"[^{self.notes}]: {text.replace('<br>', ' ')}")
        return f"[^{self.notes}]"

    def _take_notes(self) -> list[str]:
        notes, self.pending = self.pending, []
        return notes

    def _picture(self, frame: Any) -> str:
        """A picture as its alt text (its title and description, as LibreOffice keeps them); none if it has none."""
        alt = one_line(" ".join(t for t in (frame.findtext("svg:title", "", NS), frame.findtext("svg:desc", "", NS))
                                if t))
        pic = frame.find("draw:image", NS)
        href = pic.get(_q("xlink:href"), "") if pic is not None else ""
        return f" {image(alt, href)} " if alt else ""
