"""The script parser and planner: golden plans, and one exact message per kind of bad input."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.engines import Engines
from narrate.errors import NarrateError, ScriptError
from narrate.plan import Cue, Silence, plan_episode
from narrate.script import Paragraph, Pause, VoiceSettings, parse_script, read_script_text

from conftest import DEMO

GOLDEN = Path(__file__).parent / "golden"


def plan_as_json(path: Path, engines: Engines) -> dict:
    text = path.read_text(encoding="utf-8")
    plan = plan_episode(parse_script(text, path.name), engines)
    meta = dataclasses.asdict(plan.meta)
    meta.pop("lines")
    meta["date"] = str(meta["date"])
    chapters = []
    for c in plan.chapters:
        settings = dataclasses.asdict(c.settings)
        settings.pop("lines")
        items = [
            {"silence": i.seconds, "line": i.line, "explicit": i.explicit}
            if isinstance(i, Silence)
            else {"cue": i.kind, "line": i.line}
            if isinstance(i, Cue)
            else {"say": i.text, "source": i.source, "line": i.line, "role": i.role, "speaker": i.speaker,
                  "speed": i.voice.setting("speed")}
            for i in c.items
        ]
        chapters.append({"number": c.number, "title": c.title, "line": c.line, "settings": settings, "items": items})
    return json.loads(json.dumps({"meta": meta, "chapters": chapters}))


@pytest.mark.parametrize("name", ["features", "minimal"])
def test_plan_matches_golden(name: str, tone_engines: Engines) -> None:
    got = plan_as_json(GOLDEN / f"{name}.md", tone_engines)
    golden = GOLDEN / f"{name}.plan.json"
    if os.environ.get("NARRATE_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_blocks_keep_their_lines() -> None:
    script = parse_script((GOLDEN / "features.md").read_text(encoding="utf-8"), "features.md")
    first = script.chapters[0]
    kinds = [(type(b).__name__, b.line) for b in first.blocks]
    assert kinds == [
        ("Paragraph", 22), ("Paragraph", 25), ("Paragraph", 27), ("Pause", 29),
        ("Paragraph", 31), ("Pause", 31), ("Paragraph", 31), ("Pause", 34),
        ("Heading", 36), ("Paragraph", 38), ("Paragraph", 39),
    ]
    assert first.blocks[1] == Paragraph("Every step was dangerous. We paid US$2,000.", 25, "Ji")
    assert first.blocks[3] == Pause(2.5, 29)
    assert first.settings.coords == (41.39, 128.19)
    assert first.settings.origin == "Hyesan" and first.settings.destination == "Changbai"


def test_prose_directly_under_a_heading_is_text() -> None:
    script = parse_script("---\ntitle: T\n---\n# One\nNote: this is prose.\n", "s.md")
    assert script.chapters[0].blocks == (Paragraph("Note: this is prose.", 5),)


def test_dataclasses_are_frozen() -> None:
    script = parse_script((GOLDEN / "minimal.md").read_text(encoding="utf-8"), "minimal.md")
    with pytest.raises(dataclasses.FrozenInstanceError):
        script.chapters[0].title = "x"  # type: ignore[misc]


BROKEN = [
    ("no front matter", "# One\nHello.\n", "s.md:1: missing front matter: the script must start with a '---' line, then YAML with at least 'title:', then another '---' line"),
    ("unclosed", "---\ntitle: T\n# One\nHello.\n", "s.md:1: front matter is never closed: add a '---' line after it"),
    ("bad yaml", "---\ntitle: T\nauthor: [unclosed\n---\n# One\nHi.\n", "s.md:3: invalid front matter: expected ',' or ']', but got '<stream end>'"),
    ("no title", "---\nauthor: A\n---\n# One\nHi.\n", "s.md:1: front matter has no 'title:'; add one"),
    ("unknown key", "---\ntitle: T\ncolour: red\n---\n# One\nHi.\n", "s.md:3: unknown front-matter setting 'colour' (known: title, author, album, description, language, date, cover, voice, pronunciations, speakers, ambient, mix, formats, rate, podcast, tasks, links, emoji, images, lists, footnotes, strikethrough, pace)"),
    ("typo key", "---\ntitle: T\nauthr: A\n---\n# One\nHi.\n", "s.md:3: unknown front-matter setting 'authr' (did you mean 'author'?) (known: title, author, album, description, language, date, cover, voice, pronunciations, speakers, ambient, mix, formats, rate, podcast, tasks, links, emoji, images, lists, footnotes, strikethrough, pace)"),
    ("bad format", "---\ntitle: T\nformats: [mp3, flac]\n---\n# One\nHi.\n", "s.md:3: unknown format 'flac' (known: mp3, m4b, opus, daisy, epub, walk)"),
    ("formats not a list", "---\ntitle: T\nformats: 3\n---\n# One\nHi.\n", "s.md:3: 'formats' must be a list of formats (mp3, m4b, opus, daisy, epub, walk), e.g. 'mp3, m4b'"),
    ("podcast not a mapping", "---\ntitle: T\npodcast: yes\n---\n# One\nHi.\n", "s.md:3: 'podcast' must be a mapping of settings (base_url, title, description, category, explicit, email, type, episode, season, guid)"),
    ("podcast typo", "---\ntitle: T\npodcast:\n  base_ulr: x\n---\n# One\nHi.\n", "s.md:4: unknown podcast setting 'base_ulr' (did you mean 'base_url'?) (known: base_url, title, description, category, explicit, email, type, episode, season, guid)"),
    ("base_url not a URL", "---\ntitle: T\npodcast:\n  base_url: example.org/pod\n---\n# One\nHi.\n", "s.md:4: 'base_url' must be the http(s) address the output folder is served from, e.g. 'https://example.org/podcast/', not 'example.org/pod'"),
    ("episode not a number", "---\ntitle: T\npodcast:\n  episode: two\n---\n# One\nHi.\n", "s.md:4: podcast 'episode' must be a whole number from 1, not 'two'"),
    ("explicit not a bool", "---\ntitle: T\npodcast:\n  explicit: maybe\n---\n# One\nHi.\n", "s.md:4: podcast 'explicit' must be true or false, not 'maybe'"),
    ("bad email", "---\ntitle: T\npodcast:\n  email: nobody\n---\n# One\nHi.\n", "s.md:4: podcast 'email' must be an e-mail address, not 'nobody'"),
    ("empty title", "---\nauthor: A\ntitle:\n---\n# One\nHi.\n", "s.md:3: 'title' is empty"),
    ("front matter not a mapping", "---\n- a\n- b\n---\n# One\nHi.\n", "s.md:2: invalid front matter: expected 'key: value' lines"),
    ("empty file", "", "s.md:1: missing front matter: the script must start with a '---' line, then YAML with at least 'title:', then another '---' line"),
    ("bad date", "---\ntitle: T\ndate: soon\n---\n# One\nHi.\n", "s.md:3: 'date' must be a date like 2026-11-25, not 'soon'"),
    ("impossible date", "---\ntitle: T\ndate: 2026-02-30\n---\n# One\nHi.\n", "s.md:3: 'date' 2026-02-30 is not a day of the calendar: February 2026 has 28 days"),
    ("no month 13", "---\ntitle: T\nauthor: A\ndate: 2026-13-01\n---\n# One\nHi.\n", "s.md:4: 'date' 2026-13-01 has no month 13: months run from 01 to 12"),
    ("impossible date and time", "---\ntitle: T\ndate: 2026-04-31T10:00:00Z\n---\n# One\nHi.\n", "s.md:3: 'date' 2026-04-31T10:00:00Z is not a day of the calendar: April 2026 has 30 days"),
    ("year 0", "---\ntitle: T\ndate: 0000-01-01\n---\n# One\nHi.\n", "s.md:3: 'date' 0000-01-01 has no year 0: years run from 0001"),
    ("quotes nested too deep", "---\ntitle: T\n---\n# One\nHi.\n\n" + ">" * 5000 + " Lost.\n", "s.md:7: quotes and lists are nested too deep here (more than 19 levels, a list counting two): Markdown drops the text inside; nest them less deeply"),
    ("lists nested too deep", "---\ntitle: T\n---\n# One\nHi.\n\n" + "".join("  " * i + f"- item {i}\n" for i in range(12)), "s.md:16: quotes and lists are nested too deep here (more than 19 levels, a list counting two): Markdown drops the text inside; nest them less deeply"),
    ("unclosed phonemes", "---\ntitle: T\n---\n# One\nHi.\n\nWe reached [[hjˈʌsɑn]] and\n[[hjˈʌsɑn at dawn.\n", "s.md:8: '[[hjˈʌsɑn' opens phonemes with '[[' and they are never closed: end them with ']]' on the same line, e.g. [[ˈhjʌsɐn]]"),
    ("unclosed phonemes in a title", "---\ntitle: T\n---\n# Over [[ab\nHi.\n", "s.md:4: '[[ab' opens phonemes with '[[' and they are never closed: end them with ']]' on the same line, e.g. [[ˈhjʌsɐn]]"),
    ("unclosed phonemes in a pronunciation", "---\ntitle: T\npronunciations:\n  Hyesan: '[[hjˈʌsɑn'\n---\n# One\nHi.\n", "s.md:4: pronunciation of 'Hyesan' opens phonemes with '[[' and never closes them: write the whole value as [[phonemes]], e.g. '[[ˈhjʌsɐn]]'"),
    ("a key twice", "---\ntitle: A\nauthor: B\ntitle: C\n---\n# One\nHi.\n", "s.md:4: 'title' is given twice, here and on line 2: keep one"),
    ("a nested key twice", "---\ntitle: T\nmix:\n  fade: 2\n  fade: 3\n---\n# One\nHi.\n", "s.md:5: 'mix.fade' is given twice, here and on line 4: keep one"),
    ("a control character by YAML's escape", "---\ntitle: \"T\\0\"\n---\n# One\nHi.\n", "s.md:2: a control character (U+0000) in 'title', which can be neither shown nor spoken: remove it"),
    ("YAML aliases", "---\ntitle: T\nx0: &x0 [a, a, a]\nx1: [*x0, *x0, *x0]\n---\n# One\nHi.\n", "s.md:4: '*x0' repeats a value by its anchor: front matter takes plain values; write it out"),
    ("a comment never closed", "---\ntitle: T\n---\n# One\nHi.\n\n<!-- a note\n\n# Two\nLost.\n", "s.md:7: a comment is opened with '<!--' and never closed: end it with '-->' (all after it would be left out)"),
    ("a comment never closed, in a paragraph", "---\ntitle: T\n---\n# One\nHi.\nThen <!-- a note\n", "s.md:6: a comment is opened with '<!--' and never closed: end it with '-->' (all after it would be left out)"),
    ("seven hashes", "---\ntitle: T\n---\n# One\nHi.\n\n####### Deeper\n", "s.md:7: '#######' is not a heading: Markdown has six levels, from # to ######"),
    ("a script's address as a chapter url", "---\ntitle: T\n---\n# One\nurl: javascript:alert(1)\n\nHi.\n", "s.md:5: 'url' must be a web address starting with http:// or https://, not 'javascript:alert(1)'"),
    ("an empty footnote", "---\ntitle: T\n---\n# One\nHi.[^1]\n\n[^1]:\n", "s.md:5: footnote 1 has no text: write the note after its '[^…]:'"),
    ("bad voice key", "---\ntitle: T\nvoice:\n  pitch: 3\n---\n# One\nHi.\n", "s.md:4: unknown voice setting 'pitch' (known: engine, name, model, speed, lang, tld)"),
    ("bad speed", "---\ntitle: T\nvoice:\n  speed: 9\n---\n# One\nHi.\n", "s.md:4: 'speed' must be a number from 0.5 to 2.0, not '9'"),
    ("text first", "---\ntitle: T\n---\nHello.\n# One\nHi.\n", "s.md:4: text before the first chapter: start each leg with a level-1 heading ('# Title') and put episode details in the front matter"),
    ("no chapters", "---\ntitle: T\n---\n<!-- nothing -->\n", "s.md:4: the script has no chapters: start each leg with a level-1 heading ('# Title')"),
    ("empty chapter", "---\ntitle: T\n---\n# One\nHi.\n\n# Two\n[pause 2s]\n", "s.md:7: chapter 'Two' has no text to narrate"),
    ("unknown setting", "---\ntitle: T\n---\n# One\nambiant: rain\n\nHi.\n", "s.md:5: unknown chapter setting 'ambiant' (did you mean 'ambient'?) (known: ambient, from, to, coords, place, travel, distance, url, img, language, radius, route, zone, bearing, directions, pace)"),
    ("bad coords", "---\ntitle: T\n---\n# One\ncoords: north\n\nHi.\n", "s.md:5: 'coords' must be 'latitude, longitude' in degrees, e.g. '41.39, 128.19', not 'north'"),
    ("setting then prose", "---\ntitle: T\n---\n# One\nfrom: A\nThey left.\n", "s.md:6: 'They left.' is not a 'key: value' setting; chapter settings go directly under the heading, and the text starts after a blank line"),
    ("unknown speaker", "---\ntitle: T\n---\n# One\n> **Jo:** Hi.\n", "s.md:5: unknown speaker 'Jo': declare it under 'speakers:' in the front matter (known: none declared)"),
    ("typo directive", "---\ntitle: T\n---\n# One\nHi.\n\n[pasue 2s]\n", "s.md:7: unknown directive '[pasue 2s]' (did you mean 'pause'?) (known: [pause], [pause 2s], [pause 500ms])"),
    ("long pause", "---\ntitle: T\n---\n# One\nHi. [pause 90s]\n", "s.md:5: pause of 90s is out of range (more than 0, at most 60s)"),
    ("code block", "---\ntitle: T\n---\n# One\nHi.\n\n```\ncode\n```\n", "s.md:7: code blocks are not narrated: remove the block, or wrap it in <!-- -->"),
    ("raw html", "---\ntitle: T\n---\n# One\nHi.\n\n<div>x</div>\n", "s.md:7: raw HTML is not narrated: remove it, or wrap notes in <!-- -->"),
]


@pytest.mark.parametrize("case, text, message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_scripts_give_one_exact_message(case: str, text: str, message: str) -> None:
    with pytest.raises(ScriptError) as err:
        parse_script(text, "s.md")
    assert err.value.format_message() == message


def test_non_utf8_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.md"
    path.write_bytes(b"---\ntitle: T\n---\n# One\nCaf\xe9 au lait.\n")
    with pytest.raises(ScriptError) as err:
        read_script_text(str(path))
    assert err.value.format_message() == f"{path}:5: not valid UTF-8 (byte 0xe9 at column 4); save the script with UTF-8 encoding"


def test_unknown_engine_names_the_choices(tone_engines: Engines) -> None:
    script = parse_script("---\ntitle: T\nvoice:\n  engine: festival\n---\n# One\nHi.\n", "s.md")
    with pytest.raises(NarrateError) as err:
        plan_episode(script, tone_engines)
    assert err.value.format_message() == "s.md:3: unknown engine 'festival': choose one of espeak, gtts, hibari, kokoro, pico, piper, tone"


def test_unknown_piper_voice(piper_engines: Engines) -> None:
    script = parse_script("---\ntitle: T\nvoice: {engine: piper, name: jane}\n---\n# One\nHi.\n", "s.md")
    with pytest.raises(NarrateError) as err:
        plan_episode(script, piper_engines)
    assert err.value.format_message() == (
        "s.md:3: unknown piper voice 'jane': use 'joe' (bundled) or the path of a Piper .onnx voice file, relative to the script"
    )
    script = parse_script("---\ntitle: T\nvoice: jane\n---\n# One\nHi.\n", "s.md")  # no engine tells it by its form
    with pytest.raises(NarrateError) as err:
        plan_episode(script, piper_engines)
    assert err.value.format_message() == (
        "s.md:3: unknown hibari voice 'jane': choose one of heart, or a voice of another engine ('narrate voices' "
        "lists them)")


@pytest.mark.parametrize("front, body, message", [
    ("voice: joe\npronunciations:\n  Hyesan: '[[☃hjʌsɐn]]'\n", "We reached Hyesan.", "s.md:5: pronunciation of 'Hyesan' uses symbols the piper voice joe (bundled) does not know: '☃' (U+2603); use the voice's own IPA, as 'narrate check --say' shows it for a word that sounds alike"),
    ("voice: joe\npronunciations:\n  Hyesan: {phonemes: 'hj✓ʌs☃n', say: Heh-sahn}\n", "Hi.\n\nWe reached Hyesan.", "s.md:5: pronunciation of 'Hyesan' uses symbols the piper voice joe (bundled) does not know: '☃' (U+2603), '✓' (U+2713); use the voice's own IPA, as 'narrate check --say' shows it for a word that sounds alike"),
    ("voice: joe\n", "Hi.\n\nWe reached [[hjˈʌs☃n]].", "s.md:8: phonemes [[hjˈʌs☃n]] use symbols the piper voice joe (bundled) does not know: '☃' (U+2603); use the voice's own IPA, as 'narrate check --say' shows it for a word that sounds alike"),
])
def test_phonemes_the_voice_does_not_know(front: str, body: str, message: str, piper_engines: Engines) -> None:
    script = parse_script(f"---\ntitle: T\n{front}---\n# One\n{body}\n", "s.md")
    with pytest.raises(NarrateError) as err:
        plan_episode(script, piper_engines)
    assert err.value.format_message() == message


def test_phonemes_the_voice_knows_plan_as_written(piper_engines: Engines) -> None:
    script = parse_script("---\ntitle: T\nvoice: joe\npronunciations:\n  Hyesan: '[[hjˈʌsɐn]]'\n---\n# One\n"
                          "Hyesan, then [[sˈoʊl]].\n", "s.md")
    plan = plan_episode(script, piper_engines)
    assert [s.text for s in plan.speeches() if s.role == "text"] == ["[[hjˈʌsɐn]], then [[sˈoʊl]]."]


def test_demo_script_shape() -> None:
    script = parse_script(DEMO.read_text(encoding="utf-8"), str(DEMO))
    assert 7 <= len(script.chapters) <= 9
    names = dict(script.meta.pronunciations)
    for name in ("Shenyang", "Hyesan", "Nampo", "Ji Seong-ho"):
        assert name in names
    text = " ".join(b.text for c in script.chapters for b in c.blocks if isinstance(b, Paragraph))
    for fact in ("one hour and 45 minutes", "4,350km", "more than 80 hours", "3:30am", "30km downstream", "safe house", "Bangkok", "Seoul"):
        assert fact in text, fact


# Any text at all either parses or raises one ScriptError; never another exception.
@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("#>*-[]:!<>`\n abcPp0123456789.,'\"")), max_size=120))
def test_parser_never_crashes(body: str) -> None:
    try:
        script = parse_script("---\ntitle: T\n---\n" + body, "s.md")
    except ScriptError as exc:
        assert exc.line is not None and exc.line >= 1
    else:
        assert all(c.blocks for c in script.chapters)


def test_the_reference_example_means_what_its_comments_say() -> None:
    reference = (Path(__file__).resolve().parents[1] / "docs" / "script.md").read_text(encoding="utf-8")
    example = reference.split("<!-- example: every-feature -->\n```markdown\n", 1)[1].split("\n```\n", 1)[0]
    script = parse_script(example, "example.md")
    assert [c.title for c in script.chapters] == ["Across the river at night", "Eighty hours of buses"]
    assert [s.name for s in script.meta.speakers] == ["Host", "Guide"]
    assert script.meta.voice.speed == 0.9 and script.meta.speakers[1].voice.tld == "co.uk"
    mix = script.meta.mix
    assert (mix.bed_level, mix.ducking, mix.cue, mix.close, mix.loudness) == (-20, 10, "chime", "Thanks for listening.", -16)
    kinds = [type(b).__name__ for b in script.chapters[0].blocks]
    assert kinds == ["Paragraph", "Paragraph", "Pause", "Paragraph", "Pause", "Paragraph", "Pause", "Paragraph"]
    assert (script.meta.strikethrough, script.meta.footnotes, script.meta.date.isoformat()) == (
        "skip", "end-of-chapter", "2026-11-25")


def test_piper_voice_by_path(tmp_path: Path, piper_engines: Engines) -> None:
    from narrate.engines.piper import bundled_model

    model, config = bundled_model()
    (tmp_path / "voices").mkdir()
    (tmp_path / "voices" / "mine.onnx").symlink_to(model)
    (tmp_path / "voices" / "mine.onnx.json").symlink_to(config)
    script = parse_script("---\ntitle: T\nvoice: voices/mine.onnx\n---\n# One\nHi.\n", str(tmp_path / "s.md"))
    plan = plan_episode(script, piper_engines)
    bundled = plan_episode(parse_script("---\ntitle: T\nvoice: joe\n---\n# One\nHi.\n", str(tmp_path / "s.md")),
                           piper_engines)
    voice = plan.chapters[0].items[1].voice
    assert voice.model == str(tmp_path / "voices" / "mine.onnx")
    assert voice.model_id == bundled.chapters[0].items[1].voice.model_id  # same bytes, same hash, same cache
    (tmp_path / "voices" / "mine.onnx.json").unlink()
    with pytest.raises(NarrateError) as err:
        plan_episode(script, Engines())
    assert err.value.format_message() == f"{tmp_path}/s.md:3: piper voice 'voices/mine.onnx' has no config beside it: expected mine.onnx.json"


SPEAK = """
import hashlib, sys
from pathlib import Path
from narrate.engines.piper import PiperEngine
from narrate.script import VoiceSettings
piper = PiperEngine()
voice = piper.resolve(VoiceSettings(engine="piper", model="joe"), Path("."))
texts = ["The boat left at two.", "They crossed.", "Nobody spoke on the far bank."]
said = {text: hashlib.sha256(piper.synthesize(text, voice).samples.tobytes()).hexdigest()
        for text in (texts if sys.argv[2] == "forward" else texts[::-1])}
