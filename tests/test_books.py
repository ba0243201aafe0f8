"""Talking books (DAISY 2.02, EPUB 3 with Media Overlays), leg details as headings, and a slower reading.

A held-out kind of script: level-2 and level-3 headings, a speaker's quotation, and characters that XML
and file names must survive. Built once with the tone engine (a 300 Hz tone per sentence, so the speech
can be found in the audio) and read back with the checks of tests/books_check.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from scipy.signal import butter, sosfiltfilt

from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.result import BuildResult
from narrate.testing import ToneEngine, tone_engines

from books_check import check_daisy, check_epub
from conftest import decode, rms_db, run_cli, write_script

FRONT = """\
---
title: "Crossing <the> river & \\"beyond\\""
author: Ana Núñez
date: 2026-11-20
speakers:
  Min:
    speed: 1.1
mix:
  ducking: 0
---
"""

BODY = """\
# Leaving Hyesan
from: Hyesan
to: Changbai
coords: 41.39, 128.19
place: Changbai
travel: on foot
distance: 3 km
ambient: none

The river was low that night. We crossed at two o'clock.

## On the far bank

Min: "Don't look back," she said. Nobody did.

A dog barked twice — then nothing.

# The long road
from: Changbai
to: Kunming
travel: bus
ambient: none

### Deeper, straight away

We slept on the bus. Nobody spoke for 3 hours.

## Arrival

It was day 4. The city was loud & bright.
"""


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    folder = tmp_path_factory.mktemp("books")
    script = write_script(folder, BODY, FRONT, name="river & road.md")
    result = build(str(script), BuildOptions(output=str(folder / "out"), cache_dir=folder / "cache", edition="speech", formats=("mp3", "daisy", "epub")), tone_engines(ToneEngine(seconds_per_char=0.04)))
    return folder, result


def test_daisy_meets_the_specification(books) -> None:  # type: ignore[no-untyped-def]
    folder, result = books
    daisy = result.layout.folder / f"{result.layout.stem}.daisy"
    meta, headings, clips = check_daisy(daisy)
    assert meta["dc:title"] == 'Crossing <the> river & "beyond"' and meta["dc:creator"] == "Ana Núñez"
    assert meta["dc:date"] == "2026-11-20" and meta["dc:language"] == "en"
    assert meta["ncc:narrator"] == "tone, a Tone voice" and meta["ncc:generator"].startswith("narrate ")
    # every paragraph a navigation point one level under its heading, named by its first sentence
    assert [(h.tag[-2:], h[0].text) for h in headings] == [
        ("h1", 'Crossing <the> river & "beyond"'),
        ("h1", "Leaving Hyesan"),
        ("h2", "Leg 1 of 2: from Hyesan to Changbai, on foot, 3 km"),
        ("h3", "The river was low that night."),
        ("h2", "On the far bank"),
        ("h3", 'Min: "Don\'t look back," she said.'),
        ("h3", "A dog barked twice — then nothing."),
        ("h1", "The long road"),
        ("h2", "Leg 2 of 2: from Changbai to Kunming, by bus"),
        ("h3", "Deeper, straight away"),
        ("h4", "We slept on the bus."),
        ("h2", "Arrival"),
        ("h3", "It was day 4."),
        ("h3", 'This was Crossing <the> river & "beyond", by Ana Núñez.'),
    ]
    paragraphs = [h[0].get("href") for h in headings if "Leg" not in h[0].text and h[0].text.endswith(".")]
    # the first paragraph's sentence is the fifth said: after the book's title, the chapter's, and the leg's two
    assert paragraphs[0] == "c001.smil#c1par5"
    sentences = result.timeline.sentences
    assert len(clips) == len(sentences)
    assert abs(sum(c.end - c.begin for c in clips) - result.timeline.duration_ms / 1000) < 0.05


def test_daisy_clips_hold_their_sentence_and_quiet_after_it(books) -> None:  # type: ignore[no-untyped-def]
    """The speech of each sentence is inside its clip; after it, to the clip's end, it is quiet."""
    folder, result = books
    daisy = result.layout.folder / f"{result.layout.stem}.daisy"
    _, _, clips = check_daisy(daisy)
    rate = 44100
    band = butter(4, [250, 350], "bandpass", fs=rate, output="sos")
    audio = {name: sosfiltfilt(band, decode(daisy / name)) for name in {c.audio for c in clips}}
    chapters = {c.number: c for c in result.timeline.chapters}
    for clip, s in zip(clips, result.timeline.sentences):
        start = (s.start_ms - chapters[s.chapter].start_ms) / 1000
        end = (s.end_ms - chapters[s.chapter].start_ms) / 1000
        assert clip.begin <= start and end <= clip.end + 0.001, (clip, s.text)
        x = audio[clip.audio]
        inside = x[int((start + 0.03) * rate): int((end - 0.03) * rate)]
        assert rms_db(inside) > -40, s.text
        if clip.end - end > 0.15:
            after = x[int((end + 0.06) * rate): int((clip.end - 0.06) * rate)]
            assert rms_db(after) < rms_db(inside) - 30, s.text


