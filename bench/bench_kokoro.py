"""narrate's Kokoro path against kokoro-onnx's own create(), on the same text, voice, model and threads.

    .venv/bin/pip install kokoro-onnx          # for the comparison only; narrate does not need it
    .venv/bin/python bench/bench_kokoro.py

Both run the same int8 model, loaded once per process with one onnxruntime thread, and speak the same sentences
with af_heart, alternating processes, twice; the CPU time of speaking (not loading) is compared. kokoro-onnx
phonemizes with espeak-ng; narrate with misaki's English rules (hibari), so the phonemes, and the length of what is
said, differ a little: the figure to compare is CPU seconds per second of speech.
"""

from __future__ import annotations

import json
import subprocess
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from bench_voices import SENTENCES  # noqa: E402

NARRATE = r"""
import json, sys, time
from pathlib import Path
from narrate.engines.kokoro import KokoroEngine
from narrate.script import VoiceSettings
engine = KokoroEngine()
voice = engine.resolve(VoiceSettings(engine="kokoro", model="af_heart"), Path("."))
engine.synthesize("Hello.", voice)
t = time.process_time()
audio = sum(len(c.samples) / c.rate for c in (engine.synthesize(s, voice) for s in json.loads(sys.argv[1])))
print(json.dumps({"cpu": time.process_time() - t, "audio": audio}))
"""

KOKORO_ONNX = r"""
import json, sys, tempfile, time
import numpy as np, onnxruntime
from kokoro_onnx import Kokoro
from narrate.engines.kokoro import model_bytes, shipped
options = onnxruntime.SessionOptions()
options.intra_op_num_threads = options.inter_op_num_threads = 1
session = onnxruntime.InferenceSession(model_bytes(), options, providers=["CPUExecutionProvider"])
with tempfile.NamedTemporaryFile(suffix=".npz") as voices:
    np.savez(voices.name, af_heart=np.fromfile(shipped()["af_heart"], dtype="<f4").reshape(510, 1, 256))
    session._model_path = voices.name  # kokoro-onnx checks that a model file exists; the session is what it runs
    kokoro = Kokoro.from_session(session, voices.name)
    kokoro.create("Hello.", voice="af_heart", lang="en-us")
    t = time.process_time()
    audio = 0.0
    for s in json.loads(sys.argv[1]):
        samples, rate = kokoro.create(s, voice="af_heart", lang="en-us")
        audio += len(samples) / rate
print(json.dumps({"cpu": time.process_time() - t, "audio": audio}))
"""


def main() -> None:
    runs: dict[str, list[dict]] = {"narrate": [], "kokoro-onnx create()": []}
    for _ in range(2):
        for name, code in (("narrate", NARRATE), ("kokoro-onnx create()", KOKORO_ONNX)):
            done = subprocess.run([sys.executable, "-c", code, json.dumps(SENTENCES)], capture_output=True, text=True)
            if done.returncode:
                sys.exit(done.stderr)
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{'path':<22} {'audio s':>8} {'CPU s':>8} {'CPU s / s':>10}")
    for name, got in runs.items():
        best = min(got, key=lambda r: r["cpu"] / r["audio"])
        print(f"{name:<22} {best['audio']:>8.1f} {best['cpu']:>8.1f} {best['cpu'] / best['audio']:>10.3f}")


if __name__ == "__main__":
    main()
