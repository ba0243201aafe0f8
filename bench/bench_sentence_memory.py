"""Piper's peak memory against the length of what it is given at once: the basis of text.MAX_WORDS.

    python bench/bench_sentence_memory.py [WORDS ...]

Each length is synthesised in a fresh process (peak RSS is a high-water mark), with the
bundled voice, from a sentence of that many words and no full stop.
"""

from __future__ import annotations

import random
import subprocess
import sys

CHILD = """
import random, resource, sys, time
from pathlib import Path
from narrate.engines.piper import PiperEngine
from narrate.script.model import VoiceSettings
words = ("the road ran south along the river and the guide walked ahead of them through fields of maize "
         "and rice while trucks passed slowly in the dust").split()
random.seed(1)
n = int(sys.argv[1])
text = " ".join(random.choice(words) for _ in range(n))
engine = PiperEngine()
voice = engine.resolve(VoiceSettings(engine="piper", model="joe"), Path("."))
engine._load(voice.model)
loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
start = time.perf_counter()
clip = engine.synthesize(text, voice)
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"| {n} | {clip.seconds:.1f} s | {took:.1f} s | {loaded} MB | {peak} MB |")
"""


def main(lengths: list[int]) -> None:
    print("| words | audio | synthesis | RSS with the voice loaded | peak RSS |")
    print("|---:|---:|---:|---:|---:|")
    for n in lengths:
        out = subprocess.run([sys.executable, "-c", CHILD, str(n)], capture_output=True, text=True, check=True)
        print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    random.seed(0)
    main([int(a) for a in sys.argv[1:]] or [25, 50, 100, 200, 400, 800])
