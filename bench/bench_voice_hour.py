"""The same cold hour read by joe and by a Kokoro voice, in one run: time, summed memory, CPU a second of speech,
how well it is heard, and how true the progress bar's time left was.

    .venv/bin/python bench/bench_voice_hour.py --minutes 60 --voices joe af_heart [--jobs 2]

The script is bench_scale's (distinct sentences along the route, about `minutes` of joe), built cold into an
empty cache by `narrate build` in its own process, each voice in turn. Memory is the peak of the process tree's
summed RSS; CPU is the build's and its workers' user and system time. The time left is what the progress bar
would have shown (narrate.report.Progress, fed as the command feeds it) when each tenth of the sentences was done,
against the synthesis time that was in fact left. Intelligibility: the first five minutes of each episode are
transcribed by Whisper tiny.en and scored as `narrate verify` scores them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import run, script  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from narrate.build import build
from narrate.options import BuildHooks, BuildOptions
from narrate.report import Progress
if __name__ == "__main__":  # the synthesis workers are spawned, and import this file
    bar = Progress(stream=open("/dev/null", "w"))
    seen = []
    began = time.perf_counter()
    def progress(done, total):
        bar(done, total)
        seen.append((time.perf_counter() - began, done, total, bar.seconds_left()))
    r = build(sys.argv[1], BuildOptions(output=sys.argv[2], cache_dir=Path(sys.argv[3]), formats=("mp3",),
                                        jobs=int(sys.argv[4])), hooks=BuildHooks(progress=progress, work=bar.work))
    wall = time.perf_counter() - began
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    end = seen[-1][0]  # when the last sentence was spoken
    total = seen[-1][2]
    marks = []
    for tenth in range(1, 10):
        at = next(s for s in seen if s[1] >= total * tenth / 10)
        marks.append((tenth * 10, round(at[3], 1) if at[3] is not None else None, round(end - at[0], 1)))
    print(json.dumps({"seconds": wall, "synthesis": dict(r.seconds).get("synthesis"), "sentences": total,
                      "cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
                      "audio_s": r.timeline.duration_ms / 1000, "marks": marks, "manifest": str(r.manifest),
                      "audio": str(r.output)}))
"""

SAMPLE_S = 300  # the first five minutes are transcribed


def heard(result: dict) -> float:
    """The body text's word error rate over the first SAMPLE_S seconds, as narrate verify scores it."""
    from narrate.record import BuildRecord
    from narrate.verify import RATE, compare_words, decode, transcribe

    record = BuildRecord.read(Path(result["manifest"]))
    assert record is not None
    samples = decode(Path(result["audio"]))[: SAMPLE_S * RATE]
    words = [w for w, _, _ in transcribe(samples)]
    inside = tuple(s for s in record.sentences if s.end_ms <= SAMPLE_S * 1000 - 2000)
    part = SimpleNamespace(settings=record.settings, sentences=inside,
                           chapters=[c for c in record.chapters if c.number <= inside[-1].chapter])
    return compare_words(Path(result["audio"]), part, words).body_wer  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--voices", nargs="+", default=["joe", "af_heart"])
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    text = script(args.minutes)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "build.py").write_text(CHILD)
        for voice in args.voices:
            path = folder / f"{voice}.md"
            path.write_text(text.replace("---\n", f"---\nvoice: {voice}\n", 1), encoding="utf-8")
            got, peak = run([sys.executable, str(folder / "build.py"), str(path), str(folder / "out"),
                             str(folder / f"cache-{voice}"), str(args.jobs)])
            got["peak_mb"], got["wer"] = peak, heard(got)
            rows.append((voice, got))
            print(voice, json.dumps(got["marks"]), flush=True)
    print(f"\n| voice | sentences | audio | cold build | synthesis | CPU s | CPU s a second of speech | "
          f"real-time factor (wall) | peak MB, summed | body word errors (first {SAMPLE_S // 60} min) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for voice, g in rows:
        print(f"| {voice} | {g['sentences']} | {g['audio_s'] / 60:.1f} min | {g['wall'] / 60:.1f} min "
              f"| {g['synthesis'] / 60:.1f} min | {g['cpu']:.0f} | {g['cpu'] / g['audio_s']:.3f} "
              f"| {g['wall'] / g['audio_s']:.3f} | {g['peak_mb']:.0f} | {g['wer']:.1%} |")
    print("\ntime left as the progress bar said it, against the truth (s), at each tenth of the sentences:")
    for voice, g in rows:
        print(f"  {voice}: " + ", ".join(f"{pct}% {said}/{truth}" for pct, said, truth in g["marks"]))


if __name__ == "__main__":
    main()
