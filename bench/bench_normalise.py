"""Score narrate's normaliser on NVIDIA NeMo-text-processing's public English test cases.

    .venv/bin/python bench/bench_normalise.py PATH/TO/data_text_normalization [--show-misses]

PATH holds NeMo's ``test_cases_<category>.txt`` files (its repository, under
tests/nemo_text_processing/en/data_text_normalization/); they are read from there,
not copied here. Each line is ``written~spoken``. The comparison is lenient: case, hyphens, the word 'and', punctuation and US/UK spelling are
ignored (whisper-normalizer's spelling table). It also prints the time per case.

    PYTHON bench/bench_normalise.py PATH --nemo   # NeMo's own normaliser, in a venv where
                                                  # nemo-text-processing is installed (it is not narrate's)
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from whisper_normalizer.english import EnglishSpellingNormalizer


CATEGORIES = ("cardinal", "ordinal", "decimal", "fraction", "money", "measure", "date", "time", "range", "roman",
              "telephone", "whitelist", "math", "serial")
_spelling = EnglishSpellingNormalizer()


def lenient(text: str) -> list[str]:
    """Words for comparison: lower case, no hyphens or punctuation, no 'and', one spelling."""
    text = re.sub(r"[-‐‑–—]", " ", text.lower())
    text = re.sub(r"[^\w\s']", " ", text).replace("'", "")
    return [w for w in _spelling(" ".join(text.split())).split() if w != "and"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", type=Path)
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--nemo", action="store_true", help="score NeMo's normaliser instead of narrate's")
    args = ap.parse_args()
    if args.nemo:
        from nemo_text_processing.text_normalization.normalize import Normalizer

        t0 = time.perf_counter()
        nemo = Normalizer(input_case="cased", lang="en")
        print(f"NeMo's grammars ready in {time.perf_counter() - t0:.1f} s")

        def normalise(text: str) -> str:
            return nemo.normalize(text, punct_post_process=True)
    else:
        from narrate.normalise import normalise
    total = hits = 0
    seconds = 0.0
    misses = []
    rows = []
    for category in CATEGORIES:
        path = args.cases / f"test_cases_{category}.txt"
        if not path.is_file():
            sys.exit(f"{path}: not found")
        n = k = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if "~" not in line:
                continue
            written, expected = line.split("~", 1)
            t = time.perf_counter()
            said = normalise(written)
            seconds += time.perf_counter() - t
            n += 1
            if lenient(said) == lenient(expected):
                k += 1
            else:
                misses.append((category, written, expected, said))
        rows.append((category, k, n))
        total, hits = total + n, hits + k
    for category, k, n in rows:
        print(f"{category:<10} {k:>3} of {n:>3}  {k / n:6.1%}")
    print(f"{'all':<10} {hits:>3} of {total:>3}  {hits / total:6.1%}   {seconds / total * 1000:.3f} ms a case")
    if args.show_misses:
        for category, written, expected, said in misses:
            print(f"{category}: {written!r}\n    NeMo:    {expected}\n    narrate: {said}")


if __name__ == "__main__":
    main()
