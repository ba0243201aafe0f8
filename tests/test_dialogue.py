"""Dialogue: words inside a paragraph given to a speaker ([“…”]{Name}), found in a book by its speech tags, cast,
listed by check where no one is named, and measured against quotations labelled by hand in a real book."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from narrate.build import build
from narrate.casting import cast_speakers
from narrate.engines import Engines
from narrate.options import BuildOptions
from narrate.plan import plan_episode
from narrate.script import Paragraph, parse_script
from narrate.testing import ToneEngine
from conftest import run_cli, write_script

BOOKS = Path(__file__).parent / "books"
FRONT = "---\ntitle: T\nspeakers:\n  Holmes:\n  Watson:\n---\n"


def paragraphs(body: str) -> list[tuple[str, str | None, bool]]:
    script = parse_script(FRONT + body, "s.md")
    return [(b.text, b.speaker, b.joined) for b in script.chapters[0].blocks if isinstance(b, Paragraph)]


def test_words_in_a_paragraph_are_given_to_their_speaker() -> None:
    assert paragraphs("# One\n\n[“Come in,”]{Holmes} said he. [“Thanks,”]{ Watson } I said.\n") == [
        ("“Come in,”", "Holmes", False), ("said he.", None, True), ("“Thanks,”", "Watson", True),
        ("I said.", None, True)]
    # brackets inside (phonemes, a pause, a footnote) are the passage's; punctuation after it stays with it
    assert paragraphs("# One\n\nHe said [“Go [[ɡoʊ]] [pause] now”]{Holmes}.\n") == [
        ("He said", None, False), ("“Go [[ɡoʊ]]", "Holmes", True), ("now”.", "Holmes", False)]
    # escaped brackets, code and a link are text as written, never a speaker's passage
    assert paragraphs("# One\n\nA \\[sign]{Holmes}, `[x]{Watson}` and [a link](http://x).\n") == [
        ("A [sign]{Holmes}, [x]{Watson} and a link.", None, False)]
    # a passage in another language inside a speaker's words keeps both
    script = parse_script(FRONT + '# One\n\n[“Oui, <span lang="fr">bien sûr</span>.”]{Watson}\n', "s.md")
    assert [(b.text, b.speaker, b.language) for b in script.chapters[0].blocks] == [
        ("“Oui,", "Watson", None), ("bien sûr.”", "Watson", "fr")]  # the stop is shown, not said alone


def test_a_speaker_nobody_declared_is_an_error_at_its_line(tmp_path: Path) -> None:
    script = tmp_path / "s.md"
    script.write_text(FRONT + "# One\n\nFine.\n\n[“No,”]{Holmse} he said.\n", encoding="utf-8")
    code, out, err = run_cli("check", str(script))
    assert (code, out) == (1, "")
    assert err == (f"{script}:11: unknown speaker 'Holmse' (did you mean 'Holmes'?): declare it under "
                   "'speakers:' in the front matter (known: Holmes, Watson)\n")


TALK = """\
Chapter 1

“Come in,” said Holmes.

“Thank you,” said Mr. Jabez Wilson. “I shall sit.”

“Sit by the fire.”

“It is warm.”

Holmes said, “Then tell me everything.”

“It began in April,” I said.

Wilson nodded. “It was cold,” said he, “and it went on

“for months.”

“Nobody [knows],” said the Queen.

