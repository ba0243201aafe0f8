"""What each voice costs: CPU seconds per second of speech, and the memory of a process that speaks it.

    .venv/bin/python bench/bench_voices.py [VOICE ...]      # default: joe af_heart bf_emma

Each voice speaks the same sentences in a fresh process, one onnxruntime thread, the voice loaded first (its load
is timed apart). The voices run one after the other, alternating twice, so compare them within one run.
"""

from __future__ import annotations

import json
import subprocess
import sys

SENTENCES = [
    "They waited for the guards to change, and walked into the cold water.",
    "It came up to their waists, and the current pulled at their legs.",
    "On the far bank, two cars were waiting with their lights off.",
    "The first bus ride alone took seventeen hours, through the night.",
    "Nobody spoke; the driver played the same three songs again and again.",
    "At the border town they slept on the floor of a room above a shop.",
    "The guide said they would walk for two nights, and rest in the day.",
    "Rain fell on the mountain path until every step was mud.",
    "By dawn they could see the river, wide and brown, and the boats on it.",
    "The boatman asked for more money halfway across, and they paid.",
    "In the cell there were forty people and one window.",
    "Then, at last, a plane, and a city none of them had seen.",
]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from narrate.engines import Engines
from narrate.script import VoiceSettings
from narrate.script.voices import engine_of

name, sentences = sys.argv[1], json.loads(sys.argv[2])
engines = Engines()
engine = engines.get(engine_of(name) or "piper")
voice = engine.resolve(VoiceSettings(engine=engine.name, model=name), Path("."))
t = time.process_time()
engine.synthesize("Hello.", voice)  # loads the voice
load = time.process_time() - t
t = time.process_time()
audio = sum(len(c.samples) / c.rate for c in (engine.synthesize(s, voice) for s in sentences))
cpu = time.process_time() - t
print(json.dumps({"voice": name, "load_cpu": load, "cpu": cpu, "audio": audio,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main(voices: list[str]) -> None:
    rows: dict[str, list[dict]] = {v: [] for v in voices}
    for _ in range(2):
        for voice in voices:
            done = subprocess.run([sys.executable, "-c", CHILD, voice, json.dumps(SENTENCES)], capture_output=True,
                                  text=True, check=True, env={"OMP_NUM_THREADS": "1", **__import__("os").environ})
            rows[voice].append(json.loads(done.stdout))
    print(f"{'voice':<12} {'audio s':>8} {'CPU s':>8} {'CPU s / s':>10} {'load CPU s':>11} {'peak MB':>8}")
    for voice, runs in rows.items():
        best = min(runs, key=lambda r: r["cpu"])
        print(f"{voice:<12} {best['audio']:>8.1f} {best['cpu']:>8.1f} {best['cpu'] / best['audio']:>10.3f} "
              f"{best['load_cpu']:>11.2f} {max(r['rss_mb'] for r in runs):>8.0f}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["joe", "af_heart", "bf_emma"])
