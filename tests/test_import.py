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
                   "  speakers: 18 (Holmes, Wilson, Lestrade, Bradstreet, …), given 587 quotations; 1,942 left to "
                   "the narrator ('narrate check' lists them)\n"
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
    assert out.startswith(f"{script}: 12 chapters, 4,675 sentences, ")


CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
             '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
             '</rootfiles></container>')
OPF = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:uuid:1</dc:identifier>
<dc:title>Letters &amp; Notes</dc:title><dc:creator>Ana Ruiz</dc:creator><dc:creator>Tom Lee</dc:creator>
<dc:language>en</dc:language><dc:date>1911-03-02</dc:date><dc:publisher>Small Press</dc:publisher></metadata>
<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="c1" href="one.xhtml" media-type="application/xhtml+xml"/>
<item id="n" href="notes.xhtml" media-type="application/xhtml+xml"/>
<item id="cv" href="cover.png" media-type="image/png" properties="cover-image"/></manifest>
<spine><itemref idref="nav"/><itemref idref="c1"/><itemref idref="n"/></spine></package>"""
XHTML = ('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
         'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>t</title></head>{body}</html>')
NAV = XHTML.format(body='<body epub:type="frontmatter"><nav epub:type="toc"><ol><li><a href="one.xhtml">The Letter'
                        '</a></li></ol></nav></body>')
ONE = XHTML.format(body="""<body><section epub:type="chapter"><h2>The Letter</h2>
<p>She wrote at once.<a href="notes.xhtml#n1" epub:type="noteref">1</a> *Not* a list: 1887. That year.</p>
<blockquote epub:type="z3998:poem"><p><span>The river runs,</span><br/><span>the river sings.</span></p></blockquote>
<table><tr><th>Town</th><th>Miles</th></tr><tr><td>Leeds</td><td>12</td></tr></table>
<script>alert(1)</script><p>The <i>end</i>.</p></section></body>""")
NOTES = XHTML.format(body='<body epub:type="backmatter"><section epub:type="endnotes"><ol><li id="n1" '
                          'epub:type="endnote"><p>In ink. <a href="one.xhtml" epub:type="backlink">↩</a></p></li>'
                          '</ol></section></body>')


def epub(path: Path, files: dict[str, str | bytes], **extra: str | bytes) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, data in {"META-INF/container.xml": CONTAINER, **files, **extra}.items():
            z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


COVER = (Path(__file__).parent.parent / "script" / "escape-route-cover.png").read_bytes()


def small(tmp_path: Path, **extra: str | bytes) -> Path:
    return epub(tmp_path / "letters.epub", {"OEBPS/content.opf": OPF, "OEBPS/nav.xhtml": NAV, "OEBPS/one.xhtml": ONE,
                                            "OEBPS/notes.xhtml": NOTES, "OEBPS/cover.png": COVER}, **extra)


def test_notes_verse_tables_and_the_cover_come_across(tmp_path: Path) -> None:
    script = tmp_path / "letters.md"
    code, out, err = run_cli("import", str(small(tmp_path)), "-o", str(script))
    assert (code, err) == (0, "")
    assert out.splitlines()[:3] == [f"wrote {script}: 1 chapter of Letters & Notes by Ana Ruiz and Tom Lee",
                                    f"  cover: {tmp_path / 'letters.cover.png'}",
                                    "  left out: OEBPS/nav.xhtml (table of contents)"]
    assert (tmp_path / "letters.cover.png").read_bytes() == COVER
    assert script.read_text(encoding="utf-8") == (
        "---\ntitle: Letters & Notes\nauthor: Ana Ruiz and Tom Lee\nlanguage: en\ndate: '1911-03-02'\n"
        "cover: letters.cover.png\n---\n\n<!-- Imported by narrate from letters.epub. Published by Small Press. -->\n"
        "\n# The Letter\n"
        "\nShe wrote at once.[^1] \\*Not\\* a list: 1887. That year.\n"
        "\n> The river runs,<br>\n> the river sings.\n"
        "\n| Town | Miles |\n|---|---|\n| Leeds | 12 |\n"
        "\nThe end.\n"
        "\n[^1]: In ink.\n")


def test_the_imported_script_builds_with_its_cover(tmp_path: Path) -> None:
    from narrate.build import build
    from narrate.options import BuildOptions
    from narrate.testing import tone_engines

    script = tmp_path / "letters.md"
    assert run_cli("import", str(small(tmp_path)), "-o", str(script))[0] == 0
    result = build(str(script), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache",
                                             formats=("mp3", "epub")), tone_engines())
    said = [s.text for s in result.timeline.sentences]
    assert said[3:13] == ["She wrote at once⁽¹⁾.", "*Not* a list: 1887.", "That year.", "The river runs,",
                          "the river sings.", "A table: Town and Miles.", "Leeds: 12.", "The end.", "Notes",
                          "⁽¹⁾ In ink."]  # the verse line by line, the table by its columns, the note after
    assert result.layout.path(".epub").is_file()


ENCRYPTED = ('<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
             'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod '
             'Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><enc:CipherData><enc:CipherReference '
             'URI="OEBPS/one.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>')
BOMB = " " * (5 << 20)


def package(path: Path, *names: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return path


def odt(path: Path, **parts: str) -> Path:
    mimetype = parts.pop("mimetype", "application/vnd.oasis.opendocument.text")
    with zipfile.ZipFile(path / "letters.odt", "w") as z:
        z.writestr("mimetype", mimetype)
        for name, data in {"content.xml": "<x/>", **parts}.items():
            z.writestr(name, data)
    return path / "letters.odt"


@pytest.mark.parametrize("make, said", [
    (lambda p: small(p, **{"META-INF/encryption.xml": ENCRYPTED}),
     "letters.epub: is protected by DRM (its text is encrypted): narrate can only read books without DRM"),
    (lambda p: small(p, **{"META-INF/rights.xml": "<rights/>"}),
     "letters.epub: is protected by DRM (Adobe ADEPT): narrate can only read books without DRM"),
    (lambda p: small(p, **{"OEBPS/one.xhtml": BOMB}), "letters.epub: OEBPS/one.xhtml in the book would inflate to "
     "5,242,880 bytes from {size}: refused as a zip bomb"),
    (lambda p: small(p, **{"OEBPS/one.xhtml": "<html><p>cut"}), "letters.epub: OEBPS/one.xhtml in the book is not "
     "well-formed XML at line 1, column 13 (Premature end of data in tag p line 1): the EPUB is damaged"),
    (lambda p: (p / "letters.epub").write_text("plain words") and p / "letters.epub",
     "letters.epub: is not an EPUB: it is not a zip archive, as an EPUB is"),
    (lambda p: odt(p, mimetype="application/vnd.oasis.opendocument.spreadsheet"), "letters.odt: is an OpenDocument "
     "file but not a text document: save it as .odt, .docx or EPUB"),
    (lambda p: odt(p, **{"Basic/Standard/Module1.xml": "<module/>"}), "letters.odt: holds macros: narrate does not "
     "read documents with macros (it would never run them); save it as an .odt without them"),
    (lambda p: odt(p, **{"content.xml": "<office:document-content"}), "letters.odt: content.xml in the document is "
     "not well-formed XML at line 1, column 25 (Couldn't find end of Start Tag document-content line 1): the "
     "document is damaged"),
    (lambda p: package(p / "letters.zip", "a.txt"), "letters.zip: is a zip archive, which narrate cannot import: "
     "give an EPUB, a Word or OpenDocument text, an HTML page or plain text"),
    (lambda p: package(p / "letters.docm", "[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"),
     "letters.docm: holds macros: narrate does not read documents with macros (it would never run them); save it "
     "as a .docx without them"),
    (lambda p: package(p / "letters.docx", "[Content_Types].xml", "word/document.xml"),
     "letters.docx: cannot be read as a Word document: it is damaged, or not what its name says; save it again "
     "from Word or LibreOffice"),
    (lambda p: (p / "letters.txt").write_bytes(b"%PDF-1.7 ...") and p / "letters.txt",
     "letters.txt: is a PDF, which narrate cannot import: give an EPUB, a Word or OpenDocument text, an HTML page or "
     "plain text"),
    (lambda p: (p / "letters.txt").write_bytes(b"caf\xe9 au lait") and p / "letters.txt",
     "letters.txt: is not UTF-8 text (byte 3): save it as UTF-8"),
    (lambda p: p / "missing.epub", "missing.epub: cannot be read: No such file or directory"),
])
def test_a_book_that_cannot_be_read_is_one_line_and_nothing_is_written(tmp_path: Path, make, said: str,  # type: ignore[no-untyped-def]
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    book = make(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = set(os.listdir(tmp_path))
    code, out, err = run_cli("import", book.name, "-o", "letters.md")
    if "{size}" in said:
        said = said.format(size=f"{zipfile.ZipFile(book).getinfo('OEBPS/one.xhtml').compress_size:,}")
    assert (code, out, err) == (1, "", said + "\n")
    assert set(os.listdir(tmp_path)) == before  # no script, no cover, no temporary file


def test_nothing_outside_the_book_is_read_and_no_script_is_run(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the password is swordfish", encoding="utf-8")
    xxe = ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "' + secret.as_uri() + '">'
           '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
           '<html xmlns="http://www.w3.org/1999/xhtml"><body><h2>The Letter</h2><p>Read &x; and &b;.</p>'
           '<p><img src="http://example.org/track.png" alt="A map"/>Done.</p></body></html>')
    code, out, err = run_cli("import", str(small(tmp_path, **{"OEBPS/one.xhtml": xxe})), "-o",
                             str(tmp_path / "l.md"))
    assert (code, err) == (0, "")
    text = (tmp_path / "l.md").read_text(encoding="utf-8")
    assert "swordfish" not in text and "aaaa" not in text and "example.org" not in text
    assert "\n![A map]() Done.\n" in text  # a picture on the web: its alt text, never its address
    assert "\nRead and .\n" in text
    page = tmp_path / "page.html"
    page.write_text('<html lang="en"><head><title>Night Bus</title><meta name="author" content="Li Wei">'
                    '<script>document.write("run")</script></head><body><h1>Night Bus</h1><h2>Leaving</h2>'
                    '<p onclick="alert(1)">We left at <b>ten</b>.</p><style>p{}</style><h2>Arriving</h2>'
                    '<p>We came at dawn.</p></body></html>', encoding="utf-8")
    code, out, err = run_cli("import", str(page), "-o", str(tmp_path / "bus.md"))
    assert (code, err) == (0, "")
    assert (tmp_path / "bus.md").read_text(encoding="utf-8") == (
        "---\ntitle: Night Bus\nauthor: Li Wei\nlanguage: en\n---\n\n<!-- Imported by narrate from page.html. -->\n"
        "\n# Leaving\n\nWe left at ten.\n\n# Arriving\n\nWe came at dawn.\n")


def test_plain_text_is_split_at_its_chapters(tmp_path: Path) -> None:
    book = tmp_path / "the_long_road.txt"
    book.write_text("A note before.\n\nCHAPTER I.\nThe start.\n\nWe walked\nall day.\n\n- not a list\n\n"
                    "Chapter 2: The end\n\n1887. The year it ended.\n", encoding="utf-8")
    assert run_cli("import", str(book), "-o", str(tmp_path / "road.md"))[0] == 0
    assert (tmp_path / "road.md").read_text(encoding="utf-8") == (
        "---\ntitle: The long road\n---\n\n<!-- Imported by narrate from the_long_road.txt. -->\n"
        "\n# The long road\n\nA note before.\n\n# CHAPTER I.\n\nThe start.\n\nWe walked all day.\n\n\\- not a list\n"
        "\n# Chapter 2: The end\n\n1887\\. The year it ended.\n")


def test_build_takes_a_book_and_imports_it_first(tmp_path: Path) -> None:
    from narrate.testing import tone_engines

    book = small(tmp_path)
    code, out, err = run_cli("build", str(book), "-o", str(tmp_path / "out"), "-f", "mp3,epub", engines=tone_engines())
    assert code == 0, err
    script = tmp_path / "out" / ".imported" / "letters.md"
    assert err.startswith(f"imported {book} as {script}: 1 chapter, left out 2 parts\n")
    assert (tmp_path / "out" / "letters" / "letters.epub").is_file() and (script.parent / "letters.cover.png").is_file()
    again = run_cli("build", str(book), "-o", str(tmp_path / "out"), "-f", "mp3,epub", engines=tone_engines())
    assert again[0] == 0 and ": no changes since the last build (" in again[1]  # imported again, the same script


def test_project_gutenbergs_header_and_licence_are_left_out(tmp_path: Path) -> None:
    """As Project Gutenberg's ebookmaker writes them: sections of the book's own documents."""
    one = XHTML.format(body='<body><section class="pg-boilerplate pgheader" id="pg-header"><h2>The Project Gutenberg '
                            'eBook of Letters</h2><p>This eBook is for the use of anyone anywhere.</p></section>'
                            '<h2>The Letter</h2><p>She wrote at once.</p><section class="pg-boilerplate pgfooter" '
                            'id="pg-footer"><p>*** END OF THE PROJECT GUTENBERG EBOOK ***</p></section></body>')
    code, out, err = run_cli("import", str(small(tmp_path, **{"OEBPS/one.xhtml": one})), "-o", str(tmp_path / "l.md"))
    assert (code, err) == (0, "")
    assert "  left out: OEBPS/one.xhtml#pg-header (Project Gutenberg's header or licence)\n" in out
    assert "  left out: OEBPS/one.xhtml#pg-footer (Project Gutenberg's header or licence)\n" in out
    text = (tmp_path / "l.md").read_text(encoding="utf-8")
    assert "Gutenberg" not in text.split("-->", 1)[1] and "\n# The Letter\n\nShe wrote at once.\n" in text


def test_a_book_in_one_file_is_split_at_its_table_of_contents(tmp_path: Path) -> None:
    """Chapters that start at fragments of one document, their targets an anchor inside a heading or a section."""
    nav = XHTML.format(body='<body><nav epub:type="toc"><ol><li><a href="one.xhtml#c1">Chapter I</a></li>'
                            '<li><a href="one.xhtml#c2">Chapter II</a></li></ol></nav></body>')
    one = XHTML.format(body='<body><p>Preface text.</p><h2><a id="c1"/>CHAPTER I.</h2><p>First.</p>'
                            '<div id="c2"><h2>CHAPTER II.</h2><p>Second.</p></div></body>')
    code, out, err = run_cli("import", str(small(tmp_path, **{"OEBPS/nav.xhtml": nav, "OEBPS/one.xhtml": one})),
                             "-o", str(tmp_path / "l.md"))
    assert (code, err) == (0, "")
    assert (tmp_path / "l.md").read_text(encoding="utf-8").split("-->\n", 1)[1] == (
        "\n# one\n\nPreface text.\n\n# Chapter I\n\nFirst.\n\n# Chapter II\n\nSecond.\n")


def test_a_long_book_imports_in_the_memory_of_one_chapter(tmp_path: Path) -> None:
    """Ten chapters and a hundred, each 100 kB of text: the peak memory of the import (Python's own allocations,
    traced) grows far less than the book."""
    import tracemalloc

    from narrate.importing import import_book

    def book(chapters: int) -> Path:
        items = "".join(f'<item id="c{k}" href="c{k}.xhtml" media-type="application/xhtml+xml"/>' for k in range(chapters))
        spine = "".join(f'<itemref idref="c{k}"/>' for k in range(chapters))
        opf = OPF.replace('<item id="c1" href="one.xhtml" media-type="application/xhtml+xml"/>', items).replace(
            '<itemref idref="c1"/>', spine)
        text = "<p>" + "The boat crossed the river at night, and nobody spoke. " * 60 + "</p>"
        docs = {f"OEBPS/c{k}.xhtml": XHTML.format(body=f"<body><h2>Chapter {k}</h2>{text * 30}</body>")
                for k in range(chapters)}
        nav = XHTML.format(body="<body><nav epub:type='toc'><ol>" + "".join(
            f'<li><a href="c{k}.xhtml">Chapter {k}</a></li>' for k in range(chapters)) + "</ol></nav></body>")
        return epub(tmp_path / f"b{chapters}.epub", {"OEBPS/content.opf": opf, "OEBPS/nav.xhtml": nav,
                                                    "OEBPS/notes.xhtml": NOTES, "OEBPS/cover.png": COVER, **docs})

    peaks = []
    for chapters in (10, 100):
        path = book(chapters)
        tracemalloc.start()
        done = import_book(path, tmp_path / f"b{chapters}.md")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert len(done.chapters) == chapters
    assert (tmp_path / "b100.md").stat().st_size > 9 * (tmp_path / "b10.md").stat().st_size
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_a_novels_chapters_under_its_half_title_are_its_chapters(tmp_path: Path) -> None:
    """Standard Ebooks put a novel's chapters under its half-title page in the table of contents: the half-title
    gives way to them, the dedication before them is a chapter, and no chapter says its title twice."""
    script = tmp_path / "chickens.md"
    code, out, err = run_cli("import", str(Path(__file__).parent / "books" / "love-among-the-chickens.epub"), "-o",
                             str(script))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"wrote {script}: 24 chapters of Love Among the Chickens by P. G. Wodehouse"
    assert "  left out: epub/text/halftitlepage.xhtml (half-title page)" in out.splitlines()
    text = script.read_text(encoding="utf-8")
    titles = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    assert titles[:3] == ["Dedication", "I: A Letter with a Postscript", "II: Mr. and Mrs. S. F. Ukridge"]
    assert len(titles) == 24 and titles[-1].startswith("XXIII: ")
    assert "\n## I A Letter" not in text  # the chapter's own heading, already its title


def test_a_poems_title_stays_a_heading_above_its_verse(tmp_path: Path) -> None:
    """As Standard Ebooks mark a collection's poems (Leaves of Grass): an article of type poem, its title inside."""
    one = XHTML.format(body='<body><section epub:type="chapter"><h2>The Letter</h2><article epub:type="z3998:poem">'
                            '<h3 epub:type="title">One’s-Self I Sing</h3><p><span>One’s-self I sing,</span><br/>'
                            '<span>a simple separate person.</span></p></article></section></body>')
    assert run_cli("import", str(small(tmp_path, **{"OEBPS/one.xhtml": one})), "-o", str(tmp_path / "l.md"))[0] == 0
    assert (tmp_path / "l.md").read_text(encoding="utf-8").split("-->\n", 1)[1] == (
        "\n# The Letter\n\n## One’s-Self I Sing\n\n> One’s-self I sing,<br>\n> a simple separate person.\n")


