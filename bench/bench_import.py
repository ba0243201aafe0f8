"""Importing real books: time, peak memory, and how much of their dialogue finds its speaker.

    .venv/bin/python bench/bench_import.py [--runs 3]

For each book in tests/books: the best wall time of ``--runs`` imports, the peak of Python's allocations
(tracemalloc) during one, its chapters, speakers, quotations given to a speaker and left to the narrator; and for the
two Holmes editions, the share of the 75 hand-labelled tagged quotations (tests/books/speech-tags.tsv) that the
built plan gives to their speaker.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import tracemalloc
from pathlib import Path

from narrate.engines import Engines
from narrate.importing import import_book
from narrate.plan import plan_episode
from narrate.script import parse_script

BOOKS = Path(__file__).resolve().parent.parent / "tests" / "books"
NAMES = ["the-adventures-of-sherlock-holmes.epub", "pg1661-the-adventures-of-sherlock-holmes.epub",
         "love-among-the-chickens.epub", "night-ferry.odt", "night-ferry.docx"]


def letters(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def labelled_share(script: Path) -> float:
    """The share of the labelled quotations said by their speaker, in the plan narrate builds from ``script``."""
    plan = plan_episode(parse_script(script.read_text(encoding="utf-8"), str(script)), Engines())
    said = {c.title: [s for s in c.items if getattr(s, "role", None) == "text"] for c in plan.chapters}
    with open(BOOKS / "speech-tags.tsv", encoding="utf-8") as f:
        rows = list(csv.reader((line for line in f if not line.startswith("#")), delimiter="\t"))
    right = 0
    for story, opening, speaker in rows:
        chapter = next(said[t] for t in said if t.endswith(story))
        speech = next((s for s in chapter if s.source.startswith(opening)), None) or \
            next(s for s in chapter if letters(s.source).startswith(letters(opening)))
        right += speech.speaker == speaker
    return right / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("| book | best of runs | peak allocated | chapters | speakers | given | left to the narrator | labelled |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in NAMES:
            script = Path(tmp) / f"{Path(name).stem}.md"
            best = float("inf")
            for _ in range(args.runs):
                start = time.perf_counter()
                done = import_book(BOOKS / name, script)
                best = min(best, time.perf_counter() - start)
            tracemalloc.start()
            import_book(BOOKS / name, script)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            speakers = done.dialogue.speakers()[0]
            given = sum(n for _, n, *_ in speakers)
            share = f"{labelled_share(script):.1%}" if "holmes" in name else ""
            print(f"| {name} | {best:.2f} s | {peak / 1e6:.1f} MB | {len(done.chapters)} | {len(speakers)} | "
                  f"{given:,} | {done.dialogue.unattributed:,} | {share} |")


if __name__ == "__main__":
    main()
