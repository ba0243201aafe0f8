"""Piper voices whose random sampling is seeded by what they say, so a sentence always sounds the same.

A Piper (VITS) voice draws random noise twice per sentence: for the rhythm (the
duration predictor) and for the sound itself (the flow's latent). onnxruntime's
``RandomNormalLike`` draws it from one generator per session, seeded once when the
session is made, so a sentence's sound depends on every sentence the process spoke
before it: on the build's order, the number of worker processes, and what was
already in the cache.

Here each ``RandomNormalLike`` node is replaced, in memory, by a slice of a noise
input, and the noise is drawn by numpy from a seed that is a hash of the phonemes
and settings being spoken. The noise is standard normal either way, so the voice
sounds as it did; but now a sentence depends on nothing but itself.

The noise is laid out time-major (a column of a draw's channels per frame), so a
longer input for a longer sentence begins with the same values: what the voice is
given does not depend on how much room was made for it. When the voice is loaded,
two short probes find each draw's channels (the joe voice: 2 and 192) and whether
it is drawn per phoneme (the rhythm: exactly as many columns as the input) or per
frame of sound (room made from the phoneme count, more if a sentence needs it).
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, NamedTuple

import numpy as np

CHANNELS = 256  # room for a draw whose channels the probes could not find
FRAMES_PER_PHONEME = 6  # room for the frames a phoneme lasts at length scale 1 (the joe voice: 1.7 to 2.7)
MIN_FRAMES = 64  # and at least this many: a short input may end in a long pause
RETRY = 8  # a sentence slower than that gets this many times the room
PROBES = (9, 17)  # phoneme counts of the probes: a draw as long as the input in both is drawn per phoneme


class Draw(NamedTuple):
    channels: int
    per_phoneme: bool  # as many columns as the input has phonemes; else columns per frame of sound


def seeded_model(path: str) -> tuple[bytes, int] | None:
    """The voice model with its random draws made inputs ('noise_0', ...), and how many; None if the model
    draws no noise this way (it is then used as it is). Each draw's shape is an extra output,
    'noise_K/shape', for the probes."""
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(path)
    graph = model.graph
    draws = [n for n in graph.node if n.op_type == "RandomNormalLike"]
    if not draws:
        return None
    rank = 3  # [batch, channels, frames]
    for k, node in enumerate(draws):
        name = f"noise_{k}"
        at = list(graph.node).index(node)
        graph.node.remove(node)
        shape, starts = f"{name}/shape", f"{name}/starts"
        for j, new in enumerate([
            helper.make_node("Shape", [node.input[0]], [shape], name=f"{name}/Shape"),
            helper.make_node("Constant", [], [starts], name=f"{name}/Starts",
                             value=helper.make_tensor(f"{name}/zeros", TensorProto.INT64, [rank], [0] * rank)),
            helper.make_node("Slice", [name, starts, shape], [node.output[0]], name=f"{name}/Slice"),
        ]):
            graph.node.insert(at + j, new)
        graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, None, None]))
        graph.output.append(helper.make_tensor_value_info(shape, TensorProto.INT64, [rank]))
    return model.SerializeToString(), len(draws)


def normal(seed: np.ndarray, count: int) -> np.ndarray:
    """``count`` standard normal values (float32) from a seed (uint32 words): PCG64's raw stream, whose values
    numpy keeps the same from version to version, made normal by Box and Muller (two 24-bit uniforms from each
    raw word), in float32: twice as fast as in float64, and a voice reads float32 anyway. A longer draw begins
    with the values of a shorter one."""
    raw = np.random.PCG64(np.random.SeedSequence(seed.tolist())).random_raw((count + 1) // 2)
    half, step = np.float32(0.5), np.float32(2.0 ** -24)
    radius = np.sqrt(np.float32(-2.0) * np.log(((raw >> np.uint64(40)).astype(np.float32) + half) * step))
    angle = ((raw & np.uint64(0xFFFFFF)).astype(np.float32) + half) * np.float32(2 * math.pi * 2.0 ** -24)
    out = np.empty(2 * len(raw), dtype=np.float32)
    out[0::2], out[1::2] = radius * np.cos(angle), radius * np.sin(angle)
    return out[:count]


def give_back() -> None:
    """Hand what the arena just freed back to the system: glibc keeps freed memory for reuse, so a shrunk
    arena would otherwise still count in the process's memory (tens of MB)."""
    global _TRIM
    if _TRIM is None:
        import ctypes
        import ctypes.util

        try:
            _TRIM = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None


