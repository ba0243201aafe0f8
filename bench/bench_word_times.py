"""What knowing when each word is said costs heart: its timed clips against its plain ones, in one process.

    .venv/bin/python bench/bench_word_times.py [--rounds 3]

bench_voices' sentences, each said by ``HibariEngine.synthesize`` and by ``HibariEngine.timed`` (the same clip,
with each word's start and end from the model's own durations), in turns, ``--rounds`` times; the models are
loaded and every sentence said once before timing. Prints the CPU seconds of each and their ratio (the least of
the rounds), and how many words were timed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_voices import SENTENCES  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from narrate.engines.hibari import HibariEngine
    from narrate.script import VoiceSettings

    engine = HibariEngine()
    voice = engine.resolve(VoiceSettings(engine="hibari", model="heart"), Path("."))
    for text in SENTENCES:  # both models loaded, the G2P warm
        engine.synthesize(text, voice)
        engine.timed(text, voice)
    plain, timed, words = [], [], 0
    for _ in range(args.rounds):
        began = time.process_time()
        for text in SENTENCES:
            engine.synthesize(text, voice)
        plain.append(time.process_time() - began)
        began = time.process_time()
        for text in SENTENCES:
            words += len(engine.timed(text, voice)[1])
        timed.append(time.process_time() - began)
    print(f"{len(SENTENCES)} sentences, {words // args.rounds} words: plain {min(plain):.3f} CPU s, "
          f"timed {min(timed):.3f} CPU s, timed / plain {min(timed) / min(plain):.3f}")


if __name__ == "__main__":
    main()
