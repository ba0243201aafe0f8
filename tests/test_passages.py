"""Passages in another language: a chapter's 'language:', and '<span lang>' in the text, read by a voice of that
language, in that language's words, and marked as that language in the page and the books."""

from __future__ import annotations

import re

import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree, html

from narrate.build import build
from narrate.engines import Engines
from narrate.errors import NarrateError
from narrate.options import BuildHooks, BuildOptions
from narrate.plan import CLAUSE_GAP, PARAGRAPH_GAP, SENTENCE_GAP, Silence, Speech, plan_episode
from narrate.script import Paragraph, parse_script
from narrate.testing import tone_engines

LANGUAGES = len({v.language for v in Engines().catalogue() if v.cost > 0})  # eSpeak NG's, with the others'

SCRIPT = """---
title: Two borders
speakers:
  Guard:
---
# The bridge

He said <span lang="fr">merci, à 2 heures</span> and left.
Then the sign: <q lang='de'>Halt!</q>

> **Guard:** <span lang="de">Um 3 Uhr, mit 12,50 €.</span>

# Le passage
language: fr

Ils sont partis le 3 mars 2009.
"""


def test_a_paragraph_is_cut_where_another_language_starts_and_ends() -> None:
    script = parse_script(SCRIPT, "s.md")
    assert [(b.text, b.line, b.language, b.joined) for b in script.chapters[0].blocks if isinstance(b, Paragraph)] == [
        ("He said", 8, None, False), ("merci, à 2 heures", 8, "fr", True), ("and left.\nThen the sign:", 8, None, True),
        ("Halt!", 9, "de", True), ("Um 3 Uhr, mit 12,50 €.", 11, "de", False)]
    assert script.chapters[1].settings.language == "fr"


def test_each_passage_is_read_by_a_voice_of_its_language_in_its_words() -> None:
    plan = plan_episode(parse_script(SCRIPT, "s.md"), Engines())
    said = [(s.text, s.voice.label.split()[0], s.language, s.paragraph) for s in plan.speeches() if s.role != "intro"]
    guard = plan.meta.speaker("Guard").voice.model
    assert said == [
        ("The bridge.", "heart", "", 0),
        ("He said", "heart", "", 1), ("merci, à deux heures", "ff_siwis", "fr", 1), ("and left.", "heart", "", 1),
        ("Then the sign:", "heart", "", 1), ("Halt!", "pico_de", "de", 1),
        ("Um drei Uhr, mit zwölf Euro und fünfzig Cent.", "espeak_de", "de", 2),
        ("Le passage.", "ff_siwis", "fr", 0), ("Ils sont partis le trois mars deux mille neuf.", "ff_siwis", "fr", 1),
        ("This was Two borders.", "heart", "", 0), ("Thank you for listening.", "heart", "", 0)]
    # the guard's own voice is English, a man's (heart, the narrator, is a woman's); his German is eSpeak's man's,
    # Pico's being taken
    assert guard == "am_michael"
    assert plan.switches == (("the narrator", "ff_siwis", "fr", 8), ("the narrator", "pico_de", "de", 9),
                             ("Guard", "espeak_de", "de", 11))
    # a passage inside a sentence follows it closely; after a full stop, a sentence's gap; then the paragraph's
    items = plan.chapters[0].items
    gaps = [(items[k - 1].text, items[k].seconds) for k in range(1, len(items))
            if isinstance(items[k], Silence) and isinstance(items[k - 1], Speech)]
    assert gaps[2:7] == [("He said", CLAUSE_GAP), ("merci, à deux heures", CLAUSE_GAP), ("and left.", SENTENCE_GAP),
                         ("Then the sign:", SENTENCE_GAP), ("Halt!", PARAGRAPH_GAP)]


