"""DAISY 2.02 talking books: ncc.html, a text content document, one SMIL 1.0 file and one MP3 per chapter.

The NCC (XHTML 1.0) carries the DAISY metadata and the navigation: the book's title, each chapter (h1),
each leg's details (h2), the script's sub-headings (h2 to h6), and every paragraph, one level under the
heading before it (h6 at most) and named by its opening words, so a reader moves by paragraph as by
heading. DAISY 2.02 lets the NCC hold only headings, pages and notes, so a paragraph is a heading there,
as DAISY producers do for points under a chapter (Anemone does it for verses: players such as
EasyReader and Thorium show no other kind in their navigation). In the text content document
(``content.html``) each paragraph stays a ``p`` whose sentences are ``span``s; each sentence is a ``par``
of its chapter's SMIL, with its text and its clip of the chapter's MP3. The MP3s are constant bit rate and mono
(the specification advises against VBR; DAISY validators warn on stereo).

Words are not timed here, as they are in the EPUB. In DAISY 2.02 a ``par`` is the phrase: the unit a player
highlights, and the one its "next phrase" and "previous phrase" commands move by. The standard has no element
for a timed span inside a phrase, so words could only be timed by making each word a ``par``: a reader moving
by phrase would then move one word at a time. narrate keeps the phrase a sentence, as readers navigate it, and
gives word timing in EPUB 3, whose Media Overlays nest the words' ``par``s in a ``seq`` per sentence.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from narrate.export.book import Book, Chapter, Heading, add_text, clock, npt

XHTML = "http://www.w3.org/1999/xhtml"
XHTML_DOCTYPE = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
                 '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">')
SMIL_DOCTYPE = '<!DOCTYPE smil PUBLIC "-//W3C//DTD SMIL 1.0//EN" "http://www.w3.org/TR/REC-smil/SMIL10.dtd">'
CONTENT = "content.html"


def smil_name(chapter: Chapter) -> str:
    return f"c{chapter.number:03d}.smil"


def audio_name(chapter: Chapter) -> str:
    return f"c{chapter.number:03d}.mp3"


def file_names(book: Book) -> list[str]:
    """Every file of the book, the NCC first."""
    return ["ncc.html", CONTENT, *(smil_name(c) for c in book.chapters), *(audio_name(c) for c in book.chapters)]


def daisy_files(book: Book) -> dict[str, bytes]:
    """The book's text files by name (the MP3s are encoded by the caller, one per chapter, as named by
    ``audio_name``, each lasting its chapter's ``duration_ms``)."""
    out = {"ncc.html": ncc(book), CONTENT: content(book)}
    elapsed = 0
    for chapter in book.chapters:
        out[smil_name(chapter)] = smil(book, chapter, elapsed)
        elapsed += chapter.duration_ms
    return out


def _xhtml(book: Book, title: str) -> tuple[ET.Element, ET.Element, ET.Element]:
    html = ET.Element("html", {"xmlns": XHTML, "xml:lang": book.language, "lang": book.language})
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "meta", {"http-equiv": "Content-Type", "content": "text/html; charset=utf-8"})
    ET.SubElement(head, "title").text = title
    body = ET.Element("body")
    return html, head, body


def _meta(head: ET.Element, name: str, content: str, scheme: str | None = None) -> None:
    ET.SubElement(head, "meta", {"name": name, "content": content, **({"scheme": scheme} if scheme else {})})


def _serialise(root: ET.Element, doctype: str) -> bytes:
    ET.indent(root, space=" ")
    return (b'<?xml version="1.0" encoding="utf-8"?>\n' + doctype.encode() + b"\n"
            + ET.tostring(root, encoding="utf-8", xml_declaration=False) + b"\n")


