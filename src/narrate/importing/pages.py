"""Books that are one page: an HTML file, or plain text; and telling a book's format by its content (an EPUB, a
Word document, an HTML page or plain text).

HTML is parsed by lxml's HTML parser with no network, its scripts, styles, forms and embedded media dropped, never
run. Its chapters are its top-level headings (h1, or h2 when the page has at most one h1: the book's title), its
title the page's title, its author and language from its ``meta name="author"`` and ``lang``. Plain text is read
as paragraphs between blank lines, a chapter starting at each line that names one ("Chapter 4", "CHAPTER IV.",
"Part Two", "Book 1").
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import TextIO

import yaml

from narrate.errors import NarrateError
from narrate.importing.imported import Imported
from narrate.importing.markup import Converter, comment, escape, one_line, paragraph, unescape

MAX_PAGE = 64 * 1024 * 1024  # bytes of an HTML or text book read at most
_CHAPTER = re.compile(r"^\s*(chapter|part|book|letter)\s+([0-9]+|[ivxlcdm]+|[a-z]+(-[a-z]+)?)\b.{0,80}$", re.I)
_KINDS = "an EPUB, a Word or OpenDocument text, an HTML page or plain text"
_SIGNATURES = {b"%PDF": "a PDF", b"{\\rtf": "an RTF document", b"\xd0\xcf\x11\xe0": "an old Word or Office document"}


def kind_of(source: Path) -> str:
    """'epub', 'docx', 'odt', 'html' or 'text', told by the file's content; a NarrateError for anything else."""
    try:
        with open(source, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise NarrateError(f"cannot be read: {exc.strerror}", str(source)) from None
    if head.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(source) as z:
            names = set(z.namelist())
        if "META-INF/container.xml" in names:
            return "epub"
        if "word/document.xml" in names:
            return "docx"
        if "content.xml" in names:
            return "odt"
        raise NarrateError(f"is a zip archive, which narrate cannot import: give {_KINDS}", str(source))
    if source.suffix.lower() == ".epub":
        raise NarrateError("is not an EPUB: it is not a zip archive, as an EPUB is", str(source))
    for signature, what in _SIGNATURES.items():
        if head.startswith(signature):
            raise NarrateError(f"is {what}, which narrate cannot import: give {_KINDS}", str(source))
    if b"\x00" in head:
        raise NarrateError(f"is not text (it holds NUL bytes): give {_KINDS}",
                           str(source))
    if re.search(rb"<(!doctype\s+html|html|body|p|h1)\b", head, re.I):
        return "html"
    return "text"


def _read_text(source: Path) -> str:
    data = source.read_bytes()[:MAX_PAGE + 1]
    if len(data) > MAX_PAGE:
        raise NarrateError(f"is over {MAX_PAGE // 1024 // 1024} MB: split it, or give it as an EPUB", str(source))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NarrateError(f"is not UTF-8 text (byte {exc.start:,}): save it as UTF-8", str(source)) from None


def _front(title: str, author: str | None, language: str | None, source: Path) -> str:
    fields = {"title": title, **({"author": author} if author else {}), **({"language": language} if language else {})}
    head = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{head}---\n\n{comment(f'Imported by narrate from {source.name}.')}\n"


def import_html(source: Path, out: TextIO, script: Path) -> Imported:
    """Write the script of an HTML page to ``out``."""
    from lxml import html as lxml_html

    parser = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    doc = lxml_html.document_fromstring(_read_text(source), parser=parser)
    body = doc.find("body") if doc.find("body") is not None else doc
    title = one_line(doc.findtext(".//title") or "") or one_line("".join(next(body.iter("h1"), body).itertext()))
    author = next((m.get("content") for m in doc.iter("meta") if (m.get("name") or "").lower() == "author"), None)
    done = Imported(script, title=title or source.stem, author=one_line(author or ""))
    out.write(_front(done.title, done.author, doc.get("lang"), source))
    level = "#" if sum(1 for _ in body.iter("h1")) > 1 else "##"
    converter = Converter()
    write_chapters(out, done, list(converter.blocks(body)), level, source)
    return done


def write_chapters(out: TextIO, done: Imported, blocks: list[str], level: str, source: Path) -> None:
    """The blocks as chapters, one at each heading of ``level``; the book's own title heading left out."""
    for block in blocks:
        heading = re.match(r"^(#+) (.*)$", block)
        if heading and (heading.group(1) == level or (level == "##" and heading.group(1) == "#")):
            if heading.group(1) == "#" and level == "##":
                continue  # the page's one h1: the book's title, in the front matter
            done.chapter(unescape(heading.group(2)), source.name)
        elif done.chapters or done.pending:
            done.add(out, block)
        elif block.strip():  # text before the first chapter: a chapter of its own, named by the book
            done.chapter(done.title, source.name)
            done.add(out, block)
    done.end()
    if not done.chapters:
        raise NarrateError("has no text to read aloud", str(source))


def import_text(source: Path, out: TextIO, script: Path) -> Imported:
    """Write the script of a plain text file to ``out``."""
    text = _read_text(source).replace("\r\n", "\n")
    done = Imported(script, title=source.stem.replace("_", " ").replace("-", " ").strip().capitalize())
    out.write(_front(done.title, None, None, source))
    blocks = []
    for para in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in para.split("\n") if line.strip()]
        if lines and _CHAPTER.match(lines[0]):
            blocks.append(f"# {escape(lines[0])}")
            lines = lines[1:]
        if lines:
            blocks.append(paragraph(escape(" ".join(lines))))
    write_chapters(out, done, blocks, "#", source)
    return done