def test_daisy_text_has_every_paragraph_and_sentence(books) -> None:  # type: ignore[no-untyped-def]
    folder, result = books
    content = etree.parse(str(result.layout.folder / f"{result.layout.stem}.daisy" / "content.html"))
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    paragraphs = [" ".join(s.text for s in p.iterfind("h:span", ns)) for p in content.iterfind(".//h:p", ns)]
    assert 'Min: "Don\'t look back," she said. Nobody did.' in paragraphs
    assert "It was day 4. The city was loud & bright." in paragraphs
    assert "A dog barked twice — then nothing." in paragraphs


def test_epub_passes_epubcheck_with_overlays_and_navigation(books) -> None:  # type: ignore[no-untyped-def]
    folder, result = books
    files = check_epub(result.layout.path(".epub"))
    opf = etree.fromstring(files["OEBPS/package.opf"])
    ns = {"opf": "http://www.idpf.org/2007/opf"}
    props = {}
    for m in opf.iterfind(".//opf:meta", ns):
        props.setdefault(m.get("property"), []).append(m.text)
    assert props["media:active-class"] == ["-epub-media-overlay-active"]
    assert "synchronizedAudioText" in props["schema:accessibilityFeature"]
    assert set(props["schema:accessMode"]) == {"textual", "auditory"}
    assert props["schema:accessibilitySummary"][0]
    nav = etree.fromstring(files["OEBPS/nav.xhtml"])
    x = {"h": "http://www.w3.org/1999/xhtml"}
    top = [a.text for a in nav.xpath("//h:nav[@id='toc']/h:ol/h:li/h:a", namespaces=x)]
    assert top == ["Leaving Hyesan", "The long road"]
    legs = nav.xpath("//h:nav[@id='toc']/h:ol/h:li[2]/h:ol/h:li/h:a", namespaces=x)
    assert [a.text for a in legs] == ["Leg 2 of 2: from Changbai to Kunming, by bus", "Arrival"]
    assert [a.text for a in nav.xpath("//h:li[h:a='Leg 2 of 2: from Changbai to Kunming, by bus']/h:ol/h:li/h:a",
                                      namespaces=x)] == ["Deeper, straight away"]