def test_a_word_document_comes_in_by_its_styles(tmp_path: Path) -> None:
    """A document made on Word's own template (python-docx's default one was saved by Word): Title, Heading 1 and
    2, Quote, List Bullet, a table; its properties as the front matter."""
    import docx

    doc = docx.Document()
    doc.core_properties.title, doc.core_properties.author, doc.core_properties.language = "Night Bus", "Li Wei", "en"
    doc.add_paragraph("Night Bus", style="Title")
    doc.add_heading("Leaving", level=1)
    doc.add_paragraph("We left at *ten*.")
    doc.add_paragraph("Keep low, and say nothing.", style="Quote")
    doc.add_paragraph("Passport", style="List Bullet")
    doc.add_paragraph("Water", style="List Bullet")
    doc.add_heading("Arriving", level=1)
    doc.add_heading("The station", level=2)
    table = doc.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ["Town", "Miles", "Leeds", "12"]):
        cell.text = text
    doc.save(str(tmp_path / "bus.docx"))
    code, out, err = run_cli("import", str(tmp_path / "bus.docx"), "-o", str(tmp_path / "bus.md"))
    assert (code, err, out.splitlines()[0]) == (0, "", f"wrote {tmp_path / 'bus.md'}: 2 chapters of Night Bus by Li Wei")
    assert (tmp_path / "bus.md").read_text(encoding="utf-8") == (
        "---\ntitle: Night Bus\nauthor: Li Wei\nlanguage: en\n---\n\n<!-- Imported by narrate from bus.docx. -->\n"
        "\n# Leaving\n\nWe left at \\*ten\\*.\n\n> Keep low, and say nothing.\n\n- Passport\n- Water\n"
        "\n# Arriving\n\n## The station\n\n| Town | Miles |\n|---|---|\n| Leeds | 12 |\n")
    assert run_cli("check", str(tmp_path / "bus.md"))[0] == 0