def ncc(book: Book) -> bytes:
    html, head, body = _xhtml(book, book.title)
    first = book.chapters[0]
    items: list[tuple[str, str, str, str]] = [
        ("h1", "title", book.title, f"{smil_name(first)}#{_par(first.clips[0].id)}")
    ]
    depth = heading = 1
    for chapter in book.chapters:
        for part in chapter.parts:
            if isinstance(part, Heading):
                heading = level = part.level
                text, target = part.text, part.target
            elif part.clips and part.role != "intro":  # a paragraph, one level under the heading before it
                # (the book's title leads to the intro, which says it)
                level, text, target = min(heading + 1, 6), opening(part.clips[0].text), part.clips[0]
            else:
                continue
            items.append((f"h{level}", part.id, text, f"{smil_name(chapter)}#{_par(target.id)}"))
            depth = max(depth, level)
    for name, content, scheme in [
        ("dc:title", book.title, None),
        ("dc:creator", book.author or book.publisher, None),
        ("dc:date", book.date, "yyyy-mm-dd"),
        ("dc:format", "Daisy 2.02", None),
        ("dc:identifier", book.identifier, None),
        ("dc:language", book.language, "ISO 639"),
        ("dc:publisher", book.publisher, None),
        ("ncc:charset", "utf-8", None),
        ("ncc:generator", book.generator, None),
        ("ncc:narrator", book.narrator, None),
        ("ncc:multimediaType", "audioFullText", None),
        ("ncc:setInfo", "1 of 1", None),
        ("ncc:depth", str(depth), None),
        ("ncc:tocItems", str(len(items)), None),
        ("ncc:pageFront", "0", None),
        ("ncc:pageNormal", "0", None),
        ("ncc:pageSpecial", "0", None),
        ("ncc:maxPageNormal", "0", None),
        ("ncc:totalTime", clock(book.duration_ms), "hh:mm:ss"),
        ("ncc:files", str(len(file_names(book))), None),
    ]:
        _meta(head, name, content, scheme)
    html.append(body)
    for i, (tag, id_, text, href) in enumerate(items):
        attrs = {"class": "title", "id": "title"} if i == 0 else {"id": f"n{id_}"}  # ids unique in the whole book
        h = ET.SubElement(body, tag, attrs)
        ET.SubElement(h, "a", {"href": href}).text = text
    return _serialise(html, XHTML_DOCTYPE)


OPENING_CHARACTERS = 60


def opening(sentence: str) -> str:
    """A paragraph's name in the NCC: its first sentence, cut at a word before OPENING_CHARACTERS with '…'."""
    if len(sentence) <= OPENING_CHARACTERS:
        return sentence
    cut = sentence[: OPENING_CHARACTERS + 1].rsplit(" ", 1)[0].rstrip(" ,;:–—-")
    return (cut or sentence[:OPENING_CHARACTERS]) + "…"


def content(book: Book) -> bytes:
    """The text, with an id on every heading, paragraph and sentence."""
    html, head, body = _xhtml(book, book.title)
    _meta(head, "dc:title", book.title)
    _meta(head, "dc:identifier", book.identifier)
    _meta(head, "dc:format", "Daisy 2.02")
    html.append(body)
    ET.SubElement(body, "h1", {"class": "title", "id": "booktitle"}).text = book.title
    for chapter in book.chapters:
        add_text(body, chapter.parts, words=False)  # DAISY 2.02 is read by phrase: see the module's notes
    return _serialise(html, XHTML_DOCTYPE)


def _par(clip_id: str) -> str:
    return clip_id.replace("s", "par", 1) if "s" in clip_id else clip_id


def smil(book: Book, chapter: Chapter, elapsed_ms: int) -> bytes:
    """One chapter's SMIL 1.0: a par per sentence, with its text and its clip of the chapter's MP3."""
    root = ET.Element("smil")
    head = ET.SubElement(root, "head")
    for name, value in [("dc:format", "Daisy 2.02"), ("dc:title", book.title), ("dc:identifier", book.identifier),
                        ("ncc:generator", book.generator), ("ncc:totalElapsedTime", clock(elapsed_ms)),
                        ("ncc:timeInThisSmil", clock(chapter.duration_ms))]:
        ET.SubElement(head, "meta", {"name": name, "content": value})
    ET.SubElement(head, "layout")  # SMIL 1.0 wants one after the meta; its text region is the player's own
    body = ET.SubElement(root, "body")
    seq = ET.SubElement(body, "seq", {"dur": f"{chapter.duration_ms / 1000:.3f}s"})
    for clip in chapter.clips:
        par = ET.SubElement(seq, "par", {"endsync": "last", "id": _par(clip.id)})
        ET.SubElement(par, "text", {"src": f"{CONTENT}#{clip.id}", "id": clip.id.replace("s", "t", 1)})
        ET.SubElement(par, "audio", {"src": audio_name(chapter), "clip-begin": npt(clip.begin_ms),
                                     "clip-end": npt(clip.end_ms), "id": clip.id.replace("s", "a", 1)})
    return _serialise(root, SMIL_DOCTYPE)