def test_epub_with_a_cover(tmp_path: Path) -> None:
    from conftest import REPO

    cover = REPO / "script" / "escape-route-cover.png"
    (tmp_path / "cover.png").write_bytes(cover.read_bytes())
    script = write_script(tmp_path, "# One\n\nThe boat left at dawn.\n", "---\ntitle: T\ncover: cover.png\n---\n")
    result = build(str(script), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache", formats=("epub",)), tone_engines())
    files = check_epub(result.layout.path(".epub"))
    assert files["OEBPS/cover.png"] == cover.read_bytes()
    assert result.output.suffix == ".mp3"  # the episode is always made; the book beside it


def test_books_are_rebuilt_only_when_asked_and_nothing_is_left_over(books, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder, result = books
    script = Path(result.manifest).parents[2] / "river & road.md"
    again = build(str(script), BuildOptions(output=str(folder / "out"), cache_dir=folder / "cache", edition="speech", formats=("mp3", "daisy", "epub")), tone_engines(ToneEngine(seconds_per_char=0.04)))
    assert again.unchanged
    # one chapter fewer: its DAISY files go
    shorter = script.read_text(encoding="utf-8").split("# The long road")[0]
    script.write_text(shorter, encoding="utf-8")
    built = build(str(script), BuildOptions(output=str(folder / "out"), cache_dir=folder / "cache", edition="speech", formats=("mp3", "daisy", "epub")), tone_engines(ToneEngine(seconds_per_char=0.04)))
    daisy = built.layout.folder / f"{built.layout.stem}.daisy"
    assert sorted(p.name for p in daisy.iterdir()) == ["c001.mp3", "c001.smil", "content.html", "ncc.html"]
    check_daisy(daisy)
    assert not [p for p in built.layout.folder.rglob("*") if p.name.startswith(".")]
    # a build stopped while publishing leaves partial files in the DAISY folder: the next one removes them
    (daisy / ".c001.0a1b2c3d.partial.mp3").write_bytes(b"cut short")
    (daisy / ".ncc.0a1b2c3d.partial.html").write_bytes(b"cut short")
    code, out, err = run_cli("build", str(script), "-o", str(folder / "out"), "--cache-dir", str(folder / "cache"),
                             "--speech-only", "--format", "mp3,daisy,epub", engines=tone_engines(ToneEngine(seconds_per_char=0.04)))
    assert code == 0, err
    assert "removed 2 temporary files left by a build that was stopped" in err
    assert not [p for p in daisy.iterdir() if p.name.startswith(".")]


def test_a_chapter_whose_title_is_not_spoken_is_still_a_heading(tmp_path: Path) -> None:
    """A title of punctuation alone says nothing; the chapter is still a level-1 heading, leading to its first
    sentence."""
    script = write_script(tmp_path, "# One\n\nThe boat left at dawn.\n\n# ...\n\nThen the rain came.\n")
    result = build(str(script), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache", formats=("daisy", "epub")), tone_engines())
    _, headings, _ = check_daisy(result.layout.folder / "story.daisy")
    assert [(h.tag[-2:], h[0].text) for h in headings][-3:] == [("h1", "..."), ("h2", "Then the rain came."),
                                                                 ("h2", "This was Test Episode, by Test Author.")]
    assert headings[-3][0].get("href") == headings[-2][0].get("href") == "c002.smil#c2par1"
    check_epub(result.layout.path(".epub"))


def test_format_daisy_on_the_command_line(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\n\nThe boat left at dawn.\n")
    code, out, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--format", "daisy",
                             engines=tone_engines())
    assert code == 0, err
    assert (tmp_path / "out" / "story" / "story.daisy" / "ncc.html").is_file()
    code, out, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--format", "daisie",
                             engines=tone_engines())
    assert code == 1 and err == ("--format: unknown format 'daisie' (did you mean 'daisy'?) "
                                 "(known: mp3, m4b, opus, daisy, epub, walk)\n")


# --- a slower reading ------------------------------------------------------------


def test_a_slower_reading_is_an_edition_of_its_own(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\n\nThe boat left at dawn. [pause 1s] We waited.\n")
    engines = tone_engines()
    normal = build(str(script), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache"), engines)
    code, out, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"),
                             "--rate", "0.8", "--base-url", "https://example.org/", engines=engines)
    assert code == 0, err
    assert "synthesised 7 of 7 sentences, 0 from cache" in out  # a new speed: new cache entries
    assert "feed: " + str(tmp_path / "out" / "feed-rate-0.8.xml") in out
    slow = BuildRecordOf(tmp_path / "out" / "story-rate-0.8" / "story-rate-0.8.manifest.json")
    assert (tmp_path / "out" / "story-rate-0.8" / "story-rate-0.8.mp3").is_file()
    feed = (tmp_path / "out" / "feed-rate-0.8.xml").read_text(encoding="utf-8")
    assert "<title>Test Episode (read at 0.8× speed)</title>" in feed
    assert normal.output.is_file() and not (tmp_path / "out" / "feed.xml").exists()
    said = [s for s in slow.sentences if s.role == "text"]
    plain = [s for s in normal.timeline.sentences if s.role == "text"]
    gap, normal_gap = said[1].start_ms - said[0].end_ms, plain[1].start_ms - plain[0].end_ms
    assert abs(gap - normal_gap / 0.8) < 30  # the pauses are longer too
    code, out, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"),
                             "--rate", "0.8", "--fresh", engines=engines)
    assert "synthesised 0 of 7 sentences, 7 from cache" in out  # the same rate reuses them


def BuildRecordOf(path: Path):  # type: ignore[no-untyped-def]
    from narrate.record import BuildRecord

    record = BuildRecord.read(path)
    assert record is not None
    return record


def test_a_slower_reading_slows_the_voice_itself(tmp_path: Path, piper_engines) -> None:  # type: ignore[no-untyped-def]
    """Piper says it at 80 % speed: the voice itself is slower (the joe voice's sounds last about 1.15 times as
    long at a length scale of 1.25: it does not stretch them in proportion), and nothing is time-stretched."""
    from narrate.plan import plan_episode
    from narrate.script import parse_script

    text = "---\ntitle: T\nvoice: joe\nrate: 0.8\n---\n# One\n\nThe boat left the far bank just before dawn.\n"
    slow = plan_episode(parse_script(text, "s.md"), piper_engines)
    normal = plan_episode(parse_script(text, "s.md"), piper_engines, rate=1.0)
    said = [s for s in slow.speeches() if s.role == "text"][0]
    plain = [s for s in normal.speeches() if s.role == "text"][0]
    assert dict(said.voice.settings)["speed"] == 0.8 and said.key != plain.key
    a = piper_engines.get("piper").synthesize(said.text, said.voice)
    b = piper_engines.get("piper").synthesize(plain.text, plain.voice)
    assert 1.1 < len(a.samples) / len(b.samples) < 1.3


def test_a_bad_rate_is_one_line(tmp_path: Path) -> None:
    script = write_script(tmp_path, "# One\n\nHi.\n", "---\ntitle: T\nrate: slow\n---\n")
    code, _, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), engines=tone_engines())
    assert code == 1
    assert err == f"{script}:3: 'rate' must be a number from 0.5 to 2.0 (0.85 reads at 85 % speed), not 'slow'\n"
    code, _, err = run_cli("build", str(script), "--rate", "3", engines=tone_engines())
    assert code == 1
    assert err == "--rate: 'rate' must be a number from 0.5 to 2.0 (0.85 reads at 85 % speed), not '3'\n"
