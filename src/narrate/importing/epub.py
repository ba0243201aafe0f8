"""An EPUB 2 or 3 read as a book: its metadata, its reading order, its table of contents, its notes and cover.

Only the zip's own files are read, each at most MAX_MEMBER bytes once inflated, and at most MAX_RATIO times its
compressed size (a zip bomb is refused before it is inflated). XML is parsed with entities left unresolved, no DTD
loaded and no network, so nothing outside the file is read. A book whose content is encrypted (DRM: Adobe ADEPT,
Apple FairPlay, Readium LCP) is refused; fonts obfuscated by the EPUB standard's own scheme are not DRM.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag

from narrate.errors import NarrateError

MAX_MEMBER = 64 * 1024 * 1024  # bytes a single file of the book may inflate to
MAX_RATIO = 200  # how many times its compressed size a large file may inflate to
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
_FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")


def parse_xml(data: bytes, name: str, source: Path, what: str = "EPUB") -> Any:
    """An XML document of the book, read safely; a NarrateError naming the file if it is not XML."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, recover=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        last = exc.error_log.last_error
        where = f"at line {last.line}, column {last.column} ({last.message})" if last else f"({exc})"
        raise NarrateError(f"{name} in the {'book' if what == 'EPUB' else 'document'} is not well-formed XML "
                           f"{where}: the {what} is damaged",
                           str(source)) from None


@dataclass(frozen=True)
class Entry:
    """A table-of-contents entry: its title, the file (in the zip) and fragment it points to, its depth."""

    title: str
    file: str
    fragment: str
    depth: int


