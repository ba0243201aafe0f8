"""A book's (X)HTML as the blocks of a narrate script: headings, paragraphs, quotations, verse, lists and tables.

Each element becomes CommonMark that narrate reads as the book shows it: a paragraph a paragraph, a blockquote a
quotation (read by the narrator), verse a quotation whose lines end in ``<br>`` (a short pause, and a line break on
the page), a list a list, a table a table. A note reference becomes a narrate footnote (``[^3]``), its note text
given by ``note_of``. A picture becomes its alt text (one without is decoration). Scripts, styles, forms and
embedded media are dropped, never run. Text is escaped where Markdown would read it as markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

OPS = "{http://www.idpf.org/2007/ops}type"
_DROPPED = {"script", "style", "noscript", "template", "iframe", "object", "embed", "video", "audio", "canvas",
            "form", "button", "input", "select", "textarea", "svg", "math", "head", "nav"}
CHAPTER_MARK = "narrate-chapter"  # an element put before the block where a chapter starts (its title in 'title')
CHAPTER_BLOCK = "\x00chapter:"  # the block it becomes
BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "ul", "ol", "dl",
           "table", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "body", "hgroup", "figcaption",
          CHAPTER_MARK}
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "header")
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def local(el: Any) -> str:
    """An element's tag without its namespace, lower case ('' for a comment or processing instruction)."""
    return el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""


def types(el: Any) -> set[str]:
    """An element's epub:type values, without their prefixes ('z3998:poem' is 'poem')."""
    return {t.rsplit(":", 1)[-1] for t in (el.get(OPS) or el.get("epub:type") or "").split()}


def escape(text: str) -> str:
    """Text as CommonMark shows it: characters Markdown would read as markup escaped (spaces kept as they are)."""
    return _SPECIAL.sub(r"\\\1", text)


def image(alt: str, src: str) -> str:
    """A picture as CommonMark: narrate shows and, if asked, reads its alt text; the link names the picture in the
    book (a picture elsewhere, on the web, is never linked: nothing outside the book is named or fetched)."""
    from urllib.parse import quote

    inside = not re.match(r"^[A-Za-z][\w+.-]*:", src)
    return f"![{escape(one_line(alt))}]({quote(src, safe='/#._~-') if inside else ''})"