FERRY = """\
# The bank at Ban Houayxay

The guesthouse kept its shutters closed & its lights low.[^1] Nobody asked for names.

[^1]: Ban Houayxay faces Chiang Khong across the river.

[“We go when the moon is down,”]{Han} said Mr. Han. [“Not before.”]{Han}

[“How long is the crossing?”]{Mina} asked Mina.

[“Ten minutes, if the engine holds.”]{Han}

[“And if it does not?”]{Mina}

> Keep low in the boat.<br>
> Do not speak on the water.

What she carried:

- a bag of rice
- two bottles of water

{picture} The river is narrow here.

# Chiang Khong

They reached the far bank before dawn.[^2]

[^2]: The Thai police met them at the landing.

| Leg | Hours |
|---|---|
| River | 1 |

1. Wait for the van.
2. Say nothing.

“Welcome to Thailand,” said the officer.
"""


@pytest.mark.parametrize("name, picture", [
    ("night-ferry.odt", "![A map of the Mekong from Ban Houayxay to Chiang Khong](../Pictures/map.png)"),
    ("night-ferry.docx", "![from Ban Houayxay to Chiang Khong](Map)"),  # LibreOffice keeps no picture title in Word
])
def test_documents_libreoffice_saved_come_in_with_their_notes_lists_and_pictures(tmp_path: Path, name: str,
                                                                                 picture: str) -> None:
    """night-ferry.fodt, written by hand, saved by LibreOffice 7.4 as OpenDocument and as Word: the same script."""
    script = tmp_path / "ferry.md"
    code, out, err = run_cli("import", str(Path(__file__).parent / "books" / name), "-o", str(script))
    assert (code, err, out.splitlines()[0]) == (0, "", f"wrote {script}: 2 chapters of The Night Ferry by Mina Park")
    front, body = script.read_text(encoding="utf-8").split("-->\n\n", 1)
    assert front.startswith("---\ntitle: The Night Ferry\nauthor: Mina Park\nlanguage: en-GB\n")
    assert "speakers:" in front and "\n  Han: {gender: male}  # 3 lines\n  Mina:  # 2 lines\n---" in front
    assert body == FERRY.replace("{picture}", picture)
    code, out, err = run_cli("check", str(script))
    assert (code, err) == (0, "")
    assert f"1 quotation read by the narrator, no speaker given (mark one [“…”]{{Name}} to give it to a speaker):\n" \
           f"  {script}:" in out


