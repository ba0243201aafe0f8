"""``narrate import``: a book someone already has, as a narrate script the author can edit and build.

An EPUB (2 or 3) is read in its reading order (the spine), one document at a time, and written out as it is read,
so memory holds one chapter, not the book. Each top-level entry of its table of contents (the navigation
document, else the NCX) starts a chapter with the entry's title; a document the table does not list continues
the chapter before it. Front and back matter nobody wants read aloud (a title page, imprint, colophon, copyright
or licence page, table of contents, the notes themselves, Project Gutenberg's header and footer) is left out and
listed. The front matter comes from the book's metadata, and its cover is saved beside the script.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from narrate.errors import NarrateError
from narrate.words import counted
from narrate.pictures import picture_mime
from narrate.importing.epub import Entry, Epub, parse_xml, target
from narrate.importing.imported import Imported
from narrate.importing.markup import (BLOCKS, CHAPTER_BLOCK, CHAPTER_MARK, Converter, comment, escape, local,
                                      one_line, types, unescape)

LEFT_OUT = {"titlepage": "title page", "halftitlepage": "half-title page", "imprint": "imprint",
            "colophon": "colophon", "copyright-page": "copyright page", "toc": "table of contents",
            "landmarks": "landmarks", "loi": "list of illustrations", "lot": "list of tables", "index": "index",
            "endnotes": "notes (read as footnotes where cited)", "footnotes": "notes (read as footnotes where cited)",
            "rearnotes": "notes (read as footnotes where cited)", "seriespage": "series page", "cover": "cover"}
_GUTENBERG = re.compile(r"\bpg-(header|footer|boilerplate|machine-header)\b|\bpg(header|footer)\b")


def import_book(source: Path, script: Path) -> Imported:
    """Import ``source`` (an EPUB, a Word document, an HTML page or plain text, told by its content, not its name)
    as ``script``, with its cover beside it; nothing is written unless the whole book is read."""
    from narrate.files import published_all
    from narrate.importing.pages import import_html, import_text, kind_of
    from narrate.importing.opendocument import import_odt
    from narrate.importing.word import import_docx

    kind = kind_of(source)
    reader = {"epub": import_epub, "docx": import_docx, "odt": import_odt, "html": import_html,
              "text": import_text}[kind]
    with published_all([script]) as (tmp,):
        with open(tmp, "w", encoding="utf-8", newline="\n") as out:
            done = reader(source, out, script)
        if done.dialogue.lines:
            declare_speakers(tmp, *done.dialogue.speakers())
        if done.cover is not None:
            with published_all([done.cover]) as (cover,):
                cover.write_bytes(done.cover_bytes)
    return done


def declare_speakers(script: Path, speakers: list[tuple[str, int, list[str], str | None]],
                     renamed: dict[str, str]) -> None:
    """Declare the speakers the dialogue found in the script's front matter, each to be cast a voice of their own,
    and give each passage its speaker's one name: the script is rewritten a line at a time after the body is
    written, since who speaks is known only then."""
    lines = ["speakers:                         # who says the quotations marked [“…”]{Name}: each is cast a voice"]
    for name, count, forms, gender in speakers:
        key = name if re.fullmatch(r"[A-Za-z][\w’' .-]*", name) and name.lower() not in _YAML_WORDS else \
            json.dumps(name, ensure_ascii=False)
        setting = f" {{gender: {gender}}}" if gender else ""
        written = f"; written {', '.join(forms[:3])}" if forms != [name] else ""
        lines.append(f"  {key}:{setting}  # {counted(count, 'line')}{written}")
    done = script.with_name(script.name + ".speakers")
    with open(script, encoding="utf-8") as src, open(done, "w", encoding="utf-8", newline="\n") as out:
        out.write(src.readline())  # the front matter's opening '---'
        for line in src:
            if line == "---\n":
                out.write("\n".join(lines) + "\n")
                out.write(line)
                break
            out.write(line)
        for line in src:
            out.write(_SAID_BY.sub(lambda m: "]{" + renamed.get(m.group(1), m.group(1)) + "}", line))
    os.replace(done, script)


_SAID_BY = re.compile(r"(?<!\\)\]\{([^{}\n]*)\}")


_YAML_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}


def left_out_as(el: Any) -> str | None:
    """What a document or section is, if it is matter nobody wants read aloud; None if it is to be read."""
    for kind in types(el):
        if kind in LEFT_OUT:
            return LEFT_OUT[kind]
    if _GUTENBERG.search(f"{el.get('id') or ''} {el.get('class') or ''}"):
        return "Project Gutenberg's header or licence"
    return None


def import_epub(source: Path, out: TextIO, script: Path) -> Imported:
    """Write the script of an EPUB to ``out`` (the script will be ``script``); what was written."""
    book = Epub(source)
    done = Imported(script)
    cover = book.cover()
    if cover is not None and picture_mime(cover[1]) is None:
        done.left_out.append((cover[0], "cover, not a PNG or JPEG image"))
        cover = None
    if cover is not None:
        done.cover = script.with_name(f"{script.stem}.cover{Path(cover[0]).suffix.lower()}")
    out.write(front_matter(book, done.cover))
    starts: dict[str, list[tuple[str, str]]] = {}  # file -> (fragment, title) of each chapter that starts in it
    for entry in chapter_entries(book):
        starts.setdefault(entry.file, []).append((entry.fragment, entry.title))
    notes = _Notes(book)
    for name in book.spine:
        doc = parse_xml(book.read(name), name, source)
        body = next((el for el in doc.iter() if local(el) == "body"), None)
        if body is None:
            continue
        why = document_left_out_as(body)
        if why:
            done.left_out.append((name, why))
            continue
        first = mark_chapters(doc, starts.get(name, []))
        converter = Converter(lambda href, n=name: notes.text(n, href))
        blocks = [b for el in _readable(body, done, name) for b in converter.blocks(el)]
        done.left_out += [(name, why) for why in converter.dropped]
        for title, part in _split(blocks, first):
            if title is None and not done.chapters and done.pending is None and _titles_the_book(book, starts, name):
                done.left_out.append((name, "the text before the book's title page"))
                continue
            title = title or (None if done.chapters or done.pending else _first_heading(part) or Path(name).stem)
            if title:
                part = _leveled(_without_title(part, title))
                done.chapter(titled(title), name)
            for block in part:
                done.add(out, block)
        for number, text in converter.notes:
            out.write(f"\n[^{number}]: {text}\n")
    done.end()
    if not done.chapters:
        raise NarrateError("has nothing to read aloud: every part of it is front or back matter", str(source))
    if cover is not None:
        done.cover_bytes = cover[1]
    done.title, done.author = book.meta.get("title", [""])[0], " and ".join(book.meta.get("creator", []))
    return done


def chapter_entries(book: Epub) -> list[Entry]:
    """The table of contents' entries that start chapters: its top level, where an entry that leads to a half-title
    or title page (Standard Ebooks put a novel's chapters under its half-title) gives way to the entries under it."""
    out: list[Entry] = []
    for k, entry in enumerate(book.toc):
        if entry.depth != 0:
            continue
        under = []
        for child in book.toc[k + 1:]:
            if child.depth == 0:
                break
            if child.depth == 1:
                under.append(child)
        out += under if under and _left_out_document(book, entry.file) else [entry]
    return out


def _left_out_document(book: Epub, name: str) -> bool:
    """Whether a document of the book is front or back matter as a whole."""
    if name not in book.zip.namelist():
        return False
    body = next((el for el in parse_xml(book.read(name), name, book.source).iter() if local(el) == "body"), None)
    return body is not None and document_left_out_as(body) is not None


def document_left_out_as(body: Any) -> str | None:
    """What a document is, if it is front or back matter as a whole (its body, or every part of it, is)."""
    parts = [el for el in body if local(el)]
    return left_out_as(body) or (left_out_as(parts[0]) if parts and all(left_out_as(el) for el in parts) else None)


def mark_chapters(doc: Any, starts: list[tuple[str, str]]) -> str | None:
    """Mark where each chapter starts inside a document (a table-of-contents entry with a fragment: a book in one
    file, as Project Gutenberg's older ones are), before the block that holds its target; the title of the chapter
    that starts with the document itself, if one does."""
    from lxml import etree

    first = None
    for fragment, title in starts:
        found = doc.xpath("//*[@id=$id]", id=fragment) if fragment else []
        block = found[0] if found else None
        while block is not None and local(block) not in BLOCKS and block.getparent() is not None:
            block = block.getparent()
        if block is None or local(block) in ("body", "html") or block.getparent() is None:
            first = first or title
            continue
        marker = etree.Element(CHAPTER_MARK)
        marker.set("title", title)
        block.addprevious(marker)
    return first


def _split(blocks: list[str], first: str | None) -> list[tuple[str | None, list[str]]]:
    """The blocks by chapter: (its title, its blocks); the first has ``first`` (None: the chapter before goes on)."""
    out: list[tuple[str | None, list[str]]] = [(first, [])]
    for block in blocks:
        if block.startswith(CHAPTER_BLOCK):
            out.append((block[len(CHAPTER_BLOCK):], []))
        else:
            out[-1][1].append(block)
    return [(title, part) for title, part in out if title or part]


def _readable(body: Any, done: Imported, name: str) -> Iterator[Any]:
    """The body's parts to read: sections that are front or back matter are left out, and listed."""
    for el in body:
        why = left_out_as(el)
        if why:
            done.left_out.append((f"{name}#{el.get('id') or local(el)}", why))
        else:
            yield el


def _titles_the_book(book: Epub, starts: dict[str, list[tuple[str, str]]], name: str) -> bool:
    """Whether the first chapter that starts in a document is the book's title page (a heading that is the book's
    title, as Project Gutenberg's table of contents lists it)."""
    first = starts.get(name, [("", "")])[0][1]
    return bool(first) and _letters(first) == _letters(book.meta.get("title", [""])[0])


def titled(title: str) -> str:
    """A title in capitals ('I. A SCANDAL IN BOHEMIA') in title case ('I. A Scandal in Bohemia'), Roman numerals
    kept; any other title as it is."""
    if any(c.islower() for c in title) or sum(c.isalpha() for c in title) <= 3:
        return title
    words: list[str] = []
    for word in title.split():
        starts = not words or words[-1].endswith((".", ":", "—"))
        words.append(word if re.fullmatch(r"[IVXLC]+[.:]?", word) else word.lower()
                     if word.lower() in _SMALL and not starts else "-".join(p.capitalize() for p in word.split("-")))
    return " ".join(words)


_SMALL = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to", "with", "from"}


def _first_heading(blocks: list[str]) -> str | None:
    first = next((b for b in blocks if b.startswith("#")), None)
    return unescape(first.lstrip("#").strip()) if first else None


def _without_title(blocks: list[str], title: str) -> list[str]:
    """The blocks without the heading that repeats the chapter's title (the first heading, if it is the title)."""
    for k, block in enumerate(blocks[:3]):
        if block.startswith("#"):
            said, named = _letters(block.lstrip("#")), _letters(title)
            if said and (said in named or named in said):
                return blocks[:k] + blocks[k + 1:]
            break
    return blocks


def _letters(text: str) -> str:
    """Only a text's letters and digits, case folded: 'I: A Letter' and 'I A Letter' are the same title."""
    return "".join(c for c in re.sub(r"<[^<>]*>", "", text).casefold() if c.isalnum())


def _leveled(blocks: list[str]) -> list[str]:
    """The chapter's own headings moved up so that the highest is a sub-heading (##) of the chapter's."""
    levels = [len(b) - len(b.lstrip("#")) for b in blocks if b.startswith("#")]
    top = min(levels, default=2)
    return [min(6, len(b) - len(b.lstrip("#")) - top + 2) * "#" + b.lstrip("#") if b.startswith("#") else b
            for b in blocks]


def front_matter(book: Epub, cover: Path | None) -> str:
    """The script's front matter, from the book's Dublin Core metadata, and a comment saying where it came from."""
    import yaml

    meta = book.meta
    fields: dict[str, str] = {"title": meta.get("title", [book.source.stem])[0]}
    if meta.get("creator"):
        fields["author"] = " and ".join(meta["creator"])
    if meta.get("language"):
        fields["language"] = meta["language"][0]
    date = next((d[:10] for d in meta.get("date", []) if re.match(r"\d{4}-\d\d-\d\d", d)), None)
    if date:
        fields["date"] = date
    if meta.get("description"):
        fields["description"] = one_line(re.sub(r"<[^>]*>", " ", meta["description"][0]))
    if cover is not None:
        fields["cover"] = cover.name
    head = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)
    publisher = f" Published by {meta['publisher'][0]}." if meta.get("publisher") else ""
    return f"---\n{head}---\n\n{comment(f'Imported by narrate from {book.source.name}.{publisher}')}\n"


class _Notes:
    """The text of the notes a book's references point to, read from their documents when first cited."""

    def __init__(self, book: Epub) -> None:
        self.book, self.docs = book, {}

    def text(self, citing: str, href: str) -> str | None:
        import posixpath

        if "://" in href:
            return None
        name, fragment = target(posixpath.dirname(citing), href) if not href.startswith("#") else (citing, href[1:])
        if not fragment:
            return None
        if name not in self.docs:
            if name not in self.book.zip.namelist():
                return None
            self.docs[name] = {el.get("id"): el for el in parse_xml(self.book.read(name), name, self.book.source).iter()
                               if isinstance(el.tag, str) and el.get("id")}
        note = self.docs[name].get(fragment)
        if note is None or not ({"footnote", "endnote", "rearnote", "note"} & types(note) or local(note) == "aside"):
            return None
        for back in [a for a in note.iter() if local(a) == "a" and "backlink" in types(a)]:
            back.getparent().remove(back)
        converter = Converter()
        return " ".join(converter.inline(p) for p in note.iter() if local(p) == "p") or converter.inline(note)
