"""Text normalisation, pronunciations and sentence splitting."""

from __future__ import annotations

import pytest

from narrate.text import apply_pronunciations, mangle_prone_names, normalise, split_sentences


@pytest.mark.parametrize(
    "written, spoken",
    [
        ("They paid US$12,000 each.", "They paid twelve thousand US dollars each."),
        ("It cost $2,000.", "It cost two thousand dollars."),
        ("It cost $1.", "It cost one dollar."),
        ("It cost $2,000.50 in all.", "It cost two thousand dollars and fifty cents in all."),
        ("It cost $3 million.", "It cost three million dollars."),
        ("It cost €40 and £1.", "It cost forty euros and one pound."),
        ("At 3:30am the boat left.", "At three thirty AM the boat left."),
        ("At 3:30 a.m. the boat left.", "At three thirty AM the boat left."),
        ("They left at 10:00 a.m.", "They left at ten AM."),
        ("At 9:05pm and 14:30 they met.", "At nine oh five PM and fourteen thirty they met."),
        ("Bunks fold down at 10pm.", "Bunks fold down at ten PM."),
        ("We met at 7 a.m. and left at 11 PM.", "We met at seven AM and left at eleven PM."),
        ("Holding ~20% of it.", "Holding about twenty percent of it."),
        ("A route of 4,350km.", "A route of four thousand three hundred and fifty kilometres."),
        ("Carried 30 km downstream.", "Carried thirty kilometres downstream."),
        ("Just 1 km away.", "Just one kilometre away."),
        ("A flight of 1 h 45 min.", "A flight of one hour forty-five minutes."),
        ("She spent 2½ years there.", "She spent two and a half years there."),
        ("Only ¾ of them.", "Only three quarters of them."),
        ("About 1/3 of them.", "About one third of them."),
        ("In 2011, aged 27, he took power.", "In twenty eleven, aged twenty-seven, he took power."),
        ("Back in the 1990s.", "Back in the nineteen nineties."),
        ("Some 1,418 people.", "Some one thousand four hundred and eighteen people."),
        ("On the 3rd day.", "On the third day."),
        ("Fully 50% of them.", "Fully fifty percent of them."),
        ("Mr. Ji and Dr. Kim, e.g. the guides.", "Mister Ji and Doctor Kim, for example the guides."),
        ("Bus No. 5 left.", "Bus number five left."),
        ("More than 80 hours; 12-plus hours.", "More than eighty hours; twelve-plus hours."),
        ("Salt & pepper.", "Salt and pepper."),
        ("It is   spaced\nover lines.", "It is spaced over lines."),
    ],
)
def test_normalise(written: str, spoken: str) -> None:
    assert normalise(written) == spoken


def test_normalise_other_language_spells_plain_numbers_only() -> None:
    assert normalise("Il y a 3 bateaux.", "fr") == "Il y a trois bateaux."


def test_pronunciations_prefer_longest_and_whole_words() -> None:
    lexicon = [("Ji", "Jee"), ("Ji Seong-ho", "Jee Sung-ho"), ("Nampo", "Nahm-po")]
    assert apply_pronunciations("Ji Seong-ho met Ji in Nampo.", lexicon) == "Jee Sung-ho met Jee in Nahm-po."
    assert apply_pronunciations("Jiang and Nampos stay.", lexicon) == "Jiang and Nampos stay."


def test_split_sentences_keeps_offsets_and_abbreviations() -> None:
    text = "Mr. Ji paid US$2,000.\nThey left at 3:30am. Did they?"
    parts = split_sentences(text)
    assert [s for _, s in parts] == ["Mr. Ji paid US$2,000.", "They left at 3:30am.", "Did they?"]
    assert [text[o : o + 3] for o, _ in parts] == ["Mr.", "The", "Did"]


def test_mangle_prone_names() -> None:
    text = "From Shenyang to Seoul, Ji Seong-ho met Kim Sang-hun in Hyesan, then Nguyen in Xiamen."
    assert mangle_prone_names(text, ["Ji Seong-ho"]) == ["Shenyang", "Sang-hun", "Hyesan", "Xiamen"]


def test_names_are_judged_by_how_common_they_are_in_english() -> None:
    text = "Lajas and Bajo, then Playa Blancas. Necoclí at Ninety-Seven. Panama, Colombia and Seoul. Someone went."
    assert mangle_prone_names(text, []) == ["Lajas", "Bajo", "Playa", "Blancas", "Necoclí"]
    assert mangle_prone_names(text, ["Playa Blancas", "Necoclí"]) == ["Lajas", "Bajo"]


def test_an_address_never_ends_a_sentence() -> None:
    text = "Links like https://example.org/faq?lang=en turn up. Mail desk@example.org. Done!"
    assert split_sentences(text) == [(0, "Links like https://example.org/faq?lang=en turn up."),
                                     (52, "Mail desk@example.org."), (75, "Done!")]


# --- sentence splitting, over generated paragraphs -------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_OPENINGS = ["We", "The guide", "Mr. Kim", "Dr. Lee", "On day 3 we", "At 5 a.m. we", "Nobody", "In 1998 she",
             "Her brother", "The bus", "Around 40 people", "At No. 7 we"]
_MIDDLES = ["walked", "waited for hours", "paid $120", "crossed 3.5 km of fields", "slept near the river",
            "counted 1,200 steps", "heard the dogs, e.g. near the farm,", "said nothing"]
_ENDINGS = ["on day {n}", "until morning", "for {n} km", "at gate {n}", "with {n} others", "in room {n}", "again",
            "at last", "by {n}%", "in {n}"]
_STOPS = [".", ".", ".", "!", "?"]


@st.composite
def _sentences(draw: st.DrawFn) -> list[str]:
    out = []
    for _ in range(draw(st.integers(1, 7))):
        n = draw(st.integers(1, 2030))
        ending = draw(st.sampled_from(_ENDINGS)).format(n=n)
        out.append(f"{draw(st.sampled_from(_OPENINGS))} {draw(st.sampled_from(_MIDDLES))} {ending}"
                   f"{draw(st.sampled_from(_STOPS))}")
    return out


@settings(max_examples=int(__import__("os").environ.get("NARRATE_EXAMPLES", "300")), deadline=None)
@given(_sentences(), st.sampled_from([" ", "  ", "\n"]))
def test_generated_paragraphs_split_into_the_sentences_they_were_made_of(sentences: list[str], joint: str) -> None:
    paragraph = joint.join(sentences)
    got = split_sentences(paragraph)
    # joining the sentences gives back the paragraph; no sentence starts with the tail of the one before
    assert " ".join(s for _, s in got) == " ".join(paragraph.split())
    assert [s for _, s in got] == sentences
    for offset, sentence in got:  # each offset points at its sentence in the paragraph as written
        assert " ".join(paragraph[offset:].split()).startswith(sentence)


def test_a_number_ending_a_sentence_stays_with_it() -> None:
    text = "We set out at dawn. We reached camp on day 1. We rested on day 2. Then we went on."
    assert [s for _, s in split_sentences(text)] == [
        "We set out at dawn.", "We reached camp on day 1.", "We rested on day 2.", "Then we went on."]
    # a list written inline keeps its numbers
    assert [s for _, s in split_sentences("Pack these: 1. water 2. food")] == ["Pack these:", "1. water", "2. food"]
