"""Benchmark the mixing stages alone, at several lengths, to show that cost grows in proportion.

    .venv/bin/python bench/bench_mix.py --minutes 15 30 60

Speech is the tone engine's (no model), so only narrate's mixer is timed:
layout (timeline, bed runs, ducking envelope), analysis (K-weighted energies
and 4x true peaks of every 10 ms frame), and the final render (master gain and
limiter applied, converted to 16-bit PCM as the encoder receives it). Encoding
is left out; see bench_build.py for whole builds. Each length runs in a fresh
process, so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import long_script  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from narrate.audio import to_pcm16
from narrate.cache import Store
from narrate.inputs import load_script, load_sounds
from narrate.loudness import solve_master
from narrate.master import analyse
from narrate.mix import mix_episode
from narrate.plan import plan_episode
from narrate.synth import synthesize
from narrate.testing import ToneEngine, tone_engines

script_path, cache = sys.argv[1:3]
engines = tone_engines(ToneEngine(0.06, 0.5, 180.0, tremolo_hz=4.0))  # about the Piper voice's pace
script = load_script(script_path)
plan = plan_episode(script, engines)
store = Store(Path(cache))
clips, _ = synthesize(plan, engines, store.speech, None)
sounds = load_sounds(script, "full")
times = {}
t = time.perf_counter(); episode = mix_episode(plan, clips, sounds); times["layout"] = time.perf_counter() - t
t = time.perf_counter(); energies, peaks, _ = analyse(episode, store); times["analysis"] = time.perf_counter() - t
master = solve_master(energies, peaks, -16.0, -2.0)
t = time.perf_counter()
for audio in episode.with_master(master).render():
    to_pcm16(audio)
times["render"] = time.perf_counter() - t
print(json.dumps({"audio_min": episode.timeline.duration_ms / 60000, **times,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, nargs="+", default=[15, 30, 60])
    args = ap.parse_args()
    print(f"{'audio min':>9} {'layout s':>9} {'analysis s':>11} {'render s':>9} {'total s':>8} {'s per hour':>11} {'max RSS MB':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            script = Path(tmp) / f"long{minutes:g}.md"
            text = long_script(minutes).replace("cover: escape-route-cover.png\n", "")
            script.write_text(text, encoding="utf-8")
            res = subprocess.run([sys.executable, "-c", CHILD, str(script), str(Path(tmp) / "cache")],
                                 capture_output=True, text=True, cwd=ROOT / "script")
            if res.returncode:
                sys.exit(res.stderr)
            r = json.loads(res.stdout.strip().splitlines()[-1])
            total = r["layout"] + r["analysis"] + r["render"]
            print(f"{r['audio_min']:>9.1f} {r['layout']:>9.2f} {r['analysis']:>11.2f} {r['render']:>9.2f} "
                  f"{total:>8.2f} {total / r['audio_min'] * 60:>11.1f} {r['max_rss_mb']:>11.0f}")


if __name__ == "__main__":
    main()