class Epub:
    """An open EPUB: ``meta`` (Dublin Core values by name), ``spine`` (its files in reading order), ``toc``."""

    def __init__(self, source: Path) -> None:
        self.source = source
        try:
            self.zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise NarrateError(f"cannot be read as an EPUB ({exc}): an EPUB is a zip archive", str(source)) from None
        self._refuse_drm()
        opf_path = self._opf_path()
        self.base = posixpath.dirname(opf_path)
        self.opf = parse_xml(self.read(opf_path), opf_path, source)
        self.items = {i.get("id"): i for i in self.opf.iter(f"{OPF}item")}
        self.spine = [self.path(self.items[r.get("idref")].get("href")) for r in self.opf.iter(f"{OPF}itemref")
                      if r.get("idref") in self.items and r.get("linear") != "no"]
        self.meta = self._metadata()
        self.toc = self._toc()

    def read(self, name: str) -> bytes:
        """A file of the book, refused if it is missing, or inflates past the limits."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise NarrateError(f"the book names {name}, which it does not hold: the {what} is damaged",
                               str(self.source)) from None
        if info.file_size > MAX_MEMBER or info.file_size > max(1 << 20, info.compress_size * MAX_RATIO):
            raise NarrateError(f"{name} in the book would inflate to {info.file_size:,} bytes from "
                               f"{info.compress_size:,}: refused as a zip bomb", str(self.source))
        try:
            with self.zip.open(info) as fh:
                return fh.read(MAX_MEMBER + 1)[:MAX_MEMBER]
        except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a CRC error, a cut file
            raise NarrateError(f"{name} in the book cannot be read ({exc}): the {what} is damaged",
                               str(self.source)) from None

    def path(self, href: str) -> str:
        """A file's name in the zip, from an href relative to the package document."""
        return posixpath.normpath(posixpath.join(self.base, unquote(urldefrag(href)[0])))

    def _refuse_drm(self) -> None:
        names = set(self.zip.namelist())
        if "META-INF/rights.xml" in names:
            raise NarrateError("is protected by DRM (Adobe ADEPT): narrate can only read books without DRM",
                               str(self.source))
        if "META-INF/encryption.xml" in names:
            doc = parse_xml(self.read("META-INF/encryption.xml"), "META-INF/encryption.xml", self.source)
            methods = {m.get("Algorithm") for m in doc.iter() if isinstance(m.tag, str) and
                       m.tag.endswith("EncryptionMethod")}
            if methods - set(_FONT_OBFUSCATION):
                raise NarrateError("is protected by DRM (its text is encrypted): narrate can only read books "
                                   "without DRM", str(self.source))

    def _opf_path(self) -> str:
        container = parse_xml(self.read("META-INF/container.xml"), "META-INF/container.xml", self.source)
        root = next((r.get("full-path") for r in container.iter(f"{CONTAINER}rootfile")), None)
        if not root:
            raise NarrateError("names no package document in META-INF/container.xml: the {what} is damaged",
                               str(self.source))
        return root

    def _metadata(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for el in self.opf.iter():
            if isinstance(el.tag, str) and el.tag.startswith(DC) and (el.text or "").strip():
                out.setdefault(el.tag[len(DC):], []).append(" ".join(el.text.split()))
        return out

    def cover(self) -> tuple[str, bytes] | None:
        """The cover image's file name and bytes (EPUB 3's cover-image, else EPUB 2's meta name="cover")."""
        item = next((i for i in self.items.values() if "cover-image" in (i.get("properties") or "").split()), None)
        if item is None:
            ref = next((m.get("content") for m in self.opf.iter(f"{OPF}meta") if m.get("name") == "cover"), None)
            item = self.items.get(ref)
        if item is None or item.get("media-type") not in ("image/jpeg", "image/png"):
            return None
        name = self.path(item.get("href"))
        return name, self.read(name)

    def _toc(self) -> list[Entry]:
        """EPUB 3's navigation document's toc, else EPUB 2's NCX; empty if the book has neither."""
        nav = next((i for i in self.items.values() if "nav" in (i.get("properties") or "").split()), None)
        if nav is not None:
            name = self.path(nav.get("href"))
            doc = parse_xml(self.read(name), name, self.source)
            toc = next((n for n in doc.iter() if isinstance(n.tag, str) and n.tag.endswith("nav")
                        and "toc" in (n.get("{http://www.idpf.org/2007/ops}type") or "")), None)
            if toc is not None:
                return list(_nav_entries(toc, posixpath.dirname(name), 0))
        ncx = next((i for i in self.items.values() if i.get("media-type") == "application/x-dtbncx+xml"), None)
        if ncx is None:
            return []
        name = self.path(ncx.get("href"))
        doc = parse_xml(self.read(name), name, self.source)
        return list(_ncx_entries(doc.find(f"{NCX}navMap"), posixpath.dirname(name), 0))


def target(base: str, href: str) -> tuple[str, str]:
    """The file (its name in the zip) and fragment an href in a document of folder ``base`` points to."""
    file, fragment = urldefrag(href)
    return posixpath.normpath(posixpath.join(base, unquote(file))), fragment


def _nav_entries(nav: Any, base: str, depth: int) -> Any:
    """The entries of a navigation document's toc nav: its ol, nested."""
    yield from _nav_list(next((c for c in nav if isinstance(c.tag, str) and c.tag.endswith("}ol")), None), base, depth)


def _nav_list(ol: Any, base: str, depth: int) -> Any:
    if ol is None:
        return
    for li in (c for c in ol if isinstance(c.tag, str) and c.tag.endswith("}li")):
        a = next((c for c in li if isinstance(c.tag, str) and c.tag.endswith("}a")), None)
        if a is not None and a.get("href"):
            file, fragment = target(base, a.get("href"))
            yield Entry(" ".join("".join(a.itertext()).split()), file, fragment, depth)
        yield from _nav_list(next((c for c in li if isinstance(c.tag, str) and c.tag.endswith("}ol")), None),
                             base, depth + 1)


def _ncx_entries(el: Any, base: str, depth: int) -> Any:
    if el is None:
        return
    for point in el.findall(f"{NCX}navPoint"):
        label = " ".join("".join(point.find(f"{NCX}navLabel").itertext()).split()) if point.find(
            f"{NCX}navLabel") is not None else ""
        content = point.find(f"{NCX}content")
        if content is not None and content.get("src"):
            file, fragment = target(base, content.get("src"))
            yield Entry(label, file, fragment, depth)
        yield from _ncx_entries(point, base, depth + 1)
