"""The cold hour against its floors, with the default voice (hibari's heart).

    .venv/bin/python bench/bench_floors.py --minutes 60 [300] [--jobs 2] [--mp3-only]

For each length, in one run, on bench_scale's script (distinct sentences, nothing cached by accident):

- the floors: pure synthesis of the plan's distinct sentences by hibari's own API (``Hibari()(text)``, one
  onnxruntime thread, --jobs spawned processes, the voice loaded once each, longest first), and one single-core
  LAME encode of the finished episode with narrate's MP3 settings (decoded to WAV first, untimed);
- a cold MP3 build, a cold build of every format (``-f mp3,m4b,opus,daisy,epub``), a one-sentence edit and a
  rebuild with nothing changed, each a whole process as ``narrate build`` runs.

Peak memory is the sum of every process's RSS in the tree, sampled every 0.2 s (bench_scale.tree_rss).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import run, script  # noqa: E402

CHILD_SYNTH = r"""
import json, multiprocessing, sys, time
from narrate.engines import Engines
from narrate.inputs import load_script
from narrate.plan import plan_episode

def speak(text):
    global tts
    if "tts" not in globals():
        from hibari import Hibari
        tts = Hibari(threads=1)
    return len(tts(text, seed=0))

if __name__ == "__main__":
    texts = [s.text for s in plan_episode(load_script(sys.argv[1]), Engines()).unique_speeches()]
    texts.sort(key=len, reverse=True)
    t = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(int(sys.argv[2])) as pool:
        samples = sum(pool.imap_unordered(speak, texts))
    print(json.dumps({"seconds": time.perf_counter() - t, "sentences": len(texts), "audio_s": samples / 24000}))
"""

CHILD_BUILD = r"""
import json, sys, time
from pathlib import Path
from narrate.build import build
from narrate.options import BuildOptions
if __name__ == "__main__":
    t = time.perf_counter()
    r = build(sys.argv[1], BuildOptions(output=sys.argv[2], cache_dir=Path(sys.argv[3]),
                                        formats=tuple(sys.argv[5].split(",")), jobs=int(sys.argv[4])))
    print(json.dumps({"seconds": time.perf_counter() - t, "synthesised": r.stats.synthesised, "output": str(r.output),
                      "audio_s": r.timeline.duration_ms / 1000 if r.timeline else None, "stages": r.seconds}))
"""


def lame_floor(mp3: Path, folder: Path) -> float:
    """Seconds for one single-core LAME encode of the episode, with narrate's MP3 settings."""
    from narrate.audio import ffmpeg_exe
    from narrate.export.mp3 import codec_args

    wav = folder / "episode.wav"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(mp3), str(wav)], check=True)
    began = time.perf_counter()
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-threads", "1", "-i", str(wav), *codec_args(2),
                    str(folder / "floor.mp3")], check=True)
    return time.perf_counter() - began


def one_length(minutes: float, jobs: int, every_format: bool = True) -> dict:
    """Every figure for one length of script, measured in one run."""
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text = script(minutes)
        path = folder / "long.md"
        path.write_text(text, encoding="utf-8")
        (folder / "synth.py").write_text(CHILD_SYNTH)
        (folder / "build.py").write_text(CHILD_BUILD)
        synth, synth_mb = run([py, str(folder / "synth.py"), str(path), str(jobs)])

        def build(out: str, cache: str, formats: str = "mp3") -> tuple[dict, float]:
            return run([py, str(folder / "build.py"), str(path), str(folder / out), str(folder / cache), str(jobs),
                        formats])

        cold, cold_mb = build("out", "cache")
        every, every_mb = build("all", "cache-all", "mp3,m4b,opus,daisy,epub") if every_format else (
            {"wall": float("nan"), "stages": []}, float("nan"))
        lame = lame_floor(Path(cold["output"]), folder)
        path.write_text(text.replace(" waited by ", " stood by ", 1), encoding="utf-8")
        edit, _ = build("out", "cache")
        same, _ = build("out", "cache")
    return {"minutes": minutes, "sentences": synth["sentences"], "audio_min": cold["audio_s"] / 60,
            "synth": synth["seconds"], "synth_mb": synth_mb, "lame": lame, "cold": cold["wall"], "cold_mb": cold_mb,
            "every": every["wall"], "every_mb": every_mb, "edit": edit["wall"], "same": same["wall"],
            "stages": cold["stages"], "every_stages": every["stages"], "edit_stages": edit["stages"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, nargs="+", default=[60])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mp3-only", action="store_true", help="leave out the build of every format")
    args = ap.parse_args()
    print("| script | sentences | audio | heart alone | LAME alone | floors | cold MP3 | × floors | every format "
          "| × MP3 | one edit | × cold | no change | × cold | peak MB: heart / cold / every |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = []
    for minutes in args.minutes:
        r = one_length(minutes, args.jobs, not args.mp3_only)
        rows.append(r)
        floors = r["synth"] + r["lame"]
        print(f"| {minutes:g} min | {r['sentences']} | {r['audio_min']:.1f} min | {r['synth']:.1f} s "
              f"| {r['lame']:.1f} s | {floors:.1f} s | {r['cold']:.1f} s | {r['cold'] / floors:.3f} "
              f"| {r['every']:.1f} s | {r['every'] / r['cold']:.2f} | {r['edit']:.1f} s | {r['edit'] / r['cold']:.3f} "
              f"| {r['same']:.1f} s | {r['same'] / r['cold']:.3f} "
              f"| {r['synth_mb']:.0f} / {r['cold_mb']:.0f} / {r['every_mb']:.0f} |", flush=True)
    print("\nwhere the time goes (wall seconds):")
    for r in rows:
        for label, key in (("cold", "stages"), ("every format", "every_stages"), ("edit", "edit_stages")):
            print(f"  {r['minutes']:g} min {label}: " + ", ".join(f"{name} {t:.1f}" for name, t in r[key]))
    print(json.dumps(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
