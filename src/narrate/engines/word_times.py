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
    CumSum; Kokoro has a second, later, in its generator's sine source.)

    Done on the model's protobuf encoding, not through the ``onnx`` package: importing it and writing the model
    out again cost each worker process 1.1 s, more than a short edit's synthesis. The graph's nodes are read for
    the CumSum (the weights are skipped by their length), and a second ModelProto holding only the new node and
    output is appended: a protobuf reader merges a message given twice, appending to its repeated fields."""
    graph = next((value for field, value in _fields(memoryview(model)) if field == 7), None)  # ModelProto.graph
    source = None
    for field, value in _fields(graph) if graph is not None else ():
        if field == 1:  # GraphProto.node
            node = list(_fields(value))
            if any(f == 4 and v == b"CumSum" for f, v in node):  # NodeProto.op_type
                source = bytes(next(v for f, v in node if f == 1))  # its first input
                break
    if source is None:
        return model
    name = DURATIONS.encode()
    node = _field(1, source) + _field(2, name) + _field(4, b"Identity")
    output = _field(1, name) + _field(2, _field(1, _field(1, bytes([7]), varint=True)))  # tensor_type.elem_type INT64
    return model + _field(7, _field(1, node) + _field(12, output))


def _fields(message: memoryview) -> Any:
    """(field number, value) of each field of a protobuf message: a view of the bytes of a length-delimited field,
    None for the others (skipped)."""
    at = 0
    while at < len(message):
        key, at = _varint(message, at)
        kind = key & 7
        if kind == 2:
            size, at = _varint(message, at)
            yield key >> 3, message[at:at + size]
            at += size
        elif kind == 0:
            at = _varint(message, at)[1]
            yield key >> 3, None
        else:  # 64- or 32-bit
            at += 8 if kind == 1 else 4
            yield key >> 3, None


def _varint(data: memoryview, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if byte < 0x80:
            return value, at


def _field(number: int, value: bytes, varint: bool = False) -> bytes:
    """One protobuf field: a varint (``value`` is its one byte, under 128), or length-delimited bytes."""
    if varint:
        return bytes([number << 3]) + value
    size, length = len(value), b""
    while True:
        length += bytes([(size & 0x7F) | (0x80 if size > 0x7F else 0)])
        size >>= 7
        if not size:
            break
    return bytes([number << 3 | 2]) + length + value


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
