"""Publishing: every format carries the same chapters; sidecars, feed and page are read back
by independent readers (ffprobe, mutagen, webvtt-py, srt, feedparser, jsonschema, ElementTree)
and compared with the timeline the audio was laid out by. Titles are hostile throughout."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import html
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from mutagen.flac import Picture
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from scipy.signal import butter, sosfiltfilt

import narrate.master
from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.engines import Engines
from narrate.result import BuildResult
from narrate.series import write_feed
from narrate.testing import ToneEngine

from conftest import REPO, decode, ffprobe, rms_db

HOSTILE = '<script>alert(1)</script> & "Co"'
BASE_URL = "https://example.org/show/"
COVER = REPO / "script" / "escape-route-cover.png"

FIRST = f"""\
---
title: 'Crossing {HOSTILE}'
author: 'Ann & <Bo>'
description: 'A test of "quotes" & <tags>.'
date: 2026-11-20
cover: cover.png
formats: [mp3, m4b, opus]
ambient: none
podcast:
  base_url: {BASE_URL}
  category: Society & Culture/Documentary
  email: host@example.org
  episode: 2
---

# The river at night
from: Hyesan
to: Changbai
coords: 41.39, 128.19
place: Changbai
url: https://example.org/map?leg=1&zoom=5
img: cover.png

They waited by the water until the guard walked on.[^1] Then they crossed, holding hands.

The far bank was mud and reeds.

![A map of the crossing](cover.png)

## On the far bank

- [x] Shoes dry<br>and laced
- [ ] Papers hidden

| Town | Distance |
|---|---|
| Changbai | 1 km |
| Shenyang | 560 km |

[^1]: The guards changed every two hours.

# {HOSTILE}
travel: bus

A long sentence that goes on and on so that the caption has to be broken into several lines of text, because nobody can read a line of two hundred characters at once.

# Arrival

They were safe.
"""

SECOND = """\
---
title: Before the river
author: Ann
date: 2026-11-01
formats: mp3
podcast:
  episode: 1
---

# Waiting

They waited for a week.

# Leaving

