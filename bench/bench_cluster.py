"""Benchmark a catalogue on a Ray cluster against the same catalogue built locally, and model a large one.

    .venv/bin/python bench/bench_cluster.py                 # 20 scripts, real Piper, one machine
    .venv/bin/python bench/bench_cluster.py --books 4 --sentences 10   # a quick look

1. Overhead on one machine: the catalogue is built with ``--jobs 2`` and then on a one-node Ray cluster
   (``ray start --head --num-cpus 2``, ``--cluster auto``, shared cache ``file://…``), twice each in turn,
   every run from an empty cache. The published files of both are compared byte for byte.
2. The shared cache's cost per sentence on an S3 server (moto's standalone server, through s3fs): a write-once
   PUT and a GET of a 4 s sentence, against the same in a local cache folder.
3. The driver's cost per sentence on the cluster: sentences that take no time to say, through RaySpeaker.
4. A model of a 500-book backlist on 10, 100 and 1,000 workers, from those figures and this machine's cost
   of mixing, mastering and encoding (measured on one book).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled", "SOURCE_DATE_EPOCH": "1790000000"}

PLACES = ["the river", "the border post", "the station", "the market", "the ferry", "the rice fields", "the pass",
          "the bus depot", "the safe house", "the old bridge", "the embassy", "the checkpoint"]
PEOPLE = ["the guide", "a farmer", "the driver", "an old woman", "the boatman", "two students", "a soldier"]
THINGS = ["a lamp", "the gate", "a bicycle", "a map", "the radio", "a sack of rice", "the last train"]


def script(n: int, sentences: int, rng: random.Random) -> str:
    """A book of three legs, with the series' own opening line; every other sentence its own."""
    out = [f"---\ntitle: Crossing, book {n}\nauthor: Bench\ndate: 2026-10-{n % 28 + 1:02d}\n"
           "podcast:\n  base_url: https://example.org/crossing/\n---\n"]
    for leg in range(1, 4):
        out.append(f"# Leg {leg} of book {n}\n\nThis is Crossing, a series about one long road.")
        for k in range(sentences // 3):
            out.append(f"On day {rng.randint(2, 90)}, {rng.choice(PEOPLE)} walked {rng.randint(3, 60)} kilometres "
                       f"to {rng.choice(PLACES)}, where {rng.choice(PEOPLE)} waited with {rng.choice(THINGS)}.")
        out.append("")
    return "\n".join(out)


def port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    return time.perf_counter() - t


def published(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.endswith(".manifest.json")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--books", type=int, default=20)
    parser.add_argument("--sentences", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nrb", dir="/tmp"))
    books = work / "books"
    books.mkdir()
    rng = random.Random(7)
    for n in range(1, args.books + 1):
        (books / f"book-{n:02d}.md").write_text(script(n, args.sentences, rng), encoding="utf-8")
    gcs, client = port(), port()
    subprocess.run([str(BIN / "ray"), "start", "--head", "--port", str(gcs), "--ray-client-server-port", str(client),
                    "--num-cpus", "2", "--temp-dir", str(work / "ray"), "--include-dashboard", "false",
                    "--min-worker-port", "20000", "--max-worker-port", "20999", "--disable-usage-stats"],
                   env=ENV, check=True, capture_output=True, start_new_session=True)
    results: dict[str, object] = {"books": args.books}
    try:
        local, ray = [], []
        for r in range(args.rounds):
            for name in ("local", "ray"):
                out, cache = work / f"{name}-{r}", work / f"{name}-{r}-cache"
                env = {**ENV, "NARRATE_CACHE_DIR": str(cache)}
                cmd = [str(BIN / "narrate"), "build", str(books), "-o", str(out)]
                if name == "local":
                    seconds = timed([*cmd, "--jobs", "2", "--cache-dir", str(cache)], env)
                    local.append(seconds)
                else:
                    seconds = timed([*cmd, "--cluster", "auto", "--cache-dir", f"file://{work}/{name}-{r}-shared"],
                                    {**env, "RAY_ADDRESS": f"127.0.0.1:{gcs}"})
                    ray.append(seconds)
                print(f"{name} round {r + 1}: {seconds:.1f} s", flush=True)
        same = published(work / "local-0") == published(work / "ray-0")
        audio = sum(json.loads(p.read_text())["duration_ms"] for p in (work / "local-0").rglob("*.manifest.json"))
        results.update(local_s=local, ray_s=ray, ratio=min(ray) / min(local), identical=same, audio_s=audio / 1000)
        results.update(driver_ms=driver_cost("auto", gcs))
        results.update(post_s_per_audio_s=post_cost(books / "book-01.md", work))
    finally:
        subprocess.run([str(BIN / "ray"), "stop", "--force"], env=ENV, capture_output=True)
    results.update(s3=s3_cost(work))
    results.update(model=model(results))
    print(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


def post_cost(book: Path, work: Path) -> float:
    """Seconds of mixing, mastering, encoding and publishing per second of audio, with every sentence cached."""
    env = {**ENV, "NARRATE_CACHE_DIR": str(work / "local-0-cache")}
    seconds = timed([str(BIN / "narrate"), "build", str(book), "-o", str(work / "post"), "--fresh"], env)
    manifest = next((work / "post").rglob("*.manifest.json"))
    return seconds / (json.loads(manifest.read_text())["duration_ms"] / 1000)


def driver_cost(address: str, gcs: int, count: int = 3000) -> float:
    """Milliseconds the calling machine spends on each sentence said on the cluster (sentences that cost
    nothing to say, so the driver's loop and Ray's round trip are all there is)."""
    code = f"""
import time
from pathlib import Path
from narrate.cache import Store
from narrate.cluster import RaySpeaker
from narrate.engines import ResolvedVoice
from narrate.plan import Speech
from narrate.testing import ToneEngine, tone_engines
voice = ResolvedVoice("tone", "tone-v1", ())
speeches = [Speech(f"sentence {{i}}", f"sentence {{i}}", voice, f"{{i:064x}}", 1, "text") for i in range({count})]
speaker = RaySpeaker("{address}", tone_engines(ToneEngine(seconds_per_char=1e-5, parallel=True)))
store = Store(Path("{tempfile.mkdtemp()}"))
list(speaker.speak(speeches[:50], store.speech))  # actors started, voices loaded
t = time.perf_counter()
n = sum(1 for _ in speaker.speak(speeches, store.speech))
print((time.perf_counter() - t) / n * 1000)
"""
    done = subprocess.run([sys.executable, "-c", code], env={**ENV, "RAY_ADDRESS": f"127.0.0.1:{gcs}"},
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    return float(done.stdout.strip().splitlines()[-1])


def s3_cost(work: Path, count: int = 200) -> dict[str, float]:
    """Milliseconds per sentence (a 4 s WAV, sealed) to put once and to get, on moto's S3 server and in a folder."""
    import numpy as np

    from narrate.audio import Clip
    from narrate.cache import Store
    from narrate.objectstore import SharedFiles

    p = port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(p)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_ENDPOINT_URL": f"http://127.0.0.1:{p}", "AWS_DEFAULT_REGION": "us-east-1"})
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", p)) == 0:
                    break
            time.sleep(0.1)
        import s3fs

        s3fs.S3FileSystem().mkdir("bench")
        clip = Clip(np.random.default_rng(1).uniform(-0.3, 0.3, 4 * 22050).astype(np.float32), 22050)
        out = {}
        for name, store in (("s3", Store(None, SharedFiles("s3://bench/cache"))), ("folder", Store(work / "c"))):
            keys = [f"{name}{i:062x}" for i in range(count)]
            t = time.perf_counter()
            for key in keys:
                store.speech.put(key, clip)
            out[f"{name}_put_ms"] = (time.perf_counter() - t) / count * 1000
            t = time.perf_counter()
            for key in keys:
                store.speech.get(key)
            out[f"{name}_get_ms"] = (time.perf_counter() - t) / count * 1000
        return out
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)


def model(r: dict) -> list[dict]:
    """A 500-book backlist (5 to 20 hours each, 12.5 on average) over W workers of one CPU each.

    Synthesis is spread over the workers, but every sentence passes the driver's loop once (driver_ms); a
    book is mixed, mastered and encoded on one CPU once its sentences are said, so the longest book's
    mastering is a tail no number of workers shortens."""
    hours = [5 + 15 * i / 499 for i in range(500)]
    audio = sum(hours) * 3600
    sentences = audio / 4.0  # a sentence is about 4 s long
    synth = 148 * 2 / 3600  # CPU-seconds per second of speech: Piper (joe), one thread per process
    post = r["post_s_per_audio_s"]
    out = []
    for w in (10, 100, 1000):
        speak = max(audio * synth / w, sentences * r["driver_ms"] / 1000)
        tail = max(audio * post / w, max(hours) * 3600 * post)
        out.append({"workers": w, "hours": (speak + tail) / 3600, "speaking_h": speak / 3600, "mastering_h": tail / 3600,
                    "bound": "driver" if sentences * r["driver_ms"] / 1000 > audio * synth / w else "CPU",
                    "tail_bound": audio * post / w < max(hours) * 3600 * post})
    return out


if __name__ == "__main__":
    main()