class SeededSession:
    """An onnxruntime session of a ``seeded_model`` that feeds it noise seeded by each call's own input."""

    def __init__(self, session: Any, draws: int) -> None:
        self.session, self.draws = session, draws
        self.high = 0  # the longest input since the arena was last shrunk
        self.shapes = [f"noise_{k}/shape" for k in range(draws)]
        self.outputs = [o.name for o in session.get_outputs() if o.name not in self.shapes]
        self.layout = self._probe()

    def _probe(self) -> list[Draw]:
        """Each draw's channels, and whether it is drawn per phoneme, from two short inputs given ample room;
        room for anything if the probes fail (a voice that takes other inputs)."""
        ample = [Draw(CHANNELS, False)] * self.draws
        inputs = {i.name for i in self.session.get_inputs()}
        seen = []
        try:
            for length in PROBES:
                ids = np.array([[1] + [20 + k % 16 for k in range(length - 2)] + [2]], dtype=np.int64)
                feed = {"input": ids, "input_lengths": np.array([length], dtype=np.int64),
                        "scales": np.array([0.667, 1.0, 0.8], dtype=np.float32)}
                if "sid" in inputs:  # a voice of several speakers: the first one
                    feed["sid"] = np.array([0], dtype=np.int64)
                noise = self.noise(bytes(32), length, ample, FRAMES_PER_PHONEME * 8)
                seen.append(
                    [tuple(int(v) for v in shape) for shape in self.session.run(self.shapes, {**feed, **noise})]
                )
        except Exception:  # onnxruntime's own types  # noqa: BLE001
            return ample
        return [Draw(a[1], a[2] == PROBES[0] and b[2] == PROBES[1]) for a, b in zip(*seen)]

    def _options(self, length: int) -> Any:
        """Run options that hand the arena's spare memory back when this input is half as long as the longest
        since the last time: onnxruntime otherwise keeps what its longest sentence needed (hundreds of MB) for
        good. Sentences sent longest first shrink it a few times in all; shrinking after every sentence costs
        about 9 % more time."""
        if length * 2 > self.high:
            self.high = max(self.high, length)
            return None
        import onnxruntime

        self.high = length
        options = onnxruntime.RunOptions()
        options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        return options

    def run(self, output_names: Any, feed: dict[str, np.ndarray]) -> Any:
        ids = np.ascontiguousarray(feed["input"], dtype=np.int64)
        scales = np.ascontiguousarray(feed["scales"], dtype=np.float32)
        # the seed leaves out the length scale: the same sentence read slower (narrate's --rate) draws the same
        # noise, so it is the same reading, slower
        noise_scales = scales[[0, 2]] if scales.size > 2 else scales
        digest = hashlib.sha256(
            ids.tobytes() + noise_scales.tobytes() + np.asarray(feed.get("sid", -1)).tobytes()
        ).digest()
        length_scale = float(scales[1]) if scales.size > 1 else 1.0
        per_phoneme = math.ceil(FRAMES_PER_PHONEME * max(1.0, length_scale))
        names = self.outputs if output_names is None else output_names
        options = self._options(ids.shape[-1])
        try:
            return self.session.run(names, {**feed, **self.noise(digest, ids.shape[-1], self.layout, per_phoneme)},
                                    options)
        except Exception:  # onnxruntime's own types: a slice too short for what was drawn  # noqa: BLE001
            # a sentence slower than the first room allows gets more (the values it had stay the same)
            return self.session.run(
                names, {**feed, **self.noise(digest, ids.shape[-1], self.layout, per_phoneme * RETRY)}, options)
        finally:
            if options is not None:
                give_back()

    def noise(self, digest: bytes, phonemes: int, layout: list[Draw], per_phoneme: int) -> dict[str, np.ndarray]:
        """Standard normal noise for each draw, time-major, from a seed that is the input's hash: as many
        columns as phonemes for a draw per phoneme, else ``per_phoneme`` columns a phoneme (MIN_FRAMES at
        least)."""
        seed = np.frombuffer(digest, dtype="<u4")
        out = {}
        for k, draw in enumerate(layout):
            frames = phonemes if draw.per_phoneme else max(MIN_FRAMES, phonemes * per_phoneme)
            values = normal(np.concatenate([seed, np.array([k], dtype="<u4")]), frames * draw.channels)
            out[f"noise_{k}"] = values.reshape(frames, draw.channels).T[None].copy()
        return out