Then they left.
"""


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, BuildResult]]:
    """Two episodes built into one output folder, and the feed over both."""
    folder = tmp_path_factory.mktemp("publish")
    shutil.copyfile(COVER, folder / "cover.png")
    (folder / "first.md").write_text(FIRST, encoding="utf-8")
    (folder / "second.md").write_text(SECOND, encoding="utf-8")
    tone = ToneEngine()
    engines = Engines({"piper": tone, "tone": tone})
    out = folder / "site"
    results = {
        name: build(str(folder / f"{name}.md"), BuildOptions(output=str(out), cache_dir=folder / "cache", base_url=BASE_URL), engines)
        for name in ("first", "second")
    }
    write_feed(out, "full", results["first"].show, BASE_URL)
    return out, results


def probe_chapters(path: Path) -> list[tuple[float, float, str]]:
    exe = ffprobe()
    if exe is None:
        pytest.skip("needs Debian's ffprobe as an independent reader")
    raw = subprocess.run([exe, "-v", "error", "-show_chapters", "-of", "json", str(path)], capture_output=True, check=True).stdout
    return [(float(c["start_time"]), float(c["end_time"]), c["tags"]["title"]) for c in json.loads(raw)["chapters"]]


def test_same_chapters_in_mp3_m4b_and_opus(series: tuple[Path, dict[str, BuildResult]]) -> None:
    out, results = series
    tl = results["first"].timeline
    planned = [(c.start_ms / 1000, c.end_ms / 1000, c.title) for c in tl.chapters]
    assert planned[1][2] == HOSTILE
    for name in ("first.mp3", "first.m4b", "first.opus"):
        got = probe_chapters(out / "first" / name)
        assert [t for _, _, t in got] == [t for _, _, t in planned], name
        assert [s for s, _, _ in got] == pytest.approx([s for s, _, _ in planned], abs=0.002), name
        # ends: each chapter ends where the next starts; the last at the end of the audio
        assert [e for _, e, _ in got[:-1]] == pytest.approx([e for _, e, _ in planned[:-1]], abs=0.002), name
        assert got[-1][1] == pytest.approx(tl.duration_ms / 1000, abs=0.1), name


def test_m4b_has_a_chapter_track_and_nero_chapters(series: tuple[Path, dict[str, BuildResult]]) -> None:
    out, results = series
    path = out / "first" / "first.m4b"
    tl = results["first"].timeline
    # Nero 'chpl', as mutagen reads it
    mp4 = MP4(str(path))
    assert [(round(c.start, 3), c.title) for c in mp4.chapters] == [(c.start_ms / 1000, c.title) for c in tl.chapters]
    # the QuickTime chapter track: a text track that ffprobe lists as a stream
    exe = ffprobe()
    if exe is None:
        pytest.skip("needs Debian's ffprobe as an independent reader")
    streams = json.loads(subprocess.run([exe, "-v", "error", "-show_streams", "-of", "json", str(path)],
                                        capture_output=True, check=True).stdout)["streams"]
    assert [s["codec_type"] for s in streams][:1] == ["audio"]
    assert any(s.get("codec_tag_string") == "text" for s in streams)
    # tags and cover
    tags = mp4.tags
    assert tags["\xa9nam"] == [f"Crossing {HOSTILE}"] and tags["\xa9ART"] == ["Ann & <Bo>"]
    assert tags["stik"] == [2]
    assert bytes(tags["covr"][0]) == COVER.read_bytes()
    assert HOSTILE in tags["\xa9lyr"][0]


def test_opus_tags_chapters_and_cover(series: tuple[Path, dict[str, BuildResult]]) -> None:
    out, results = series
    tags = OggOpus(str(out / "first" / "first.opus")).tags
    tl = results["first"].timeline
    assert tags["TITLE"] == [f"Crossing {HOSTILE}"]
    assert tags["CHAPTER002NAME"] == [HOSTILE]
    starts = [tags[f"CHAPTER{n:03d}"][0] for n in range(1, len(tl.chapters) + 1)]
    assert starts[0] == "00:00:00.000"
    ms = tl.chapters[1].start_ms
    assert starts[1] == f"00:00:{ms // 1000:02d}.{ms % 1000:03d}"
    picture = Picture(base64.b64decode(tags["METADATA_BLOCK_PICTURE"][0]))
    assert (picture.mime, picture.type, picture.data) == ("image/png", 3, COVER.read_bytes())


def test_mp3_carries_the_transcript_as_uslt(series: tuple[Path, dict[str, BuildResult]]) -> None:
    out, _ = series
    tags = ID3(str(out / "first" / "first.mp3"))
    (uslt,) = tags.getall("USLT")
    text = uslt.text
    assert text.startswith(f"Crossing {HOSTILE}\nby Ann & <Bo>\n\n1. The river at night\n")
    assert "They waited by the water until the guard walked on⁽¹⁾. Then they crossed, holding hands.\n\nThe far bank" in text
    assert f"\n\n2. {HOSTILE}\nLeg two of three: by bus.\n\n" in text
    chap = tags.getall("CHAP")[0]
    assert chap.sub_frames.getall("WXXX")[0].url == "https://example.org/map?leg=1&zoom=5"


CHAPTERS_SCHEMA = {
    # Podcasting 2.0 JSON chapters, version 1.2.0 (podcastindex-org/podcast-namespace, chapters/jsonChapters.md)
    "type": "object",
    "required": ["version", "chapters"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": "1.2.0"},
        "title": {"type": "string"}, "author": {"type": "string"}, "podcastName": {"type": "string"},
        "waypoints": {"type": "boolean"},
        "chapters": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["startTime"],
                "additionalProperties": False,
                "properties": {
                    "startTime": {"type": "number", "minimum": 0},
                    "endTime": {"type": "number", "minimum": 0},
                    "title": {"type": "string"},
                    "img": {"type": "string", "pattern": "^https?://"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "toc": {"type": "boolean"},
                    "location": {
                        "type": "object",
                        "required": ["name", "geo"],
                        "properties": {"name": {"type": "string"}, "geo": {"type": "string", "pattern": r"^geo:-?\d+(\.\d+)?,-?\d+(\.\d+)?$"}},
                    },
                },
            },
        },
    },
}

TRANSCRIPT_SCHEMA = {
    # Podcasting 2.0 JSON transcript (podcastindex-org/podcast-namespace, transcripts/transcripts.md)
    "type": "object",
    "required": ["version", "segments"],
    "properties": {
        "version": {"const": "1.0.0"},
        "segments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["startTime", "endTime", "body"],
                "properties": {"speaker": {"type": "string"}, "startTime": {"type": "number"},
                               "endTime": {"type": "number"}, "body": {"type": "string"}},
            },
        },
    },
}


def test_chapters_json_validates_and_equals_the_id3_chapters(series: tuple[Path, dict[str, BuildResult]]) -> None:
    import jsonschema

    out, _ = series
    doc = json.loads((out / "first" / "first.chapters.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, CHAPTERS_SCHEMA)
    chaps = sorted(ID3(str(out / "first" / "first.mp3")).getall("CHAP"), key=lambda c: c.start_time)
    assert [(round(c["startTime"] * 1000), round(c["endTime"] * 1000), c["title"]) for c in doc["chapters"]] == [
        (c.start_time, c.end_time, c.sub_frames.getall("TIT2")[0].text[0]) for c in chaps
    ]
    first = doc["chapters"][0]
    assert first["location"] == {"name": "Changbai", "geo": "geo:41.39,128.19"}
    assert first["url"] == "https://example.org/map?leg=1&zoom=5"
    assert first["img"] == BASE_URL + "first/first.chapter-01.png"
    assert (out / "first" / "first.chapter-01.png").read_bytes() == COVER.read_bytes()
    assert "location" not in doc["chapters"][1] and "img" not in doc["chapters"][1]


def _vtt_text(raw: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", raw))  # drop voice spans, then resolve entities


def test_transcripts_follow_the_timeline(series: tuple[Path, dict[str, BuildResult]]) -> None:
    import jsonschema
    import srt
    import webvtt

    out, results = series
    sentences = results["first"].timeline.sentences
    planned = [(s.start_ms, s.end_ms, s.text) for s in sentences]
    assert any(HOSTILE in s.text for s in sentences)

    vtt = webvtt.read(str(out / "first" / "first.vtt"))
    got = [(_ms(c.start), _ms(c.end), _vtt_text(" ".join(c.lines))) for c in vtt]
    assert got == planned
    for cue in vtt:
        for line in cue.lines:
            assert len(_vtt_text(line)) <= 65, line
    assert max(len(c.lines) for c in vtt) >= 3  # the long sentence was broken into lines
    raw = (out / "first" / "first.vtt").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in raw and "\"Co\"" in raw
    assert "<script>" not in raw

    subs = list(srt.parse((out / "first" / "first.srt").read_text(encoding="utf-8")))
    assert [(int(s.start.total_seconds() * 1000 + 0.5), int(s.end.total_seconds() * 1000 + 0.5), " ".join(s.content.split("\n")))
            for s in subs] == planned

    doc = json.loads((out / "first" / "first.transcript.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, TRANSCRIPT_SCHEMA)
    # a segment per word: each sentence's words, in order, inside the sentence
    segments = [(round(x["startTime"] * 1000), round(x["endTime"] * 1000), x["body"]) for x in doc["segments"]]
    for start, end, text in planned:
        mine = [x for x in segments if start <= x[0] < end]
        assert " ".join(b for _, _, b in mine) == " ".join(text.split())
        assert all(a < b <= end for a, b, _ in mine) and all(x[1] <= y[0] for x, y in zip(mine, mine[1:]))
    assert len(segments) == sum(len(s.words) for s in sentences)

    # WebVTT: each word after the cue's start behind its timestamp, in order, before the cue's end
    for cue in vtt:
        stamps = [_ms(t) for t in re.findall(r"<(\d\d:\d\d:\d\d\.\d\d\d)>", cue.raw_text)]
        assert all(_ms(cue.start) < a < _ms(cue.end) for a in stamps) and stamps == sorted(set(stamps))
    assert sum(len(re.findall(r"<\d\d:", c.raw_text)) for c in vtt) >= sum(len(s.words) for s in sentences) - len(vtt)


def _ms(clock: str) -> int:
    h, m, rest = clock.split(":")
    s, ms = rest.split(".")
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def test_transcript_times_match_the_audio(series: tuple[Path, dict[str, BuildResult]]) -> None:
    """The tone engine speaks a 300 Hz tone: it sounds inside every cue and not in the gaps between them."""
    out, results = series
    rate = 44100
    audio = sosfiltfilt(butter(4, [250, 350], "bandpass", fs=rate, output="sos"), decode(out / "first" / "first.mp3", rate))
    sentences = results["first"].timeline.sentences
    for s, after in zip(sentences, sentences[1:]):
        inside = audio[int((s.start_ms + 30) * rate / 1000) : int((s.end_ms - 30) * rate / 1000)]
        assert rms_db(inside) > -40, s.text
        if after.start_ms - s.end_ms >= 200:  # the gap after it
            gap = audio[int((s.end_ms + 60) * rate / 1000) : int((after.start_ms - 60) * rate / 1000)]
            assert rms_db(gap) < rms_db(inside) - 30, s.text


def test_feed_lists_the_series(series: tuple[Path, dict[str, BuildResult]]) -> None:
    import feedparser

    out, results = series
    raw = (out / "feed.xml").read_bytes()
    ET.fromstring(raw)  # well-formed, or this raises
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == f"Crossing {HOSTILE}"
    assert [e.title for e in feed.entries] == [f"Crossing {HOSTILE}", "Before the river"]  # newest first
    for entry, name in zip(feed.entries, ("first", "second")):
        (enclosure,) = entry.enclosures
        path = out / name / f"{name}.mp3"
        assert enclosure.href == f"{BASE_URL}{name}/{name}.mp3"
        assert int(enclosure.length) == path.stat().st_size
        assert enclosure.type == "audio/mpeg"
        assert int(entry.itunes_duration) == round(results[name].timeline.duration_ms / 1000)
    first, second = feed.entries
    assert email.utils.parsedate_to_datetime(first.published) == dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)
    assert first.published == "Fri, 20 Nov 2026 00:00:00 +0000"

    ns = {"podcast": "https://podcastindex.org/namespace/1.0", "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    items = ET.fromstring(raw).findall("channel/item")
    chapters = items[0].find("podcast:chapters", ns)
    assert chapters is not None and chapters.get("url") == BASE_URL + "first/first.chapters.json"
    assert chapters.get("type") == "application/json+chapters"
    transcripts = {t.get("type"): t.get("url") for t in items[0].findall("podcast:transcript", ns)}
    assert transcripts == {
        "text/vtt": BASE_URL + "first/first.vtt",
        "application/x-subrip": BASE_URL + "first/first.srt",
        "application/json": BASE_URL + "first/first.transcript.json",
    }
    alternates = {a.get("type"): (int(a.get("length")), a.find("podcast:source", ns).get("uri"))
                  for a in items[0].findall("podcast:alternateEnclosure", ns)}
    assert alternates == {
        "audio/mp4": ((out / "first" / "first.m4b").stat().st_size, BASE_URL + "first/first.m4b"),
        "audio/ogg; codecs=opus": ((out / "first" / "first.opus").stat().st_size, BASE_URL + "first/first.opus"),
    }
    assert items[0].find("itunes:episode", ns).text == "2"
    category = ET.fromstring(raw).find("channel/itunes:category", ns)
    assert category.get("text") == "Society & Culture" and category.find("itunes:category", ns).get("text") == "Documentary"


def test_the_feed_gives_chapters_to_apps_that_read_only_the_feed(series: tuple[Path, dict[str, BuildResult]]) -> None:
    """Podlove Simple Chapters, read by gPodder's own parser; and a 00:00 line per chapter in the description."""
    import podcastparser

    out, results = series
    with (out / "feed.xml").open("rb") as fh:
        parsed = podcastparser.parse(BASE_URL + "feed.xml", fh)
    by_title = {e["title"]: e for e in parsed["episodes"]}
    for name, title in (("first", f"Crossing {HOSTILE}"), ("second", "Before the river")):
        chapters = results[name].timeline.chapters
        got = by_title[title]["chapters"]
        assert [c["title"] for c in got] == [c.title for c in chapters]
        assert [c["start"] for c in got] == [c.start_ms // 1000 for c in chapters]  # it keeps whole seconds
        assert got[0]["start"] == 0
        lines = by_title[title]["description"].splitlines()
        stamps = lines[lines.index("") + 1:] if "" in lines else []
        # podcastparser reads a description as HTML, and drops what looks like a tag
        shown = [re.sub(r"<[^>]*>", "", c.title) for c in chapters]
        assert stamps == [f"{c.start_ms // 60000:02d}:{c.start_ms // 1000 % 60:02d} {t}" for c, t in zip(chapters, shown)]
        assert stamps[0].startswith("00:00 ")


def test_description_timestamps_have_hours_in_a_long_episode() -> None:
    from narrate.export.feed import described
    from narrate.record import ChapterRecord

    chapters = [ChapterRecord(1, "Start", {}, 1, 0, 10, ""), ChapterRecord(2, "Later", {}, 9, 3_725_400, 3_800_000, "")]
    assert described("About it.", chapters, 3_800_000) == "About it.\n\n00:00:00 Start\n01:02:05 Later"
    assert described("About it.", chapters[:1], 59_000) == "About it.\n\n00:00 Start"
    assert described("About it.", [], 59_000) == "About it."


def test_guid_and_pubdate_stay_the_same_across_rebuilds(series: tuple[Path, dict[str, BuildResult]], tmp_path: Path) -> None:
    out, results = series
    before = json.loads((out / "second" / "second.manifest.json").read_text())["publish"]
    tone = ToneEngine()
    script = Path(results["second"].manifest).parents[2] / "second.md"
    build(str(script), BuildOptions(output=str(out), cache_dir=tmp_path / "cache", base_url=BASE_URL), Engines({"piper": tone, "tone": tone}))
    after = json.loads((out / "second" / "second.manifest.json").read_text())["publish"]
    assert (after["guid"], after["pub_date"]) == (before["guid"], before["pub_date"])
    feed = write_feed(out, "full", results["first"].show, BASE_URL)
    path, count = feed.path, feed.episodes
    feed = path.read_bytes()
    assert count == 2
    assert feed.count(before["guid"].encode()) == 1 and feed.count(b"<item>") == 2


def test_a_second_build_from_nothing_writes_the_same_bytes_in_every_format(
        series: tuple[Path, dict[str, BuildResult]], tmp_path: Path) -> None:
    """Built again into another folder, from an empty cache: the MP3, the M4B and the Opus are the same files,
    byte for byte (no time of day, random serial number or encoder state in any of them)."""
    out, results = series
    shutil.copyfile(COVER, tmp_path / "cover.png")
    (tmp_path / "first.md").write_text(FIRST, encoding="utf-8")
    tone = ToneEngine()
    build(str(tmp_path / "first.md"), BuildOptions(output=str(tmp_path / "site"), cache_dir=tmp_path / "cache",
                                                  base_url=BASE_URL), Engines({"piper": tone, "tone": tone}))
    for ext in ("mp3", "m4b", "opus"):
        first, again = out / "first" / f"first.{ext}", tmp_path / "site" / "first" / f"first.{ext}"
        assert first.read_bytes() == again.read_bytes(), ext
    assert OggOpus(str(out / "first" / "first.opus")).info.length > 5  # a real file, read by mutagen


def test_series_from_a_folder_makes_one_feed(tmp_path: Path, tone_engines: Engines, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from narrate.cli import Session, cli

    folder = tmp_path / "script"
    folder.mkdir()
    (folder / "a.md").write_text(SECOND.replace("Before the river", "Part one"), encoding="utf-8")
    (folder / "b.md").write_text(SECOND.replace("Before the river", "Part two").replace("2026-11-01", "2026-11-08"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(folder), "-o", str(tmp_path / "site"), "--cache-dir", str(tmp_path / "c"),
                                      "--base-url", "https://example.org/s"], obj=Session(tone_engines))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"feed: {tmp_path}/site/feed.xml (2 episodes, at https://example.org/s/feed.xml)"
    root = ET.parse(tmp_path / "site" / "feed.xml").getroot()
    assert [i.findtext("title") for i in root.findall("channel/item")] == ["Part two", "Part one"]
    assert [i.find("enclosure").get("url") for i in root.findall("channel/item")] == [
        "https://example.org/s/b/b.mp3", "https://example.org/s/a/a.mp3"]


def test_series_scripts_must_agree_on_base_url(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from narrate.cli import cli

    a = tmp_path / "a.md"
    b = tmp_path / "b.md"
    a.write_text("---\ntitle: A\npodcast:\n  base_url: https://one.example/\n---\n# One\nHi.\n", encoding="utf-8")
    b.write_text("---\ntitle: B\npodcast:\n  base_url: https://two.example/\n---\n# One\nHi.\n", encoding="utf-8")
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(cli, ["build", str(a), str(b), "-o", str(tmp_path / "site")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{b}:4: podcast 'base_url' is 'https://two.example/' here but 'https://one.example/' in {a}; "
        "a series is published at one address (or give --base-url)\n"
    )
    assert not (tmp_path / "site").exists()


# The web page, in a real headless Chromium (Debian's, driven by Playwright).

@pytest.fixture
def episode_page(series: tuple[Path, dict[str, BuildResult]], browser):  # type: ignore[no-untyped-def]
    out, _ = series
    page = browser.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((out / "first" / "index.html").as_uri())
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)
    yield page, requests, dialogs
    page.close()


def chapter_starts(out: Path) -> list[float]:
    doc = json.loads((out / "first" / "first.chapters.json").read_text(encoding="utf-8"))
    return [c["startTime"] for c in doc["chapters"]]


def test_page_clicking_the_third_chapter_seeks_to_it(series, episode_page) -> None:  # type: ignore[no-untyped-def]
    out, _ = series
    page, requests, dialogs = episode_page
    page.locator("#chapters button").nth(2).click()
    t = page.evaluate("(() => { const a = document.getElementById('player'); a.pause(); return a.currentTime; })()")
    assert t == pytest.approx(chapter_starts(out)[2], abs=0.3)
    assert page.locator("#chapters button[aria-current=true]").get_attribute("data-number") == "3"
    assert page.locator("#now-playing").inner_text() == "Chapter 3 of 3: Arrival"


def test_page_works_from_the_keyboard(series, episode_page) -> None:  # type: ignore[no-untyped-def]
    out, _ = series
    page, _, _ = episode_page
    for _ in range(40):  # Tab through the page to the second chapter's button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.number") == "2":
            break
    else:
        pytest.fail("the second chapter's button cannot be reached with Tab")
    page.keyboard.press("Enter")
    t = page.evaluate("(() => { const a = document.getElementById('player'); a.pause(); return a.currentTime; })()")
    assert t == pytest.approx(chapter_starts(out)[1], abs=0.3)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # chapter 1
    t = page.evaluate("(() => { const a = document.getElementById('player'); a.pause(); return a.currentTime; })()")
    assert t == pytest.approx(chapter_starts(out)[0], abs=0.3)


def test_page_highlights_the_sentence_being_read(series, episode_page) -> None:  # type: ignore[no-untyped-def]
    _, results = series
    page, _, _ = episode_page
    for s in [x for x in results["first"].timeline.sentences if x.role == "text"]:
        middle = (s.start_ms + s.end_ms) / 2000
        page.evaluate(f"document.getElementById('player').currentTime = {middle}")
        page.wait_for_function(
            "(start) => { const s = document.querySelector('.s.current'); return s !== null && s.dataset.start === start; }",
            arg=f"{s.start_ms / 1000:.3f}",
        )
        current = page.locator(".s.current")
        assert current.inner_text() == s.text
        assert current.get_attribute("aria-current") == "true"


def test_page_marks_each_word_as_it_is_said(series, episode_page) -> None:  # type: ignore[no-untyped-def]
    """After a seek, and while the audio plays: one word marked, the one being said; nothing a screen reader is told
    of, and the focus left where it was."""
    _, results = series
    page, _, _ = episode_page
    s = next(x for x in results["first"].timeline.sentences if x.role == "text" and len(x.words) >= 6)
    now = "(start) => { const w = document.querySelectorAll('.w.now'); return w.length === 1 && w[0].dataset.start === start; }"
    for w in s.words[:3]:  # paused, after a seek
        page.evaluate(f"document.getElementById('player').currentTime = {(w.start_ms + w.end_ms) / 2000}")
        page.wait_for_function(now, arg=f"{w.start_ms / 1000:.3f}")
        assert page.locator(".w.now").inner_text() == w.text
    focused = page.evaluate("document.activeElement.tagName")
    page.evaluate(f"(() => {{ const a = document.getElementById('player'); a.muted = true; "
                  f"a.currentTime = {s.words[0].start_ms / 1000}; a.play(); }})()")
    page.wait_for_function(now, arg=f"{s.words[-2].start_ms / 1000:.3f}", timeout=15000)  # on its own, as it plays
    assert page.evaluate("document.querySelectorAll('.w[aria-current], .w[aria-live], .w[role]').length") == 0
    assert page.evaluate("document.activeElement.tagName") == focused
    page.evaluate("document.getElementById('player').pause()")


def test_page_makes_no_network_request_and_shows_titles_as_text(series, episode_page) -> None:  # type: ignore[no-untyped-def]
    out, _ = series
    page, requests, dialogs = episode_page
    page.locator("#chapters button").nth(1).click()
    page.wait_for_timeout(300)
    folder = (out / "first").as_uri() + "/"
    assert requests and all(r.startswith(folder) for r in requests), requests
    assert dialogs == []  # the hostile title ran no script
    assert page.evaluate("document.scripts.length") == 1
    assert page.locator("#chapters button").nth(1).locator("span").first.inner_text() == f"2. {HOSTILE}"
    assert page.locator("h1").inner_text() == f"Crossing {HOSTILE}"
    assert page.locator("#transcript h3").nth(1).inner_text() == f"2. {HOSTILE}"
    # a sub-heading is a heading in the transcript too, and a task list's boxes show as boxes
    assert page.locator("#transcript h4").all_inner_texts() == ["On the far bank", "Notes"]
    assert page.locator("#transcript p", has_text="mud and reeds").inner_text() == (
        "The far bank was mud and reeds ⟨Image: A map of the crossing⟩.")  # shown, not read
    assert page.locator("#transcript p", has_text="guards changed").inner_text() == "⁽¹⁾ The guards changed every two hours."
    assert page.locator("#transcript p", has_text="Papers hidden").inner_text() == "☐ Papers hidden"
    # a table is a table: its columns as header cells, each row named by its first cell
    table = page.locator("#transcript table")
    assert table.locator("caption").inner_text() == "A table: Town and Distance."
    assert table.locator("thead th[scope=col]").all_inner_texts() == ["Town", "Distance"]
    assert table.locator("tbody th[scope=row]").all_inner_texts() == ["Changbai", "Shenyang"]
    assert table.locator("tbody td").all_inner_texts() == ["1 km", "560 km"]


def test_page_passes_axe(episode_page) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    page, _, _ = episode_page
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # and, in so many words: no control without an accessible name
    unnamed = page.evaluate("""Array.from(document.querySelectorAll('button, input, audio, a[href], select, textarea'))
        .filter((el) => !(el.getAttribute('aria-label') || el.labels?.length || el.textContent.trim()
                          || el.getAttribute('aria-labelledby'))).map((el) => el.outerHTML)""")
    assert unnamed == []


def test_a_format_that_misses_is_encoded_again_from_the_same_mix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the Opus codec made the episode 2 LU louder: the Opus file alone is encoded again 2 dB down."""
    from narrate.meter import Measurement, measure_file

    calls: list[str] = []

    def codec_too_loud(path: str, seconds: float | None = None) -> Measurement:
        m = measure_file(path, seconds)
        if path.endswith(".opus") and not any(c.endswith(".opus") for c in calls):
            m = Measurement(m.integrated_lufs + 2.0, m.true_peak_dbtp - 1.0, m.loudness_range_lu)  # louder, peaks still fine
        calls.append(path)
        return m

    monkeypatch.setattr(narrate.master, "measure_file", codec_too_loud)  # a codec's fault, injected
    (tmp_path / "s.md").write_text(SECOND, encoding="utf-8")
    tone = ToneEngine()
    logged: list[str] = []
    result = build(str(tmp_path / "s.md"), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache", formats=("mp3", "opus")), Engines({"piper": tone, "tone": tone}), BuildHooks(log=logged.append))
    m = re.fullmatch(r"  opus: (-1[34]\.\d) LUFS, -\d+\.\d dBTP after encoding: encoding again (-\d\.\d) dB", logged[0])
    assert m and float(m[2]) == pytest.approx(-16 - float(m[1]), abs=0.11)
    # the pretended 2 LU were never there, so the file really is 2 LU under the target now, and says so
    opus = measure_file(str(result.outputs["opus"]))
    assert opus.integrated_lufs == pytest.approx(-18.0, abs=0.3)
    assert logged[1] == (f"  opus: still {opus.integrated_lufs:.1f} LUFS, {opus.true_peak_dbtp:.1f} dBTP "
                         "after one correction; see the build record")
    assert result.loudness.by_format["opus"].integrated_lufs == pytest.approx(opus.integrated_lufs, abs=0.01)
    starts = [[(round(s, 2), t) for s, _, t in probe_chapters(result.outputs[f])] for f in ("opus", "mp3")]
    assert starts[0] == starts[1]  # the new Opus file is tagged with its chapters too


def test_sub_headings_are_kept_as_structure(series) -> None:  # type: ignore[no-untyped-def]
    """A '##' heading is read apart (a longer pause before it) and recorded with its level and time,
    for the talking books' navigation; a task list's boxes are read as words."""
    out, results = series
    record = json.loads(results["first"].manifest.read_text(encoding="utf-8"))
    heading = next(s for s in record["sentences"] if s["role"] == "h2")
    assert (heading["text"], heading["spoken"], heading["chapter"]) == ("On the far bank", "On the far bank", 1)
    before = record["sentences"][record["sentences"].index(heading) - 1]
    assert heading["start_ms"] - before["end_ms"] >= 1100  # BEFORE_HEADING, not a paragraph gap
    spoken = [s["spoken"] for s in record["sentences"]]
    assert "Done. Shoes dry" in spoken and "To do. Papers hidden" in spoken and "and laced" in spoken
    # a table is read row by row, after its columns, and never as pipes
    assert spoken[spoken.index("A table: Town and Distance."):][:3] == [
        "A table: Town and Distance.", "Changbai: one kilometre.", "Shenyang: five hundred and sixty kilometres."]
    assert "One: The guards changed every two hours." in spoken and "until the guard walked on." in " ".join(spoken)
    body = [s["spoken"] for s in record["sentences"] if s["chapter"] == 1 and s["role"] not in ("intro", "title", "leg")]
    assert not [s for s in body if "|" in s or "[" in s or "<" in s]


def test_a_location_is_named_by_place_else_by_the_chapter_title() -> None:
    """A leg's 'to' is often not where its coordinates are (the demo's first leg: Shenyang, bound for Seoul)."""
    from narrate.export.sidecars import chapters_json
    from narrate.plan import plan_episode
    from narrate.script import parse_script
    from narrate.testing import tone_engines
    from narrate.timeline import ChapterTime, Timeline

    text = ("---\ntitle: T\n---\n# The flight\nfrom: Shenyang\nto: Seoul\ncoords: 41.80, 123.43\nplace: Shenyang\n\nHi.\n\n"
            "# Onwards\nto: Seoul\ncoords: 13.75, 100.50\n\nBye.\n")
    plan = plan_episode(parse_script(text, "s.md"), tone_engines())
    timeline = Timeline(2000, (ChapterTime(1, "The flight", 4, 0, 1000), ChapterTime(2, "Onwards", 12, 1000, 2000)), ())
    doc = chapters_json(plan, timeline)
    got = [c["location"] for c in doc["chapters"]]
    assert got == [{"name": "Shenyang", "geo": "geo:41.8,123.43"}, {"name": "Onwards", "geo": "geo:13.75,100.5"}]
    assert doc["waypoints"] is True  # apps may draw the legs as a route


def test_chapter_locations_keep_seven_decimals_and_without_them_there_are_no_waypoints() -> None:
    from narrate.export.sidecars import chapters_json, degrees
    from narrate.plan import plan_episode
    from narrate.script import parse_script
    from narrate.testing import tone_engines
    from narrate.timeline import ChapterTime, Timeline

    assert [degrees(v) for v in (151.215297, -33.8567844, 41.0, -0.00000004, 12.123456789)] == [
        "151.215297", "-33.8567844", "41", "0", "12.1234568"]
    text = "---\ntitle: T\n---\n# Sydney\ncoords: -33.8567844, 151.215297\n\nHi.\n\n# Nowhere\n\nBye.\n"
    plan = plan_episode(parse_script(text, "s.md"), tone_engines())
    timeline = Timeline(2000, (ChapterTime(1, "Sydney", 4, 0, 1000), ChapterTime(2, "Nowhere", 9, 1000, 2000)), ())
    doc = chapters_json(plan, timeline)
    assert doc["chapters"][0]["location"] == {"name": "Sydney", "geo": "geo:-33.8567844,151.215297"}
    assert doc["waypoints"] is True
    plain = plan_episode(parse_script("---\ntitle: T\n---\n# Nowhere\n\nBye.\n", "s.md"), tone_engines())
    assert "waypoints" not in chapters_json(plain, Timeline(1000, (ChapterTime(1, "Nowhere", 4, 0, 1000),), ()))


def test_a_page_in_french_speaks_french_to_its_reader(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    """Its headings, buttons and the line that says which chapter is playing are the script's language's."""
    from narrate.testing import tone_engines

    script = tmp_path / "fr.md"
    script.write_text("---\ntitle: Deux rivières\nauthor: A. Auteur\nlanguage: fr\nvoice: {engine: tone}\n---\n"
                      "# Un\nIls sont partis.\n\n# Deux\nIls sont arrivés.\n", encoding="utf-8")
    build(str(script), BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache"), tone_engines())
    page = browser.new_page()
    page.goto((tmp_path / "out" / "fr" / "index.html").as_uri())
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h2").all_inner_texts() == ["Écouter", "Chapitres", "Transcription", "Téléchargements"]
    assert page.locator(".controls button").all_inner_texts() == [
        "Chapitre précédent", "Reculer de 15 secondes", "Lire", "Avancer de 30 secondes", "Chapitre suivant"]
    page.locator("#chapters button").nth(1).click()
    page.evaluate("document.getElementById('player').pause()")
    assert page.locator("#now-playing").inner_text() == "Chapitre 2 sur 2 : Deux"
    assert page.locator("p.by").first.inner_text() == "par A. Auteur"
    page.close()