def test_a_project_gutenberg_book_comes_in_without_its_boilerplate_title_page_or_contents(tmp_path: Path) -> None:
    script = tmp_path / "pg.md"
    code, out, err = run_cli("import", str(Path(__file__).parent / "books" /
                                           "pg1661-the-adventures-of-sherlock-holmes.epub"), "-o", str(script))
    front = "OEBPS/6985758698036994163_1661-h-0.htm.xhtml"
    assert (code, err) == (0, "")
    assert out.splitlines()[:10] == [
        f"wrote {script}: 12 chapters of The Adventures of Sherlock Holmes by Arthur Conan Doyle",
        f"  cover: {tmp_path / 'pg.cover.jpg'}",
        "  speakers: 18 (Holmes, Wilson, Lestrade, Bradstreet, …), given 587 quotations; 2,005 left to the narrator "
        "('narrate check' lists them)",
        f"  left out: {front}#pg-header (Project Gutenberg's header or licence)",
        f"  left out: {front} (table of contents)",
        f"  left out: {front} (the text before the book's title page)",
        f"  left out: {front} (“The Adventures of Sherlock Holmes”, a heading with no text under it)",
        f"  left out: {front} (“Contents”, a heading with no text under it)",
        "  left out: OEBPS/6985758698036994163_1661-h-13.htm.xhtml (Project Gutenberg's header or licence)",
        f"next: narrate check {script}, then narrate build {script}"]
    text = script.read_text(encoding="utf-8")
    titles = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    assert titles[:3] == ["I. A Scandal in Bohemia", "II. The Red-Headed League", "III. A Case of Identity"]
    assert [t.split(". ", 1)[1] for t in titles] == [s.replace("Redheaded", "Red-Headed") for s in STORIES]
    assert "\n# I. A Scandal in Bohemia\n\n## I.\n\nTo Sherlock Holmes she is always the woman." in text
    assert "Gutenberg" not in text.split("-->", 1)[1] and "ILLUSTRATED" not in text