def gfm_table(rows: list[list[str]]) -> str:
    """Rows of cells (Markdown already) as a GitHub-flavoured table, the first row its header ('' if all empty)."""
    rows = [r for r in rows if any(r)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return "\n".join([f"| {' | '.join(rows[0])} |", "|" + "---|" * width] + [f"| {' | '.join(r)} |" for r in rows[1:]])


def paragraph(text: str) -> str:
    """A paragraph's text that does not start as a list would ('1887. That year' is not a numbered item)."""
    text = re.sub(r"^(\d+)([.)])(?=\s|$)", r"\1\\\2", text)
    return "\\" + text if re.match(r"^[-+=](\s|$)", text) else text


def comment(text: str) -> str:
    """An HTML comment (never read aloud) holding ``text``, which cannot end it early."""
    return f"<!-- {one_line(text).replace('--', '- -')} -->"


def unescape(text: str) -> str:
    """CommonMark escapes undone: the text as shown."""
    return re.sub(r"\\(.)", r"\1", text)


def one_line(text: str) -> str:
    """Runs of white space as one space, none at the ends."""
    return " ".join(text.split())


@dataclass
class Converter:
    """Converts one document's elements; ``note_of(href)`` is the text of the note a reference points to (None: not
    a note)."""

    note_of: Callable[[str], str | None] = lambda href: None
    notes: list[tuple[int, str]] = field(default_factory=list)  # (number, text) of the notes cited so far
    count: int = 0
    dropped: list[str] = field(default_factory=list)  # what was left out of the text ('table of contents')

    def blocks(self, el: Any, depth: int = 0) -> Iterator[str]:
        """The Markdown blocks of an element and everything in it, in order."""
        tag, kinds = local(el), types(el)
        if tag == CHAPTER_MARK:
            yield CHAPTER_BLOCK + (el.get("title") or "")
            return
        if not tag or tag in _DROPPED or {"pagebreak", "noteref"} & kinds and tag not in BLOCKS:
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "hgroup"):
            text = self.inline(el)
            if text:
                yield f"{'#' * (int(tag[1]) if tag != 'hgroup' else 2)} {text}"
        elif tag == "p" or tag == "figcaption":
            text = paragraph(self.inline(el))
            if text:
                yield text
        elif tag == "blockquote" or {"poem", "verse", "song", "hymn"} & kinds:
            verse = bool({"poem", "verse", "song", "hymn"} & kinds)
            for child in el if verse else ():  # a poem's title, and its header, stay headings
                if local(child) in _HEADINGS:
                    yield from self.blocks(child, depth)
            yield from self._quote(el, depth, verse)
        elif tag in ("ul", "ol", "table") and navigation(el):
            self.dropped.append("table of contents")  # a contents page inside the text, as Gutenberg's are
        elif tag in ("ul", "ol"):
            yield self._list(el, tag == "ol")
        elif tag == "table":
            yield from self._table(el)
        elif tag == "hr":
            yield "---"
        elif tag == "img":  # its alt text (a picture without one is decoration)
            if el.get("alt", "").strip():
                yield image(el.get("alt", ""), el.get("src", ""))
        elif tag == "pre":
            yield from (one_line(escape(part)) for part in "".join(el.itertext()).split("\n\n") if part.strip())
        elif tag in BLOCKS or tag in ("li", "dd", "dt", "span", "html"):
            yield from self._children(el, depth)
        else:
            text = self.inline(el)
            if text:
                yield text

    def _children(self, el: Any, depth: int) -> Iterator[str]:
        """Blocks of an element that holds blocks: loose text between them is a paragraph of its own."""
        loose = escape(el.text or "")
        for child in el:
            if local(child) in BLOCKS or local(child) in ("img", "li") or {"poem", "verse"} & types(child):
                if loose.strip():
                    yield one_line(loose)
                loose = ""
                yield from self.blocks(child, depth)
            else:
                loose += self._inline_one(child)
            loose += escape(child.tail or "")
        if loose.strip():
            yield one_line(loose)

    def _quote(self, el: Any, depth: int, verse: bool) -> Iterator[str]:
        if depth >= 4:  # deeper than narrate's quotes go: the text, unquoted
            yield from self._children(el, depth)
            return
        inner = list(self._verse(el) if verse else self._children(el, depth + 1))
        for block in inner:
            yield "\n".join(f"> {line}" if line else ">" for line in block.split("\n"))

    def _verse(self, el: Any) -> Iterator[str]:
        """A poem: each stanza a block, each line ending in <br> (a short pause; a line break on the page)."""
        stanzas = [s for s in el.iter() if local(s) in ("p", "div") and not any(local(c) in ("p", "div") for c in s)
                   and not any(local(a) in _HEADINGS for a in s.iterancestors())]
        for stanza in stanzas or [el]:
            lines = [one_line(line) for line in _lines(stanza, self.inline)]
            lines = [line for line in lines if line]
            if lines:
                yield "<br>\n".join(lines)

    def _list(self, el: Any, ordered: bool) -> str:
        items = [self.inline(li) for li in el if local(li) == "li"]
        return "\n".join(f"{k}. {text}" if ordered else f"- {text}" for k, text in enumerate(items, 1) if text)

    def _table(self, el: Any) -> Iterator[str]:
        rows = [[self.inline(cell).replace("\n", " ") for cell in row if local(cell) in ("td", "th")]
                for row in el.iter() if local(row) == "tr"]
        if table := gfm_table(rows):
            yield table

    def inline(self, el: Any) -> str:
        """An element's text as one line of CommonMark, its note references as footnote marks."""
        return one_line(escape(el.text or "") + "".join(self._inline_one(c) + escape(c.tail or "") for c in el))

    def _inline_one(self, el: Any) -> str:
        tag, kinds = local(el), types(el)
        if not tag or tag in _DROPPED or "pagebreak" in kinds:  # (an entity left unresolved, a comment: nothing)
            return ""
        if tag == "br":
            return "<br>"
        if tag == "img":
            return f" {image(el.get('alt', ''), el.get('src', ''))} " if el.get("alt", "").strip() else ""
        if tag == "a" and ("noteref" in kinds or self.note_of(el.get("href") or "") is not None):
            text = self.note_of(el.get("href") or "")
            if text is None:
                return ""
            self.count += 1
            self.notes.append((self.count, text))
            return f"[^{self.count}]"
        return self.inline(el)


def navigation(el: Any) -> bool:
    """Whether a list or table is a table of contents: nearly every row of it a link to a place in the book."""
    rows = [row for row in el.iter() if local(row) in ("tr", "li")]
    linked = 0
    for row in rows:
        text = one_line("".join(row.itertext()))
        inside = [a for a in row.iter() if local(a) == "a" and ":" not in (a.get("href") or ":")]
        linked += bool(text) and 2 * sum(len(one_line("".join(a.itertext()))) for a in inside) >= len(text)
    return len(rows) >= 2 and linked >= 0.8 * len(rows)


def _lines(stanza: Any, inline: Callable[[Any], str]) -> list[str]:
    """A stanza's lines: its span children (Standard Ebooks), else its text split at <br>."""
    spans = [c for c in stanza if local(c) == "span"]
    if spans:
        return [inline(s) for s in spans]
    parts, line = [], escape(stanza.text or "")
    for child in stanza:
        if local(child) == "br":
            parts.append(line)
            line = escape(child.tail or "")
        else:
            line += inline(child) + escape(child.tail or "")
    return [*parts, line]
