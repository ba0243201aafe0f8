"""What each voice costs: CPU seconds per second of speech, and the memory of a process that speaks it.

    .venv/bin/python bench/bench_voices.py [VOICE ...]      # default: joe af_heart bf_emma

Each voice speaks the same sentences in a fresh process, one onnxruntime thread, the voice loaded first (its load
is timed apart). The voices run one after the other, alternating twice, so compare them within one run. Then each
voice's sentences are transcribed by Whisper tiny.en (the 'verify' extra), sentence by sentence, and scored against
the text with verify's own normaliser: the word error rate a listener's ear is measured by here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

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
if len(sys.argv) > 3:  # keep the clips, for the recogniser
    import numpy as np, wave
    from narrate.audio import to_pcm16
    for k, s in enumerate(sentences):
        c = engine.synthesize(s, voice)
        with wave.open(f"{sys.argv[3]}/{name}-{k:02d}.wav", "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(c.rate); w.writeframes(to_pcm16(c.samples))
print(json.dumps({"voice": name, "load_cpu": load, "cpu": cpu, "audio": audio,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def word_error_rate(folder: Path, voice: str) -> float:
    """Whisper tiny.en's word error rate on the voice's sentences, one at a time."""
    from rapidfuzz.distance import Levenshtein

    from narrate.verify import decode, normalise, transcribe

    errors = words = 0
    for k, sentence in enumerate(SENTENCES):
        heard = normalise(" ".join(w for w, _, _ in transcribe(decode(folder / f"{voice}-{k:02d}.wav"))))
        said = normalise(sentence)
        errors += Levenshtein.distance(said, heard)
        words += len(said)
    return errors / words


def main(voices: list[str]) -> None:
    rows: dict[str, list[dict]] = {v: [] for v in voices}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(2):
            for voice in voices:
                done = subprocess.run([sys.executable, "-c", CHILD, voice, json.dumps(SENTENCES), *([tmp] if run else [])],
                                      capture_output=True, text=True, check=True)
                rows[voice].append(json.loads(done.stdout))
        print(f"{'voice':<12} {'audio s':>8} {'CPU s':>8} {'CPU s / s':>10} {'load CPU s':>11} {'peak MB':>8} {'WER':>6}")
        for voice, runs in rows.items():
            best = min(runs, key=lambda r: r["cpu"])
            print(f"{voice:<12} {best['audio']:>8.1f} {best['cpu']:>8.1f} {best['cpu'] / best['audio']:>10.3f} "
                  f"{best['load_cpu']:>11.2f} {max(r['rss_mb'] for r in runs):>8.0f} "
                  f"{word_error_rate(Path(tmp), voice):>6.1%}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["joe", "af_heart", "bf_emma"])