A sign on the door said “Closed”.
"""


def test_import_gives_quotations_to_the_speakers_their_tags_name(tmp_path: Path) -> None:
    (tmp_path / "talk.txt").write_text(TALK, encoding="utf-8")
    script = tmp_path / "talk.md"
    assert run_cli("import", str(tmp_path / "talk.txt"), "-o", str(script))[0] == 0
    front, body = script.read_text(encoding="utf-8").split("# Chapter 1\n")
    assert front.split("---")[1].split("speakers:")[1].splitlines()[1:] == [
        "  Jabez Wilson: {gender: male}  # 6 lines",  # 'Mr.' tells the gender
        "  Holmes:  # 3 lines",
        "  the Queen: {gender: female}  # 1 line"]
    assert body.strip().split("\n\n") == [
        "[“Come in,”]{Holmes} said Holmes.",  # the tag after it
        "[“Thank you,”]{Jabez Wilson} said Mr. Jabez Wilson. [“I shall sit.”]{Jabez Wilson}",  # the paragraph's
        "[“Sit by the fire.”]{Holmes}",  # an exchange: each line is the one two lines before's
        "[“It is warm.”]{Jabez Wilson}",
        "Holmes said, [“Then tell me everything.”]{Holmes}",  # the tag before it
        "“It began in April,” I said.",  # the narrator's own
        "Wilson nodded. [“It was cold,”]{Jabez Wilson} said he, [“and it went on]{Jabez Wilson}",  # who acts
        "[“for months.”]{Jabez Wilson}",  # goes on from the quotation left open
        "[“Nobody \\[knows\\],”]{the Queen} said the Queen.",
        "A sign on the door said “Closed”."]
    code, out, err = run_cli("check", str(script))
    assert (code, err) == (0, "")
    assert out.split("\n", 2)[2].split("names not in")[0] == (
        "1 quotation read by the narrator, no speaker given (mark one [“…”]{Name} to give it to a speaker):\n"
        f"  {script}:31: “Closed”.\n")  # not the narrator's own line: its tag says whose it is


def test_a_speakers_gender_is_the_voice_they_are_cast() -> None:
    meta = parse_script("---\ntitle: T\nspeakers:\n  Ann: {gender: female}\n  Bo: {gender: male}\n  Cy: "
                        "{gender: male}\n  Di: {gender: male}\n  Ed: {gender: male}\n  Fe: {gender: male}\n"
                        "  Gil: {gender: male}\n---\n# One\nHi.\n", "s.md").meta
    cast = cast_speakers(meta, Engines())
    voices = {v.name: v for v in Engines().catalogue()}
    assert [voices[s.voice.model].gender for s in cast.speakers] == ["female"] + ["male"] * 6
    assert all(not voices[s.voice.model].name.startswith(("pico", "espeak")) for s in cast.speakers)
    assert [s.voice.model for s in cast.speakers].count("heart") == 0  # never the narrator's
    with pytest.raises(Exception, match="'gender' must be female or male, not 'robot'"):
        parse_script("---\ntitle: T\nspeakers:\n  Ann: {gender: robot}\n---\n# One\nHi.\n", "s.md")


def test_changing_one_attribution_says_only_that_passage_again(tmp_path: Path, tone: ToneEngine,
                                                               tone_engines: Engines) -> None:
    script = write_script(tmp_path, "# One\n\n[“Come in,”]{Holmes} said he. [“Thanks,”]{Watson} I said. "
                          "It was late.\n", front=FRONT)
    options = BuildOptions(output=str(tmp_path / "out"), cache_dir=tmp_path / "cache", formats=("mp3",))
    build(str(script), options, tone_engines)
    tone.calls.clear()
    script.write_text(script.read_text(encoding="utf-8").replace("{Watson}", "{Holmes}"), encoding="utf-8")
    again = build(str(script), options, tone_engines)
    assert tone.calls == ["“Thanks,”"]
    assert again.stats.synthesised == 1


def letters(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def labelled() -> list[tuple[str, str, str]]:
    with open(BOOKS / "speech-tags.tsv", encoding="utf-8") as f:
        return [tuple(row) for row in csv.reader((line for line in f if not line.startswith("#")), delimiter="\t")]


@pytest.mark.parametrize("book", ["the-adventures-of-sherlock-holmes.epub",  # Standard Ebooks' markup
                                  "pg1661-the-adventures-of-sherlock-holmes.epub"])  # Project Gutenberg's
def test_tagged_quotations_in_a_real_book_are_spoken_in_their_speakers_voice(tmp_path: Path, book: str) -> None:
    """75 quotations of two stories, labelled by hand with the speaker their tag names: at least 95 % are said in
    that speaker's voice, and no speaker is said in the narrator's."""
    script = tmp_path / "holmes.md"
    assert run_cli("import", str(BOOKS / book), "-o", str(script))[0] == 0
    whole = parse_script(script.read_text(encoding="utf-8"), str(script))
    stories = {story for story, _, _ in labelled()}
    plan = plan_episode(replace(whole, chapters=tuple(c for c in whole.chapters
                                                      if any(c.title.endswith(s) for s in stories))), Engines())
    voices = {s.name: s.voice.model for s in plan.meta.speakers}
    assert plan.meta.voice.model not in voices.values()
    label = {name: f"{model} (" for name, model in voices.items()}  # how a resolved voice names its model
    said = {c.title: [s for s in c.items if getattr(s, "role", None) == "text"] for c in plan.chapters}
    right = []
    for story, opening, speaker in labelled():
        chapter = next(said[title] for title in said if title.endswith(story))  # Gutenberg's: 'I. A Scandal...'
        speech = next((s for s in chapter if s.source.startswith(opening)), None) or \
            next(s for s in chapter if letters(s.source).startswith(letters(opening)))  # 'Good-evening' too
        right.append(speech.voice.label.startswith(label.get(speaker, "?")) and speech.speaker == speaker)
    assert len(right) == 75
    assert sum(right) / len(right) >= 0.95, [row for row, ok in zip(labelled(), right) if not ok]
