"""Which written word is said when: the voice's words told back as the author's, by hand-made times."""

from __future__ import annotations

import random

import pytest

from narrate.engines.word_times import WordTime
from narrate.readalong import spread, written_words


def said(*words: str) -> list[WordTime]:
    """Words said one after another, each 0.2 s with 0.05 s between: word k from 0.25 k s."""
    return [WordTime(w, 0.25 * k, 0.25 * k + 0.2) for k, w in enumerate(words)]


def spans(source: str, words: list[WordTime], offset: int = 1000, length: int = 20000) -> list[tuple[str, int, int]]:
    return [(w.text, w.start_ms, w.end_ms) for w in written_words(source, words, offset, length)]


def test_a_number_said_in_words_is_one_written_word_timed_across_them() -> None:
    assert spans("On 3 March 2024.", said("On", "the", "third", "of", "March", "twenty", "twenty-four")) == [
        ("On", 1000, 1200), ("3", 1250, 1950), ("March", 2000, 2200), ("2024.", 2250, 2700)]


def test_an_abbreviation_said_as_letters_and_a_title_said_in_full() -> None:
    assert spans("Mr. Lee left at 10:30 a.m.", said("Mister", "Lee", "left", "at", "ten", "thirty", "A", "M")) == [
        ("Mr.", 1000, 1200), ("Lee", 1250, 1450), ("left", 1500, 1700), ("at", 1750, 1950),
        ("10:30", 2000, 2450), ("a.m.", 2500, 2950)]


def test_marks_not_said_join_a_neighbour_and_words_not_written_extend_the_one_before() -> None:
    # the emoji and the footnote mark are not said; 'dollars' and 'Note:' were never written
    assert spans("😀 $5 million ⁽¹⁾ gone.", said("five", "million", "dollars", "gone")) == [
        ("😀 $5", 1000, 1200), ("million ⁽¹⁾", 1250, 1700), ("gone.", 1750, 1950)]


def test_times_stay_inside_the_clip_and_never_overlap() -> None:
    # a voice's last word may run past the trimmed clip; and two words said as one share it without overlapping
    got = spans("Yes, cannot.", [WordTime("Yes", 0.0, 0.3), WordTime("can", 0.25, 0.5), WordTime("not", 0.5, 2.0)],
                offset=500, length=1000)
    assert got == [("Yes,", 500, 750), ("cannot.", 750, 1500)]


def test_the_fallback_spreads_words_by_their_letters_with_a_pause_at_punctuation() -> None:
    # 'ab' 2 letters, ',' a pause of 3, 'cdef' 4 letters: 9 units over 0.9 s
    got = [(w.text, round(w.start, 3), round(w.end, 3)) for w in spread("ab, cdef.", 0.9)]
    assert got == [("ab,", 0.0, 0.2), ("cdef.", 0.5, 0.9)]
    assert spread("— … !", 1.0) == [] and spread("words", 0.0) == []


@pytest.mark.parametrize("seed", range(40))
def test_any_text_gives_ordered_non_empty_spans_covering_every_written_word(seed: int) -> None:
    """Whatever is written and however differently it is said: every written word is in one span, in order, none
    empty, none overlapping, all inside the clip."""
    rng = random.Random(seed)
    pool = ["the", "river", "3", "½", "⁽²⁾", "😀", "Mr.", "co-op", "«", "—", "10:30", "A.M.", "ß", "東京", "", "'", "x"]
    written = " ".join(rng.choice(pool) for _ in range(rng.randint(1, 25)))
    spoken = [w for w in (rng.choice(pool + ["one", "thirty"]) for _ in range(rng.randint(0, 30))) if w]
    words = [WordTime(w, 0.3 * k + rng.random() * 0.1, 0.3 * k + 0.2) for k, w in enumerate(spoken)]
    offset, length = rng.randint(0, 5000), rng.randint(1, 9000)
    got = written_words(written, words, offset, length)
    if not got:
        return
    assert " ".join(w.text for w in got) == " ".join(written.split())
    assert all(offset <= w.start_ms < w.end_ms <= offset + length for w in got)
    assert all(a.end_ms <= b.start_ms for a, b in zip(got, got[1:]))


def test_a_word_said_by_its_pronunciation_or_a_symbol_by_its_name_keeps_its_place() -> None:
    # 'Oban' given in IPA reaches the voice as one token of phonemes; '&' is said 'and'; [pause] is a silence, no word
    assert spans("Oban & Mull, then home.", said("ˈoʊbən", "and", "Mull", "then", "home")) == [
        ("Oban &", 1000, 1450), ("Mull,", 1500, 1700), ("then", 1750, 1950), ("home.", 2000, 2200)]


def test_the_graph_edit_exposes_the_first_cumsums_input_and_leaves_other_models_alone() -> None:
    """A model made with onnx's own helpers, read back by onnxruntime: the durations are the first CumSum's input."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper

    from narrate.engines.word_times import DURATIONS, with_durations
    from narrate.engines.kokoro import one_thread_session

    def model(*nodes: onnx.NodeProto) -> bytes:
        graph = helper.make_graph(
            [helper.make_node("Add", ["x", "x"], ["d"]), *nodes], "g",
            [helper.make_tensor_value_info("x", TensorProto.INT64, [4])],
            [helper.make_tensor_value_info(nodes[-1].output[0] if nodes else "d", TensorProto.INT64, [4])],
            [helper.make_tensor("axis", TensorProto.INT64, [], [0])])
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()

    sums = model(helper.make_node("CumSum", ["d", "axis"], ["s"]), helper.make_node("CumSum", ["s", "axis"], ["t"]))
    session = one_thread_session(with_durations(sums), str)
    assert [o.name for o in session.get_outputs()] == ["t", DURATIONS]
    total, durations = session.run(None, {"x": np.array([1, 2, 3, 4], dtype=np.int64)})
    assert durations.tolist() == [2, 4, 6, 8] and total.tolist() == [2, 8, 20, 40]
    plain = model()
    assert with_durations(plain) == plain
