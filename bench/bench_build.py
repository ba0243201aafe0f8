"""Benchmark a build: cold, unchanged rebuild, and rebuild after a one-sentence edit.

    .venv/bin/python bench/bench_build.py --minutes 60             # real Piper synthesis
    .venv/bin/python bench/bench_build.py --minutes 60 --engine tone  # narrate's own stages only
    .venv/bin/python bench/bench_build.py --minutes 60 --engine tone --formats mp3   # one format only

The script is the demo's chapters repeated until about --minutes of narration.
'tone' replaces speech with tones of the same shape, so the figures show
parsing, planning, mixing and encoding without the cost of the voice.
Each case runs in a fresh process, so peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "script" / "escape-route.md"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from narrate.build import build
from narrate.engines import Engines
from narrate.options import BuildOptions
from narrate.testing import ToneEngine, tone_engines

script, out, cache, engine, formats = sys.argv[1:6]
# the tone engine at about the Piper voice's pace
engines = tone_engines(ToneEngine(0.075, 0.3, 0.09 * 22050 / 6.283185307179586)) if engine == "tone" else Engines()
t = time.perf_counter()
r = build(script, BuildOptions(output=out, cache_dir=Path(cache), formats=tuple(formats.split(",")) if formats else None),
          engines)
print(json.dumps({"seconds": time.perf_counter() - t,
                  "audio_s": r.timeline.duration_ms / 1000 if r.timeline else None,
                  "synthesised": r.stats.synthesised, "total": r.stats.total,
                  "remixed": len(r.cost.analysed), "encoded": len(r.cost.encoded), "chapters": r.cost.chapters,
                  "encoded_s": r.cost.encoded_seconds,
                  "rewritten": len(r.cost.rewritten),
                  "report": r.changes.lines() if r.changes else [],
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def long_script(minutes: float) -> str:
    """The demo, with its chapters repeated (and renamed) to reach about ``minutes``."""
    text = DEMO.read_text(encoding="utf-8")
    front_end = text.index("\n---\n", 4) + 5
    front, body = text[:front_end], text[front_end:]
    chapters = re.split(r"(?m)^(?=# )", body)[1:]
    front = front.replace("cover: escape-route-cover.png\n", "")
    rounds = max(1, round(minutes / 10.5))
    parts = []
    for r in range(rounds):
        for c in chapters:
            parts.append(re.sub(r"^# (.*)", rf"# \1 (part {r + 1})", c, count=1))
    return front + "\n".join(parts)


def run_case(script: Path, out: Path, cache: Path, engine: str, formats: str) -> dict:
    res = subprocess.run([sys.executable, "-c", CHILD, str(script), str(out), str(cache), engine, formats],
                         capture_output=True, text=True)
    if res.returncode:
        sys.exit(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


def check_joins(mp3: Path, manifest: Path) -> dict:
    """Decode the rebuilt MP3 and compare the sample steps at every chapter and piece join with those
    around it (a click or gap shows as a step far larger than its neighbourhood's)."""
    import numpy as np
    from narrate.audio import ffmpeg_exe
    from narrate.encoding import PIECE_FRAMES

    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-"],
                         capture_output=True, check=True).stdout
    audio = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768
    record = json.loads(manifest.read_text(encoding="utf-8"))
    rate, piece = 44100, PIECE_FRAMES * 1152
    starts = [round(c["start_ms"] * rate / 1000) for c in record["chapters"]] + [len(audio)]
    joins = set(starts[1:-1])
    for a, b in zip(starts, starts[1:]):
        joins.update(range(a + piece, b - piece // 4, piece))
    step = np.abs(np.diff(audio))
    worst = 0.0
    for at in sorted(joins):
        near = step[at - 441 : at + 441].max()
        around = np.concatenate([step[at - rate // 2 : at - 441], step[at + 441 : at + rate // 2]]).max()
        worst = max(worst, float(near / max(around, 1e-4)))
    planned = round(record["duration_ms"] * rate / 1000)
    return {"samples": len(audio), "planned": planned, "joins": len(joins), "worst": worst}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--engine", choices=["piper", "tone"], default="piper")
    ap.add_argument("--formats", default="", help="e.g. mp3 or mp3,m4b,opus (default: the demo's 'formats')")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script = folder / "long.md"
        script.write_text(long_script(args.minutes), encoding="utf-8")
        out, cache = folder / "long.mp3", folder / "cache"
        results = {"cold": run_case(script, out, cache, args.engine, args.formats)}
        results["unchanged"] = run_case(script, out, cache, args.engine, args.formats)
        text = script.read_text(encoding="utf-8")
        script.write_text(text.replace("The first bus ride alone took 17 hours.",
                                       "The first bus ride alone lasted 17 hours.", 1), encoding="utf-8")
        results["one edit"] = run_case(script, out, cache, args.engine, args.formats)
        joins = check_joins(out, folder / "long.manifest.json")
    cold = results["cold"]["seconds"]
    print(f"engine {args.engine}, formats {args.formats or 'as the demo sets them'}, "
          f"{results['cold']['audio_s'] / 60:.1f} min of audio, {results['cold']['total']} sentences")
    print(f"{'case':<10} {'seconds':>8} {'x cold':>7} {'synthesised':>12} {'remixed':>8} {'encoded':>8} "
          f"{'MP3 s':>7} {'rewritten':>10} {'max RSS MB':>11}")
    for name, r in results.items():
        print(f"{name:<10} {r['seconds']:>8.1f} {r['seconds'] / cold:>7.3f} {r['synthesised']:>12} "
              f"{r['remixed']:>8} {r['encoded']:>8} {r['encoded_s']:>7.0f} {r['rewritten']:>10} {r['max_rss_mb']:>11.0f}")
    print(f"after the edit, decoded: {joins['samples']} samples for {joins['planned']} planned; at "
          f"{joins['joins']} joins (chapters and MP3 pieces) the largest sample step within 10 ms is at most "
          f"{joins['worst']:.2f}x the largest in the half second around it")
    print("one edit's change report:")
    for line in results["one edit"]["report"]:
        print("  " + line)


if __name__ == "__main__":
    main()
