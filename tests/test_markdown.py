"""A guarantee, tested with hypothesis: whatever mix of Markdown an author writes, the voice is given
words, never Markdown or HTML syntax, and every visible word is spoken."""

from __future__ import annotations

import re

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.plan import plan_episode
from narrate.script import parse_script
from narrate.testing import tone_engines

WORDS = st.sampled_from(["river", "night", "bus", "border", "guide", "water", "rain", "road", "camp", "boat",
                         "mountain", "papers", "bread", "ticket", "dawn", "village", "bridge", "forest"])
phrase = st.lists(WORDS, min_size=1, max_size=5).map(" ".join)


@st.composite
def inline(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A run of inline Markdown and the words a reader sees in it."""
    words = draw(phrase)
    kind = draw(st.sampled_from(["plain", "em", "strong", "code", "link", "autolink", "html", "br", "emoji"]))
    seen = words.split()
    if kind == "em":
        return f"*{words}*", seen
    if kind == "strong":
        return f"**{words}**", seen
    if kind == "code":
        return f"`{words}`", seen
    if kind == "link":
        return f"[{words}](https://example.org/{seen[0]}-2024)", seen
    if kind == "autolink":
        return f"{words} <https://example.org/{seen[0]}>", seen
    if kind == "html":
        tag = draw(st.sampled_from(["em", "strong", "b", "i", "span", "sup", "sub"]))
        return f"<{tag}>{words}</{tag}>", seen
    if kind == "br":
        return f"{words}<br>{words}", seen + seen
    if kind == "emoji":
        return f"{words} 🎉", seen
    return words, seen


@st.composite
def line(draw: st.DrawFn) -> tuple[str, list[str]]:
    parts = draw(st.lists(inline(), min_size=1, max_size=3))
    return " ".join(p for p, _ in parts) + ".", [w for _, ws in parts for w in ws]


@st.composite
def block(draw: st.DrawFn) -> tuple[str, list[str]]:
    kind = draw(st.sampled_from(["paragraph", "bullets", "ordered", "tasks", "table", "heading", "quote", "note",
                                 "image"]))
    text, seen = draw(line())
    if kind == "image":  # its alt text is read only with 'images: describe' (the test checks it then)
        return f"{text}\n\n![{draw(phrase)}](picture.png)", seen
    if kind == "bullets":
        more, more_seen = draw(line())
        return f"- {text}\n- {more}", seen + more_seen
    if kind == "ordered":
        more, more_seen = draw(line())
        return f"1. {text}\n2. {more}", seen + more_seen
    if kind == "tasks":
        more, more_seen = draw(line())
        return f"- [x] {text}\n- [ ] {more}", seen + more_seen
    if kind == "table":
        a, b, c, d = (draw(phrase) for _ in range(4))
        return f"| {a} | {b} |\n|---|---:|\n| {c} | {d} |", " ".join([a, b, c, d]).split()
    if kind == "heading":
        return f"## {text}", seen
    if kind == "quote":
        return f"> {text}", seen
    return f"{text[:-1]}.[^n{draw(st.integers(1, 3))}]", seen  # a footnote, written below


SYNTAX = re.compile(r"\||\[\^|\]\(|</?[a-z]+>|\[[ xX]\]|--|#|`|\*\*|\bhttps?:|⁽|⟨|!\[")


@settings(max_examples=int(__import__("os").environ.get("NARRATE_EXAMPLES", "60")), deadline=None)
@given(st.lists(block(), min_size=1, max_size=6), st.sampled_from(["end-of-chapter", "inline", "skip"]),
       st.sampled_from(["silent", "describe"]))
def test_no_markup_reaches_the_voice_and_every_visible_word_is_spoken(blocks, footnotes, images) -> None:  # type: ignore[no-untyped-def]
    body = "\n\n".join(b for b, _ in blocks)
    notes = "\n\n" + "\n".join(f"[^n{k}]: note {k} about the road." for k in (1, 2, 3))
    # a chapter needs some text of its own (one of only headings is an error, and should be)
    text = f"---\ntitle: T\nfootnotes: {footnotes}\nimages: {images}\n---\n# One\n\nThe camp.\n\n{body}{notes}\n"
    plan = plan_episode(parse_script(text, "s.md"), tone_engines())
    spoken = [s.text for s in plan.speeches() if s.role not in ("intro", "title", "outro")]
    assert not [s for s in spoken if SYNTAX.search(s)], (text, spoken)
    said = " ".join(spoken).lower()
    missing = [w for _, seen in blocks for w in seen if not re.search(rf"\b{w}\b", said)]
    assert not missing, (text, spoken, missing)
    if images == "describe":  # every image's alt text is read, introduced as an image
        alts = re.findall(r"!\[([^\]]*)\]", body)
        assert len([s for s in spoken if s.startswith("Image: ")]) == len(alts), (text, spoken)
    shown = " ".join(s.source for s in plan.speeches())
    assert all(f"⟨Image: {alt}⟩" in shown for alt in re.findall(r"!\[([^\]]*)\]", body)), (text, shown)


@pytest.mark.parametrize("choice, spoken", [
    ("", "They crossed at night. Then the bus north."),
    ("strikethrough: skip\n", "They crossed at night. Then the bus north."),
    ("strikethrough: read\n", "They crossed again at night. Then the old bus north."),
])
def test_struck_text_is_skipped_or_read_and_never_its_tildes(choice: str, spoken: str) -> None:
    script = parse_script(f"---\ntitle: T\n{choice}---\n# One\nThey crossed ~~again~~ at night.\n"
                          "Then the <del>old</del> bus north.\n", "s.md")
    text = " ".join(script.chapters[0].blocks[0].text.split())
    assert text == spoken
    assert script.chapters[0].blocks[0].line == 5 + choice.count("\n")


def test_struck_text_keeps_lines_and_reaches_no_engine() -> None:
    script = parse_script("---\ntitle: T\n---\n# One\n~~A draft line\nthat goes on.~~\n\nKept ~~not~~ here.\n", "s.md")
    assert [(b.text, b.line) for b in script.chapters[0].blocks] == [("Kept here.", 8)]
    plan = plan_episode(script, tone_engines())
    assert all("~" not in s.text and "not" not in s.text.split() for s in plan.speeches())