print(" ".join(said[text] for text in texts))
"""


def test_piper_says_a_sentence_the_same_whatever_came_before_it() -> None:
    """Piper samples its prosody at random; narrate seeds each sentence's draws from its own phonemes
    (narrate.engines.seeded), so a sentence comes out with the very same samples in any order, in any process:
    the output does not depend on --jobs, or on what was already in the cache."""
    import subprocess
    import sys

    runs = {subprocess.run([sys.executable, "-c", SPEAK, threads, order], capture_output=True, text=True,
                           check=True).stdout for threads, order in (("1", "forward"), ("1", "backward"))}
    assert len(runs) == 1 and len(runs.pop().split()) == 3


def test_seeded_noise_is_standard_normal_and_a_longer_draw_begins_as_a_shorter_one() -> None:
    from narrate.engines.seeded import normal

    seed = np.arange(9, dtype=np.uint32)
    long, short = normal(seed, 1_000_001), normal(seed, 1001)
    assert long.dtype == np.float32 and len(long) == 1_000_001 and np.array_equal(long[:1001], short)
    x = long.astype(np.float64)  # a million values: the moments' standard errors are 0.001 to 0.01
    assert abs(x.mean()) < 0.003 and abs(x.std() - 1) < 0.003
    assert abs(np.mean(x ** 3)) < 0.01 and abs(np.mean(x ** 4) - 3) < 0.03  # not skewed; a normal's tails
    assert not np.array_equal(normal(seed + 1, 1001), short)


def test_the_joe_voice_draws_two_channels_a_phoneme_and_192_a_frame(piper_engines) -> None:  # type: ignore[no-untyped-def]
    """The probes find each draw's shape, so each sentence's noise is only what the voice reads."""
    from narrate.engines.seeded import Draw

    voice = piper_engines.get("piper")
    resolved = voice.resolve(VoiceSettings(engine="piper", model="joe"), Path("."))
    session = voice._load(resolved.model).session
    assert session.layout == [Draw(2, True), Draw(192, False)]


def test_pronunciations_as_respellings_phonemes_or_both() -> None:
    text = ("---\ntitle: T\npronunciations:\n  Hyesan: Heh-sahn\n  Lajas: '[[ˈlahas]]'\n"
            "  Bajo: {phonemes: ˈbaho, say: Bah-ho}\n---\n# One\nHi.\n")
    meta = parse_script(text, "s.md").meta
    assert meta.pronunciations == (("Hyesan", "Heh-sahn"), ("Bajo", "Bah-ho"))
    assert meta.phonemes == (("Lajas", "ˈlahas"), ("Bajo", "ˈbaho"))
    assert dict(meta.lexicon("piper")) == {"Hyesan": "Heh-sahn", "Lajas": "[[ˈlahas]]", "Bajo": "[[ˈbaho]]"}
    assert dict(meta.lexicon("gtts")) == {"Hyesan": "Heh-sahn", "Bajo": "Bah-ho"}  # Lajas is read as written
    assert meta.names() == ["Hyesan", "Bajo", "Lajas"]


@pytest.mark.parametrize("value, message", [
    ("{phonemes: ˈbaho, sound: Bah-ho}", "s.md:4: pronunciation of 'Bajo' takes 'phonemes' (for Piper) and 'say' "
                                         "(for every engine), not 'sound'"),
    ("{phonemes: [a, b]}", "s.md:4: pronunciation of 'Bajo': 'phonemes' must be text"),
    ("''", "s.md:4: pronunciation of 'Bajo' must be text"),
])
def test_bad_pronunciations_are_one_message(value: str, message: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(f"---\ntitle: T\npronunciations:\n  Bajo: {value}\n---\n# One\nHi.\n", "s.md")
    assert caught.value.format_message() == message


def test_inline_html_is_markup_and_a_line_break_a_short_pause() -> None:
    text = "---\ntitle: T\n---\n# One\nA hard break<br>line two, with <em>emphasis</em> and <b>bold</b>; <thing> stays.\n"
    blocks = parse_script(text, "s.md").chapters[0].blocks
    assert blocks == (Paragraph("A hard break", 5), Pause(0.3, 5),
                      Paragraph("line two, with emphasis and bold; <thing> stays.", 5))


def test_task_list_boxes_become_ballot_boxes() -> None:
    text = "---\ntitle: T\n---\n# One\n- [x] Passport hidden\n- [ ] Buy water\n- [a] not a box\n"
    blocks = parse_script(text, "s.md").chapters[0].blocks
    assert [b.text for b in blocks] == ["☑ Passport hidden", "☐ Buy water", "[a] not a box"]


@pytest.mark.parametrize("key, value", [("tasks", "loud"), ("links", "none"), ("emoji", "names")])
def test_reading_choices_are_checked(key: str, value: str) -> None:
    from narrate.script.front_matter import CHOICES

    with pytest.raises(ScriptError) as caught:
        parse_script(f"---\ntitle: T\n{key}: {value}\n---\n# One\nHi.\n", "s.md")
    assert caught.value.format_message() == f"s.md:3: '{key}' must be one of {', '.join(CHOICES[key])}, not '{value}'"


def test_a_table_is_parsed_cell_by_cell_and_read_row_by_row() -> None:
    from narrate.plan import table_sentences
    from narrate.script import Table

    text = ("---\ntitle: T\n---\n# One\nFirst.\n\n| Town | Distance | Time |\n|---|--:|---|\n"
            "| Hekou | 350 **km** | 8 hours |\n| Sapa | | 1 hour |\n")
    table = parse_script(text, "s.md").chapters[0].blocks[1]
    assert table == Table(("Town", "Distance", "Time"), (("Hekou", "350 km", "8 hours"), ("Sapa", "", "1 hour")), 7, (9, 10))
    assert table_sentences(table) == [
        ("A table: Town, Distance and Time.", 7, "table", ("Town", "Distance", "Time")),
        ("Hekou: Distance, 350 km; Time, 8 hours.", 9, "row", ("Hekou", "350 km", "8 hours")),
        ("Sapa: Time, 1 hour.", 10, "row", ("Sapa", "", "1 hour")),
    ]
    two = Table(("Town", "Distance"), (("Lao Cai", "12 km"),), 1, (3,))
    assert [s for s, *_ in table_sentences(two)] == ["A table: Town and Distance.", "Lao Cai: 12 km."]


def test_a_chapter_of_only_a_table_has_text_to_narrate() -> None:
    chapter = parse_script("---\ntitle: T\n---\n# One\n| A | B |\n|---|---|\n| 1 | 2 |\n", "s.md").chapters[0]
    assert len(chapter.blocks) == 1


NOTES = ("---\ntitle: T\nfootnotes: {}\n---\n# One\nThey paid in full.[^1] Then left.[^cost]\n\nAnother paragraph.\n\n"
         "# Two\nMore text.\n\n[^1]: A footnote about costs.\n[^cost]: Second note,\n    over two lines.\n")


@pytest.mark.parametrize("where, blocks", [
    ("end-of-chapter", [("Paragraph", "They paid in full⁽¹⁾. Then left⁽²⁾."), ("Paragraph", "Another paragraph."),
                        ("Heading", "Notes"), ("Paragraph", "⁽¹⁾ A footnote about costs."),
                        ("Paragraph", "⁽²⁾ Second note, over two lines.")]),
    ("inline", [("Paragraph", "They paid in full⁽¹⁾. Then left⁽²⁾."), ("Paragraph", "⁽¹⁾ A footnote about costs."),
                ("Paragraph", "⁽²⁾ Second note, over two lines."), ("Paragraph", "Another paragraph.")]),
    ("skip", [("Paragraph", "They paid in full⁽¹⁾. Then left⁽²⁾."), ("Paragraph", "Another paragraph.")]),
])
def test_footnotes_are_marked_where_cited_and_placed_as_asked(where: str, blocks: list[tuple[str, str]]) -> None:
    chapters = parse_script(NOTES.format(where), "s.md").chapters
    assert [(type(b).__name__, b.text) for b in chapters[0].blocks] == blocks
    assert [b.text for b in chapters[1].blocks] == ["More text."]  # notes go where they are cited
    notes = [b for b in chapters[0].blocks if b.text.startswith("⁽")]
    assert [b.line for b in notes] == ([13, 14] if where != "skip" else [])


def test_a_footnote_cited_but_never_written_is_one_message() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script("---\ntitle: T\n---\n# One\nA cite.[^nope]\n", "s.md")
    assert caught.value.format_message() == "s.md:5: footnote [^nope] is cited but never written: add a line '[^nope]: the note'"


def test_ordered_lists_say_their_numbers_when_asked() -> None:
    body = "# One\n3. Cross at night\n4. Hide by day\n\n- a plain item\n"
    plain = parse_script("---\ntitle: T\n---\n" + body, "s.md").chapters[0].blocks
    numbered = parse_script("---\ntitle: T\nlists: numbered\n---\n" + body, "s.md").chapters[0].blocks
    assert [b.text for b in plain] == ["Cross at night", "Hide by day", "a plain item"]
    assert [b.text for b in numbered] == ["3. Cross at night", "4. Hide by day", "a plain item"]


IMAGES = ("---\ntitle: T\nimages: {}\n---\n# One\n![A map](map.png)\n\nThe river at dusk.\n\n"
          "![A photo of the river](river.jpg)\n\nA boat ![a small boat](boat.png) came by.\n")


def test_images_are_shown_and_read_only_when_asked() -> None:
    silent = parse_script(IMAGES.format("silent"), "s.md").chapters[0].blocks
    assert [b.text for b in silent] == [  # the alt text always stays in the text, for the page and transcripts
        "⟨Image: A map⟩ The river at dusk ⟨Image: A photo of the river⟩.", "A boat  ⟨Image: a small boat⟩  came by."]
    described = parse_script(IMAGES.format("describe"), "s.md").chapters[0].blocks
    assert [b.text for b in described] == ["⟨Image: A map⟩", "The river at dusk.", "⟨Image: A photo of the river⟩",
                                           "A boat came by.", "⟨Image: a small boat⟩"]
    from narrate.plan import plan_episode
    from narrate.testing import tone_engines

    said = [s.text for s in plan_episode(parse_script(IMAGES.format("describe"), "s.md"), tone_engines()).speeches()
            if s.role == "text"]
    assert said == ["Image: A map.", "The river at dusk.", "Image: A photo of the river.", "A boat came by.",
                    "Image: a small boat."]
    quiet = [s.text for s in plan_episode(parse_script(IMAGES.format("silent"), "s.md"), tone_engines()).speeches()
             if s.role == "text"]
    assert quiet == ["The river at dusk.", "A boat came by."]


def test_worker_processes_make_the_same_episode_as_one(tmp_path: Path) -> None:
    """--jobs 2 speaks in two worker processes, longest sentences first; the MP3 is the very same file."""
    from conftest import run_cli, write_script

    script = write_script(tmp_path, "# One\n\nThe boat left at two. They crossed in silence.\n\n"
                                    "# Two\n\nNobody spoke on the far bank until morning came.\n")
    for jobs in ("1", "2"):
        code, out, err = run_cli("build", str(script), "-o", str(tmp_path / jobs), "--cache-dir",
                                 str(tmp_path / f"cache{jobs}"), "-j", jobs)
        assert code == 0, err
        assert "synthesised 9 of 9 sentences" in out
    assert (tmp_path / "1/story/story.mp3").read_bytes() == (tmp_path / "2/story/story.mp3").read_bytes()


def test_a_voice_that_fails_in_a_worker_is_one_located_line(tmp_path: Path) -> None:
    from conftest import run_cli, write_script
    from narrate.engines.piper import bundled_model

    # starts as an ONNX model does (its IR version), so only loading it in the worker finds it broken
    (tmp_path / "broken.onnx").write_bytes(b"\x08\x07" + b"not a model" * 100)
    (tmp_path / "broken.onnx.json").write_bytes(bundled_model()[1].read_bytes())
    script = write_script(tmp_path, "# One\n\nThe boat left at two. They crossed.\n",
                          "---\ntitle: T\nvoice: broken.onnx\n---\n")
    code, _, err = run_cli("build", str(script), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"))
    assert code == 1 and len(err.splitlines()) == 1
    # the line of whichever sentence a worker tried first: the chapter's spoken title, or its text
    assert err in (f"{script}:{line}: chapter 1 'One': piper voice {tmp_path / 'broken.onnx'} is damaged or cut "
                   "short (onnxruntime cannot read it as ONNX): download it again\n" for line in (5, 7))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("written, day", [
    ("2024-02-29", "2024-02-29"), ("2026-2-3", "2026-02-03"), ("2026-11-25T10:00:00Z", "2026-11-25"),
    ("2026-12-31 23:59", "2026-12-31"), ("'2026-11-25'", "2026-11-25"),
])
def test_dates_as_yaml_writes_them(written: str, day: str) -> None:
    script = parse_script(f"---\ntitle: T\ndate: {written}\n---\n# One\nHi.\n", "s.md")
    assert script.meta.date is not None and script.meta.date.isoformat() == day


def test_the_deepest_quotes_and_lists_markdown_keeps_are_read() -> None:
    quotes = parse_script("---\ntitle: T\n---\n# One\n" + ">" * 19 + " Kept.\n", "s.md")
    assert [b.text for b in quotes.chapters[0].blocks] == ["Kept."]
    items = "".join("  " * i + f"- item {i}.\n" for i in range(9))
    lists = parse_script("---\ntitle: T\n---\n# One\n" + items, "s.md")
    assert [b.text for b in lists.chapters[0].blocks] == [f"item {i}." for i in range(9)]


def test_an_engine_prints_nothing_of_its_own() -> None:
    """Piper logs a phoneme it does not know ('Missing phoneme from id map: ☃') and goes on without it; narrate
    reports such phonemes itself, with their line, so the engine's own words must not reach the terminal."""
    code = ("from pathlib import Path\n"
            "from narrate.engines import Engines\n"
            "from narrate.script.model import VoiceSettings\n"
            "piper = Engines().get('piper')\n"
            "clip = piper.synthesize('Hello [[☃]] there.', piper.resolve(VoiceSettings(engine='piper', model='joe'), Path('.')))\n"
            "print(len(clip.samples) > 0)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (done.stdout, done.stderr) == ("True\n", "")


def test_unmatched_tildes_and_direction_marks_are_never_said(tone_engines: Engines) -> None:
    script = parse_script("---\ntitle: T\n---\n# One\nWe crossed ~~again at night.\n\nHello \u202eworld\u202c there.\n", "s.md")
    said = [s.text for s in plan_episode(script, tone_engines).speeches() if s.role == "text"]
    assert said == ["We crossed again at night.", "Hello world there."]