@pytest.mark.parametrize("text, said", [
    ('# One\n\nA <span lang="xx_1">b</span>.\n', 's.md:8: lang="xx_1" is not a language code like \'fr\' or \'pt-BR\''),
    ("# One\nlanguage: français\n\nA.\n", "s.md:7: 'language' must be a language code like 'fr' or 'pt-BR', not 'français'"),
    ('# One\n\nA <span lang="zu">b</span>.\n',
     f"s.md:8: no voice installed speaks 'zu' ({LANGUAGES} languages are installed); "
     "'narrate voices' lists them"),
])
def test_a_language_that_cannot_be_read_is_an_error_at_its_line(text: str, said: str) -> None:
    with pytest.raises(NarrateError) as err:
        plan_episode(parse_script("---\ntitle: T\nauthor: A\nvoice: am_michael\n---\n" + text, "s.md"), Engines())
    assert err.value.format_message() == said


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("passages")
    path = folder / "s.md"
    path.write_text("---\ntitle: T\nvoice: {engine: tone, name: tone-b}\nformats: [mp3, epub]\n---\n# One\n\n"
                    'She read <span lang="fr">Liberté</span> on the wall.\n', encoding="utf-8")
    log: list[str] = []
    build(str(path), BuildOptions(output=str(folder / "out"), cache_dir=folder / "cache"), tone_engines(),
          BuildHooks(log=log.append))
    return folder / "out" / "s", log


def test_a_passage_is_marked_as_its_language_downstream(built: tuple[Path, list[str]]) -> None:
    out, log = built
    assert log == ["voice: tone-c reads the narrator's passages in fr (from line 8)"]
    record = json.loads((out / "s.manifest.json").read_text(encoding="utf-8"))
    assert [(s["text"], s["voice"], s["language"]) for s in record["sentences"] if s["role"] == "text"] == [
        ("She read", "tone-b", ""), ("Liberté", "tone-c", "fr"), ("on the wall.", "tone-b", "")]
    page = html.parse(str(out / "index.html"))
    assert [("".join(s.itertext()), s.get("lang")) for s in page.xpath("//*[@id='transcript']//p//span[@class='s']")][:3] == [
        ("She read", None), ("Liberté", "fr"), ("on the wall.", None)]
    import webvtt

    cues = [(c.text, re.sub(r"<\d\d:\d\d:\d\d\.\d{3}>", "", c.raw_text)) for c in webvtt.read(str(out / "s.vtt"))]
    assert cues[2:5] == [("She read", "She read"), ("Liberté", "<lang fr>Liberté</lang>"),
                         ("on the wall.", "on the wall.")]
    transcript = json.loads((out / "s.transcript.json").read_text(encoding="utf-8"))
    segments = [(t["body"], t.get("language")) for t in transcript["segments"]]  # a segment per word
    k = segments.index(("Liberté", "fr"))
    assert segments[k - 2:k + 4] == [("She", None), ("read", None), ("Liberté", "fr"), ("on", None), ("the", None),
                                     ("wall.", None)]
    with zipfile.ZipFile(next(out.glob("*.epub"))) as book:
        name = next(n for n in book.namelist() if n.endswith("1.xhtml") or "chapter" in n and n.endswith(".xhtml"))
        doc = etree.fromstring(book.read(name))
    spans = doc.xpath("//x:span[@lang]", namespaces={"x": "http://www.w3.org/1999/xhtml"})
    assert [(s.text, s.get("lang"), s.get("{http://www.w3.org/XML/1998/namespace}lang")) for s in spans] == [
        ("Liberté", "fr", "fr")]


def test_two_people_quoted_in_one_language_are_told_apart() -> None:
    script = parse_script('---\ntitle: T\nspeakers:\n  Ana:\n---\n# One\n\nHe said <span lang="fr">bonjour</span>.\n\n'
                          '> **Ana:** <span lang="fr">Bonsoir.</span>\n', "s.md")
    plan = plan_episode(script, Engines())
    assert [(who, voice) for who, voice, _, _ in plan.switches] == [("the narrator", "ff_siwis"), ("Ana", "pico_fr")]
