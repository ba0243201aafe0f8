"""What makes Kokoro faster on two cores, and whether it changes what is said.

    .venv/bin/python bench/bench_kokoro_levers.py

The twelve sentences of bench_voices, twice (24), spoken by af_heart through narrate's Kokoro engine, with the
session built here so each lever can be set: how the two cores are used (two processes of one onnxruntime thread
each, narrate's layout, against one process of two threads), onnxruntime's graph optimisation level, and
denormals flushed to zero, and the convolutions' kernels: ConvInteger (uint8, as shipped), float Conv over the
same weights dequantised (bench/kokoro_float_convs.py), and ConvInteger with the weights shifted to int8. Each
layout is timed as wall time for all 24 sentences, the model loaded beforehand; each is run twice, alternating, and
the better run kept. Every lever's samples are compared with the baseline's. Batching is not a lever here: the
model's inputs have a batch of one (tokens [1, n], style [1, 256]).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_voices import SENTENCES  # noqa: E402

CHILD = r"""
import hashlib, json, sys, time
from pathlib import Path
import numpy as np, onnx, onnxruntime
from onnx import numpy_helper
from narrate.engines.kokoro import KokoroEngine, model_bytes
from narrate.script import VoiceSettings
threads, level, denormal, texts = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", json.loads(sys.argv[4])
kernel, model = sys.argv[5], model_bytes()
if kernel != "uint8":
    graph = onnx.load_from_string(model)
    if kernel == "float":
        sys.path.insert(0, sys.argv[6])
        from kokoro_float_convs import float_convs
        float_convs(graph)
    else:  # int8 weights: the same values less 128, zero points too
        weights = {i.name: i for i in graph.graph.initializer}
        for name in {n.input[k] for n in graph.graph.node if n.op_type == "ConvInteger" for k in (1, 3)}:
            shifted = numpy_helper.to_array(weights[name]).astype(np.int16) - 128
            weights[name].CopyFrom(numpy_helper.from_array(shifted.astype(np.int8), name))
    model = graph.SerializeToString()
options = onnxruntime.SessionOptions()
options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
options.graph_optimization_level = getattr(onnxruntime.GraphOptimizationLevel, level)
if denormal:
    options.add_session_config_entry("session.set_denormal_as_zero", "1")
engine = KokoroEngine()
engine._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
voice = engine.resolve(VoiceSettings(engine="kokoro", model="af_heart"), Path("."))
engine.synthesize("Hello.", voice)
print("ready", flush=True)
sys.stdin.readline()
t, cpu = time.perf_counter(), time.process_time()
clips = [engine.synthesize(s, voice) for s in texts]
print(json.dumps({"wall": time.perf_counter() - t, "cpu": time.process_time() - cpu,
                  "audio": sum(len(c.samples) / c.rate for c in clips),
                  "digest": [hashlib.sha256(c.samples.tobytes()).hexdigest()[:16] for c in clips]}))
"""


def layout(processes: int, threads: int, level: str = "ORT_ENABLE_ALL", denormal: bool = False,
           kernel: str = "uint8") -> dict:
    """Speak the 24 sentences in ``processes`` processes of ``threads`` threads (longest first, dealt in turn);
    the wall time from the moment every process has its model loaded."""
    texts = sorted(SENTENCES * 2, key=len, reverse=True)
    shares = [texts[k::processes] for k in range(processes)]
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(threads), level, "1" if denormal else "0",
                               json.dumps(share), kernel, str(Path(__file__).resolve().parent)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for share in shares]
    for p in procs:
        assert p.stdout and p.stdout.readline().strip() == "ready"
    began = time.perf_counter()
    for p in procs:
        assert p.stdin
        p.stdin.write("go\n")
        p.stdin.flush()
    got = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - began
    digest = {text: d for share, g in zip(shares, got) for text, d in zip(share, g["digest"])}
    return {"wall": wall, "cpu": sum(g["cpu"] for g in got), "audio": sum(g["audio"] for g in got),
            "digest": hashlib.sha256(json.dumps(digest, sort_keys=True).encode()).hexdigest()[:12]}


def main() -> None:
    levers = {
        "2 processes x 1 thread (narrate)": (2, 1, "ORT_ENABLE_ALL", False),
        "1 process x 2 threads": (1, 2, "ORT_ENABLE_ALL", False),
        "2 x 1, graph: basic only": (2, 1, "ORT_ENABLE_BASIC", False),
        "2 x 1, graph: extended": (2, 1, "ORT_ENABLE_EXTENDED", False),
        "2 x 1, denormals as zero": (2, 1, "ORT_ENABLE_ALL", True),
        "2 x 1, float convolutions": (2, 1, "ORT_ENABLE_ALL", False, "float"),
        "2 x 1, int8 conv weights": (2, 1, "ORT_ENABLE_ALL", False, "int8"),
    }
    best: dict[str, dict] = {}
    for _ in range(2):
        for name, args in levers.items():
            got = layout(*args)
            if name not in best or got["wall"] < best[name]["wall"]:
                best[name] = got
    base = best["2 processes x 1 thread (narrate)"]
    print(f"{'layout':<34} {'wall s':>7} {'× narrate':>9} {'CPU s':>7} {'audio s':>8} {'RTF (wall)':>10}  same samples")
    for name, got in best.items():
        print(f"{name:<34} {got['wall']:>7.1f} {got['wall'] / base['wall']:>9.3f} {got['cpu']:>7.1f} "
              f"{got['audio']:>8.1f} {got['wall'] / got['audio']:>10.3f}  {'yes' if got['digest'] == base['digest'] else 'no'}")


if __name__ == "__main__":
    main()
