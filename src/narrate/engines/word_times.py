"""When each word is said, from the voice's own durations, not from a recogniser.

heart (like Kokoro, its teacher) predicts how long each phoneme lasts before it makes a sound: the duration
predictor's whole frames, rounded, summed (ONNX ``CumSum``) and spread over the spectrum's frames. The graph
computes them and throws them away; ``with_durations`` edits it in memory so it also returns them, which costs
nothing. The phonemes come from hibari's G2P token by token (``phoneme_words``), so each phoneme is known to
belong to one word of the text the voice was given, and a word lasts from its first phoneme to its last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

DURATIONS = "narrate_durations"  # the graph output added by with_durations
RAW_PHONEMES = re.compile(r"(?<!\[)\[\[(.*?)\]\]")  # [[phonemes]] in a sentence; a run of brackets tried once


@dataclass(frozen=True)
class WordTime:
    """One word as the voice said it: its text (a token of what the voice was given) and when, in seconds from
    the start of the clip."""

    text: str
    start: float
    end: float


def with_durations(model: bytes) -> bytes:
    """The model, edited to return each phoneme's duration (the input of its first ``CumSum``, in units of whole
    frames) as one more output, DURATIONS; the same model if it has no CumSum to read them from. (heart has one
    CumSum; Kokoro has a second, later, in its generator's sine source.)"""
    import onnx

    graph = onnx.load_from_string(model)
    sums = [n for n in graph.graph.node if n.op_type == "CumSum"][:1]
    if not sums:
        return model
    graph.graph.node.append(onnx.helper.make_node("Identity", [sums[0].input[0]], [DURATIONS]))
    graph.graph.output.append(onnx.helper.make_tensor_value_info(DURATIONS, onnx.TensorProto.INT64, None))
    return graph.SerializeToString()


def phoneme_words(text: str, g2p: Any) -> tuple[str, list[tuple[str, int, int]]]:
    """What the voice is given for ``text``, as narrate.engines.kokoro.with_raw_phonemes makes it (the pieces
    between [[phonemes]] through hibari's G2P, joined by a space), and each word's span in it: (the word, the
    index of its first phoneme, one past its last). A [[phonemes]] piece is one word, written as its phonemes.
    A token with no phonemes (a quotation mark) is left out."""
    from hibari.g2p.normalize import normalize

    out, words = "", []
    for k, piece in enumerate(RAW_PHONEMES.split(text)):  # odd pieces: [[phonemes]]
        if not piece.strip():
            continue
        if k % 2:
            tokens = [(piece.strip(), piece.strip(), "")]
        else:
            tokens = [(t.text, g2p.unk if t.phonemes is None else t.phonemes, " " if t.whitespace else "")
                      for t in g2p.phonemize_tokens(g2p.tokenize(normalize(piece)))]
        said = "".join(p + w for _, p, w in tokens)
        lead = len(said) - len(said.lstrip())
        if not said.strip():
            continue
        base = len(out) + (1 if out else 0) - lead  # where the piece's own string starts in the whole
        at = 0
        for word, phonemes, space in tokens:
            if phonemes.strip():
                words.append((word, base + at, base + at + len(phonemes)))
            at += len(phonemes) + len(space)
        out = f"{out} {said.strip()}" if out else said.strip()
    return out, words


def chunk_times(chunk: str, first: int, durations: np.ndarray, vocab: dict[str, int], seconds_per_unit: float,
                offset: float) -> Callable[[int, int], tuple[float, float] | None]:
    """For a chunk of the phoneme string that starts at ``first`` in the whole, and the durations the model gave
    it (one per id, the pads included): a function from a span of the whole string to when it is said (None if
    none of it is in this chunk, or it has no phoneme the model reads)."""
    ids = [i for i, c in enumerate(chunk) if c in vocab]  # chunk index of each id after the leading pad
    ends = np.cumsum(durations) * seconds_per_unit + offset
    starts = ends - durations * seconds_per_unit
    where = {first + ci: k + 1 for k, ci in enumerate(ids)}

    def span(a: int, b: int) -> tuple[float, float] | None:
        found = [where[i] for i in range(a, b) if i in where]
        return (float(starts[found[0]]), float(ends[found[-1]])) if found else None

    return span


def chunk_words(words: list[tuple[str, int, int]], chunk: str, first: int, durations: np.ndarray,
                vocab: dict[str, int], seconds: float, offset: float) -> list[WordTime]:
    """The words of ``words`` (as phoneme_words gives them) said in a chunk of the phoneme string that starts at
    ``first`` in the whole, lasts ``seconds`` and starts ``offset`` seconds into the clip; ``durations`` are the
    model's for the chunk. A token with no letter or digit (a dash) is left out."""
    durations = durations.reshape(-1)
    span = chunk_times(chunk, first, durations, vocab, seconds / max(1, int(durations.sum())), offset)
    return [WordTime(w, *when) for w, a, b in words
            if any(c.isalnum() for c in w) and (when := span(a, b)) is not None]
