"""How close each voice's word times are to what a recogniser hears: a built episode per voice, against Whisper.

    .venv/bin/python bench/bench_word_accuracy.py [--voices heart,af_bella,joe] [--keep DIR]

A short story of its own (below: a bed under every chapter, chimes between them, numbers, abbreviations, a
footnote) is built with each voice as narrator (``narrate build``, MP3), then ``narrate verify``'s own check is
run on it: Whisper tiny.en transcribes the finished MP3 with word timestamps, and every word heard as written
is compared with the build record's time for it, start and end. Prints, per voice, where its word times come
from (its own model, or spread over the sentence), the median and 90th-percentile gap, and the words compared.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

VOICES = "heart,af_bella,am_michael,joe,pico_en_us,espeak_en_us"
STORY = """\
---
title: The Lighthouse Road
author: Ines Varga
ambient: night-insects
---

# The bus to Puerto Colombia

Dr. Ana Ortiz missed the 6:15 bus by two minutes, so she walked the 3 km to the coast road instead.
The driver of the second bus wanted 4,500 pesos, which was twice the fare, and she paid it without a word.
Nobody on board spoke until the road turned north and the sea came into view on the left.

# The keeper's house

The keeper, Mr. Salas, had lived beside the lighthouse since 1987.[^1] He kept a logbook of every ship that
passed, written in pencil, one line for each, with the time and the direction of the wind.
On the night she arrived he counted 14 lights on the water and said it was a quiet one.

[^1]: He was nineteen when he took the post.

# Morning

At dawn the fishing boats came back in a long line, low in the water, and the gulls followed them to the beach.
She bought coffee at a stall by the harbour wall and watched the nets being laid out to dry.
By 9 a.m. the wind had turned, and the first bus back to the city was already full.
"""


def measure(voice: str, folder: Path) -> str:
    from narrate.record import BuildRecord
    from narrate.verify import decode, transcribe
    from narrate.word_check import word_timings

    script = folder / f"{voice}.md"
    script.write_text(STORY.replace("author: Ines Varga", f"author: Ines Varga\nvoice: {voice}"), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "narrate", "build", str(script), "-o", str(folder / voice / f"{voice}.mp3")],
                   check=True, stdout=subprocess.DEVNULL)
    record = BuildRecord.read(folder / voice / f"{voice}.manifest.json")
    assert record is not None
    heard = transcribe(decode(folder / voice / f"{voice}.mp3"))
    timing = word_timings(record, heard)[0]
    source = "own model" if timing.timed_by == "voice" else "spread"
    return (f"| {voice} | {record.engines[0].engine} | {source} | {timing.median_ms:.0f} | {timing.p90_ms:.0f} "
            f"| {timing.words} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--voices", default=VOICES)
    ap.add_argument("--keep", type=Path, help="build in this folder, and keep it")
    args = ap.parse_args()
    print("| voice | engine | word times | median ms | 90th percentile ms | words compared |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for voice in args.voices.split(","):
            print(measure(voice, folder), flush=True)


if __name__ == "__main__":
    main()
