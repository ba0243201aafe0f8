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

The noise is laid out time-major (a column of CHANNELS values per frame), so a
longer input for a longer sentence begins with the same values: what the voice is
given does not depend on how much room was made for it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

CHANNELS = 256  # at least the channels of any noise the voice draws (the joe voice: 2 and 192)
FRAMES_PER_PHONEME = 12  # room for the frames a phoneme lasts at length scale 1 (the joe voice: about 2 to 5)


def seeded_model(path: str) -> tuple[bytes, int] | None:
    """The voice model with its random draws made inputs ('noise_0', ...), and how many; None if the model
    draws no noise this way (it is then used as it is)."""
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
    return model.SerializeToString(), len(draws)


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
        digest = hashlib.sha256(ids.tobytes() + scales.tobytes() + np.asarray(feed.get("sid", -1)).tobytes()).digest()
        length_scale = float(scales[1]) if scales.size > 1 else 1.0
        frames = ids.shape[-1] * int(np.ceil(FRAMES_PER_PHONEME * max(1.0, length_scale)))
        options = self._options(ids.shape[-1])
        try:
            return self.session.run(output_names, {**feed, **self.noise(digest, frames)}, options)
        except Exception:  # onnxruntime's own types: a slice too short for what was drawn  # noqa: BLE001
            # a sentence slower than the first room allows gets more (the values it had stay the same)
            return self.session.run(output_names, {**feed, **self.noise(digest, frames * 8)}, options)
        finally:
            if options is not None:
                give_back()

    def noise(self, digest: bytes, frames: int) -> dict[str, np.ndarray]:
        """Standard normal noise for each draw, time-major, from a seed that is the input's hash.

        Legacy ``RandomState`` because numpy keeps its streams the same from version to version."""
        seed = np.frombuffer(digest, dtype="<u4")
        out = {}
        for k in range(self.draws):
            rng = np.random.RandomState(np.concatenate([seed, [k]]).astype(np.uint32))
            out[f"noise_{k}"] = rng.standard_normal((frames, CHANNELS)).astype(np.float32).T[None].copy()
        return out
