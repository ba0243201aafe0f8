"""A catalogue on a real Ray cluster with the speech cache in a real S3 server, both started here.

The cluster has two nodes on this machine: a head (``ray start --head``) and a worker (``ray start --address``,
with its own temporary folder), one CPU each. The S3 server is moto's standalone server, reached through s3fs.
The scripts speak with heart, the real default voice, slowed a little so that a node can be killed while they
are being said (a fault in narrate's own code is played by the tone engine). Every catalogue is checked against
a local ``--jobs 1`` build, byte for byte.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
EPOCH = "1790000000"  # SOURCE_DATE_EPOCH: the build's time, so that two builds can be compared byte for byte
BUCKET = "narrate-books"
# no usage reports, and no token authentication: a local ray.init() would otherwise write ~/.ray/auth_token,
# and every cluster started after it would want that token
RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
HEALTH = '{"health_check_period_ms": 500, "health_check_failure_threshold": 3}'  # a dead node noticed in ~2 s


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def _moto(port: int) -> subprocess.Popen:
    """moto's S3 server on ``port``, answering, with the bucket made (the credentials from the environment)."""
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port)
        import s3fs

        s3fs.S3FileSystem(skip_instance_cache=True, endpoint_url=f"http://127.0.0.1:{port}").mkdir(BUCKET)
    except BaseException:
        server.kill()
        raise
    return server


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    """moto's S3 server on a free port, with a bucket; the environment that reaches it."""
    port = _port()
    env = {"AWS_ACCESS_KEY_ID": "narrate", "AWS_SECRET_ACCESS_KEY": "narrate-secret",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_DEFAULT_REGION": "us-east-1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    server = None
    try:
        server = _moto(port)
        yield env
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if server is not None:
            server.terminate()
            server.wait(10)


class RayCluster:
    """Two Ray nodes on this machine, each a process group of its own (so either can be killed)."""

    def __init__(self) -> None:
        self.gcs, self.client = _port(), _port()
        self.folder = Path(tempfile.mkdtemp(prefix="nr", dir="/tmp"))  # short: Ray's socket paths have a limit
        self.nodes: dict[str, int] = {}
        self.env = {**os.environ, **RAY_ENV}
        base = 25000  # workers' ports: clear of the client server's (23000-24000) and of ephemeral ones
        try:
            self._start("head", "--head", "--port", str(self.gcs), "--ray-client-server-port", str(self.client),
                        "--include-dashboard", "false", "--min-worker-port", str(base), "--max-worker-port",
                        str(base + 499), "--system-config", HEALTH)
            self.start_worker()
        except BaseException:
            self.stop()
            raise
        self.address = f"ray://127.0.0.1:{self.client}"

    def _start(self, name: str, *args: str) -> None:
        folder = self.folder / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        process = subprocess.run([str(BIN / "ray"), "start", *args, "--num-cpus", "1", "--temp-dir", str(folder),
                                  "--disable-usage-stats"], env=self.env, capture_output=True, text=True,
                                 timeout=120, start_new_session=True)
        assert process.returncode == 0, process.stderr[-2000:]
        self.nodes[name] = _group_of(folder)

    def start_worker(self) -> None:
        base = 25500
        self._start("worker", "--address", f"127.0.0.1:{self.gcs}", "--min-worker-port", str(base),
                    "--max-worker-port", str(base + 499))

    def kill(self, name: str) -> None:
        os.killpg(self.nodes.pop(name), signal.SIGKILL)

    def stop(self) -> None:
        for name in list(self.nodes):
            try:
                self.kill(name)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def _group_of(folder: Path) -> int:
    """The process group of the raylet whose temporary folder is ``folder``."""
    for _ in range(100):
        out = subprocess.run(["ps", "-ww", "-eo", "pgid,args"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "raylet" in line and f"{folder}/" in line:
                return int(line.split()[0])
        time.sleep(0.1)
    raise RuntimeError(f"no raylet for {folder}")


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayCluster]:
    c = RayCluster()
    try:
        yield c
    finally:
        c.stop()


def _book(n: int, bad: bool = False) -> str:
    parts = []
    for c in range(1, 3):
        lines = [f"# Part {c} of volume {n}", "", "Every part of the series opens with this welcome."]
        lines += [f"Volume {n}, part {c}, says line {k}: the road runs {k * 40 + n} kilometres on." for k in range(6)]
        parts.append("\n".join(lines))
    front = f"---\ntitle: Volume {n}\ndate: 2026-11-0{n}\npodcast:\n  base_url: https://example.org/v/\n"
    if bad:
        front += "voice:\n  speed: fast\n"
    return front + "---\n\n" + "\n\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("catalogue") / "books"
    folder.mkdir()
    for n in range(1, 4):
        (folder / f"volume-{n}.md").write_text(_book(n), encoding="utf-8")
    return folder


def _narrate(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
             delay: str = "0", real: bool = False, tones: bool = False) -> subprocess.Popen:
    """The narrate command speaking with heart, its real default voice, each sentence ``delay`` seconds slower
    (so that a node can be killed while it speaks); ``tones``: in tones that run on a cluster (or in worker
    processes) as heart does; ``real``: the narrate command as it is."""
    full = {**os.environ, **(env or {}), "NARRATE_TONE_PARALLEL": "1", "NARRATE_TONE_DELAY": delay,
            "SOURCE_DATE_EPOCH": EPOCH, **RAY_ENV, **({} if tones else {"NARRATE_SLOWED_HEART": "1"})}
    module = "narrate" if real else "narrate.testing"
    return subprocess.Popen([sys.executable, "-m", module, *args], env=full, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _run(*args: str, **kw: object) -> tuple[int, str, str]:
    p = _narrate(*args, **kw)  # type: ignore[arg-type]
    out, err = p.communicate(timeout=300)
    return p.returncode, out, err


@pytest.fixture(scope="module")
def local(books: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue built on this machine, in one process: what every cluster build must equal."""
    out = tmp_path_factory.mktemp("local")
    code, _, err = _run("build", str(books), "-o", str(out), "--jobs", "1", "--cache-dir", str(out / ".cache"))
    assert code == 0, err
    return out


def _same_files(a: Path, b: Path) -> list[str]:
    """Published files (all but the build records and the local cache) that differ or are missing."""
    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*")
                if p.is_file() and ".cache" not in p.parts and not p.name.endswith(".manifest.json")}

    names = files(a) | files(b)
    return sorted(n for n in names if not ((a / n).is_file() and (b / n).is_file()
                                           and filecmp.cmp(a / n, b / n, shallow=False)))


def _shared_sentences(prefix: str, kind: str = "speech") -> int:
    """How many sentences (or, with kind 'words', sentences' word times) the shared cache holds."""
    import s3fs

    found = s3fs.S3FileSystem(skip_instance_cache=True).find(f"{BUCKET}/{prefix}/{kind}")
    return len([p for p in found if p.endswith(".wav" if kind == "speech" else ".json")])


# --- the shared cache alone (no cluster) ---

@pytest.mark.parametrize("where", ["s3", "file"])
def test_two_machines_saying_one_sentence_at_once_agree_on_one_whole_entry(
        where: str, s3: dict[str, str], tmp_path: Path) -> None:
    import numpy as np

    from narrate.audio import Clip
    from narrate.cache import Store, seal, unseal
    from narrate.objectstore import SharedFiles

    url = f"s3://{BUCKET}/race-{tmp_path.name}" if where == "s3" else f"file://{tmp_path}/shared"
    key = "ab" + "c" * 62
    rate = 22050
    clips = [Clip(np.full(rate, (i + 1) / 20, dtype=np.float32), rate) for i in range(8)]  # each machine's own
    got: list[object] = [None] * len(clips)
    start = threading.Barrier(len(clips))

    def machine(i: int) -> None:
        store = Store(tmp_path / f"local-{i}", SharedFiles(url))
        start.wait()
        got[i] = store.speech.put(key, clips[i])

    threads = [threading.Thread(target=machine, args=(i,)) for i in range(len(clips))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    shared = SharedFiles(url)
    assert [rel for rel, _ in shared.listing("speech")] == [f"speech/ab/{key}.wav"]  # one entry, no stray parts
    blob = shared.read(f"speech/ab/{key}.wav")
    assert blob is not None and unseal(blob) is not None
    held = Store(None, shared).speech.get(key)
    assert held is not None
    for clip in got:  # every machine mixes the samples the cache holds, whoever wrote them
        assert np.array_equal(clip.samples, held.samples)  # type: ignore[union-attr]
    # each machine's own copy is that entry too
    assert all((tmp_path / f"local-{i}" / f"speech/ab/{key}.wav").read_bytes() == blob for i in range(len(clips)))
    assert seal(unseal(blob) or b"") == blob


def test_a_damaged_shared_entry_is_removed_and_said_again(s3: dict[str, str], tmp_path: Path) -> None:
    from narrate.cache import Store
    from narrate.objectstore import SharedFiles

    shared = SharedFiles(f"s3://{BUCKET}/damaged")
    key = "cd" + "e" * 62
    shared.create(f"speech/cd/{key}.wav", b"NRC1" + b"\0" * 60)
    store = Store(tmp_path / "local", shared)
    assert store.speech.get(key) is None
    assert store.damaged == [("speech", key)]
    assert shared.read(f"speech/cd/{key}.wav") is None


@pytest.fixture(scope="module")
def shared_build(s3: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One script built with the tone engine into a cache in S3 (and a folder of this machine's)."""
    from narrate.build import build
    from narrate.options import BuildOptions
    from narrate.testing import ToneEngine, tone_engines

    folder = tmp_path_factory.mktemp("shared")
    (folder / "volume-1.md").write_text(_book(1), encoding="utf-8")
    url = f"s3://{BUCKET}/kept"
    os.environ["NARRATE_CACHE_DIR"] = str(folder / "local")
    try:
        build(str(folder / "volume-1.md"), BuildOptions(output=str(folder / "out"), cache_dir=url, jobs=2),
              tone_engines(ToneEngine(parallel=True)))
    finally:
        del os.environ["NARRATE_CACHE_DIR"]
    return folder, url


def test_cache_info_verify_and_prune_work_on_a_shared_cache(shared_build: tuple[Path, str]) -> None:
    from conftest import run_cli
    from narrate.objectstore import SharedFiles

    folder, url = shared_build
    code, out, _ = run_cli("cache", "info", "--cache-dir", url)
    lines = out.splitlines()
    assert code == 0 and lines[0] == f"cache: {url}"
    assert lines[1].split()[:2] == ["18", "sentences"]  # only the sentences are shared: the rest stays local
    assert [line.split()[0] for line in lines[2:6]] == ["0", "0", "0", "0"]  # (the tone engine says no word times)
    assert " 1 episode build in the last 30 days " in lines[6]
    assert lines[7] == "  0 entries (0.0 kB) are used by no build in the last 30 days: 'narrate cache prune' removes them"
    assert run_cli("cache", "verify", "--cache-dir", url)[1] == "checked 18 entries: all sound\n"
    shared = SharedFiles(url)
    first = shared.listing("speech")[0][0]
    shared.remove(first)
    shared.create(first, b"not a sealed entry")
    assert run_cli("cache", "verify", "--cache-dir", url)[1] == "checked 18 entries: 1 damaged; removed them\n"
    assert len(shared.listing("speech")) == 17
    code, out, _ = run_cli("cache", "prune", "--cache-dir", url, "--days", "0")
    assert out.startswith("removed 17 entries that no build in the last 0 days used: freed ")
    assert shared.listing("speech") == [] and shared.listing("builds") == []


def test_a_cache_address_that_cannot_be_used_is_one_line(s3: dict[str, str], tmp_path: Path) -> None:
    from conftest import run_cli

    code, _, err = run_cli("cache", "info", "--cache-dir", "nosuch://bucket/x")
    assert code == 1
    assert err == ("nosuch://bucket/x: a shared cache cannot be kept at 'nosuch://' addresses: give "
                   "s3://bucket/prefix, gs://bucket/prefix, az://container/prefix or file:///shared/folder\n")
    code, _, err = run_cli("cache", "verify", "--cache-dir", "s3://no-such-bucket-here/x")
    assert code == 1
    assert err == ("s3://no-such-bucket-here/x: the shared cache cannot be used: there is no bucket "
                   "'no-such-bucket-here'; create it, or check the address\n")


def test_a_plain_install_has_no_ray_and_never_imports_it(tmp_path: Path) -> None:
    from importlib.metadata import requires

    for line in requires("narrate") or []:
        if line.split(";")[0].strip().split("[")[0].split(">")[0].lower() in ("ray", "s3fs", "fsspec"):
            assert 'extra == "cluster"' in line, line
    (tmp_path / "story.md").write_text(_book(2), encoding="utf-8")
    code = ("import sys\n"
            "from narrate.cli import main\n"
            "from narrate.testing import tone_engines\n"
            "sys.argv = ['narrate', 'build', 'story.md', '--cache-dir', 'cache']\n"
            "try:\n    main(tone_engines())\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('ray', 'fsspec', 's3fs')]\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # asking for a cluster without Ray says how to get it
    code = ("import sys\nsys.modules['ray'] = None\n"
            "from narrate.cli import main\nfrom narrate.testing import tone_engines, ToneEngine\n"
            "sys.argv = ['narrate', 'build', 'story.md', '-o', 'out2', '--cache-dir', 'c2', '--cluster', 'auto']\n"
            "main(tone_engines(ToneEngine(parallel=True)))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr == "--cluster needs Ray, which a plain install does not have: pip install " \
                          "'narrate[cluster]'\n"


# --- on the cluster ---

def test_a_catalogue_on_two_nodes_with_the_cache_in_s3_equals_the_local_build_with_a_node_killed(
        cluster: RayCluster, s3: dict[str, str], books: Path, local: Path, tmp_path: Path) -> None:
    """Three books and a broken one, through the client port; the worker node is killed while it speaks."""
    shutil.copytree(books, tmp_path / "books")
    (tmp_path / "books" / "volume-4.md").write_text(_book(4, bad=True), encoding="utf-8")  # a book that fails
    out = tmp_path / "out"
    p = _narrate("build", str(tmp_path / "books"), "-o", str(out), "--cluster", cluster.address, "--cache-dir",
                 f"s3://{BUCKET}/first", env={"NARRATE_CACHE_DIR": str(tmp_path / "c")}, delay="0.1")
    lines: list[str] = []
    killed = threading.Event()

    def read() -> None:
        assert p.stderr is not None
        for line in p.stderr:
            lines.append(line.rstrip("\n"))
            if not killed.is_set() and re.match(r"catalogue: \d+ of 50 sentences said \((1\d|2\d) %\)", line):
                cluster.kill("worker")  # the node goes while it is saying its sentences
                killed.set()

    reader = threading.Thread(target=read)
    reader.start()
    stdout = p.stdout.read() if p.stdout else ""
    assert p.wait(300) == 3, "\n".join(lines)  # some books failed, the others were published
    reader.join()
    assert killed.is_set()
    bad = tmp_path / "books" / "volume-4.md"
    assert f"error: {bad}:7: 'speed' must be a number from 0.5 to 2.0, not 'fast'" in lines
    assert lines[-1] == ("1 of 4 books failed (volume-4.md; each is reported above); "
                         "the other 3 were published")
    # each book says 18 sentences (its lines, chapter titles, opening and closing); the welcome and the closing
    # are the same in all three, and said once: 3 x 16 + 2
    assert "catalogue: 3 books to build, 50 sentences to say" in lines
    assert any(re.fullmatch(r"catalogue: \d+ of 50 sentences said \(\d+ %\), 0 of 3 books published, about \d+ s "
                            r"left", line) for line in lines)
    assert "a Ray worker was lost; its sentences are said again by the others" in lines
    assert "catalogue: 50 of 50 sentences said (100 %), 3 of 3 books published" in lines
    assert "feed: " in stdout and "(3 episodes" in stdout
    assert _shared_sentences("first") == 50 and _shared_sentences("first", "words") == 50  # heart's word times too
    assert _same_files(local, out) == []  # the transcripts, page and books with them


def test_one_script_speaks_on_the_cluster_and_is_mixed_here(cluster: RayCluster, books: Path, local: Path,
                                                            tmp_path: Path) -> None:
    """From a driver on a node of the cluster (auto: the one $RAY_ADDRESS names), given in the environment;
    without a shared cache, the sentences come back through Ray into this machine's cache."""
    out = tmp_path / "out"
    code, stdout, err = _run("build", str(books / "volume-2.md"), "-o", str(out), "--cache-dir",
                             str(tmp_path / "cache"),
                             env={"NARRATE_CLUSTER": "auto", "RAY_ADDRESS": f"127.0.0.1:{cluster.gcs}"})
    assert code == 0, err
    assert "synthesised 18 of 18 sentences, 0 from cache" in stdout
    for name in ("volume-2.mp3", "volume-2.vtt", "index.html"):
        assert (out / "volume-2" / name).read_bytes() == (local / "volume-2" / name).read_bytes()
    assert len(list((tmp_path / "cache" / "speech").glob("??/*.wav"))) == 18


@pytest.mark.parametrize(("fault", "message"), [
    ("speaking", "internal error: RuntimeError: the tone engine failed as it spoke, on purpose (run 'narrate -v ...' "
                 "to see the traceback)"),
    ("arriving", "narrate could not start its voices on the Ray cluster at 'auto': RuntimeError: the tone engine "
                 "failed to arrive, on purpose"),
])
def test_a_fault_in_narrates_own_code_on_the_cluster_is_not_a_lost_cluster(cluster: RayCluster, tmp_path: Path,
                                                                            fault: str, message: str) -> None:
    """The cluster is whole; narrate's own code fails on it, as a sentence is said or as an actor starts: the
    message is that fault's, as it would be here, never 'lost the Ray cluster'."""
    script = tmp_path / "night.md"
    script.write_text("---\ntitle: Night\nmix: {intro: false}\n---\n# Night\nThey left at night.\n", encoding="utf-8")
    code, _, err = _run("build", str(script), "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"),
                        env={"NARRATE_CLUSTER": "auto", "RAY_ADDRESS": f"127.0.0.1:{cluster.gcs}",
                             "NARRATE_TONE_FAIL": fault}, tones=True)
    assert code == 1
    assert err.splitlines()[-1] == message, err
    assert "lost the Ray cluster" not in err and not (tmp_path / "out").exists()


def _head_process(cluster: RayCluster, program: str) -> int:
    """The pid of one of the head node's own processes: ``raylet/raylet`` or ``gcs/gcs_server``."""
    ps = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True).stdout
    found = [int(line.split()[0]) for line in ps.splitlines()
             if f"{cluster.folder}/head/" in line and line.split()[1].endswith(f"/{program}")]
    assert len(found) == 1, ps
    return found[0]


def test_losing_the_control_store_goes_on_and_losing_this_machines_raylet_is_one_line(books: Path, local: Path,
                                                                                      tmp_path: Path) -> None:
    """A cluster of its own, heart speaking on both nodes for a driver on the head (auto). First its control
    store (the GCS server) is killed: the raylets and the actors live on, and the sentences keep coming. Then the
    head's raylet: Ray ends the driver's process itself, without a word, or narrate notices first; either way the
    build stops within 30 s with one line. A rerun on this machine finishes from the sentences already said: the
    same files as the build here."""
    own = RayCluster()

    def said() -> int:
        assert p.poll() is None, p.communicate()
        return len(list((tmp_path / "c").glob("speech/*/*.wav")))

    try:
        p = _narrate("build", str(books / "volume-1.md"), "-o", str(tmp_path / "out"), "--cache-dir",
                     str(tmp_path / "c"), env={"NARRATE_CLUSTER": "auto", "RAY_ADDRESS": f"127.0.0.1:{own.gcs}"},
                     delay="0.4")
        while not said():  # the first sentences are back from the actors
            time.sleep(0.05)
        os.kill(_head_process(own, "gcs/gcs_server"), signal.SIGKILL)
        before = said()
        end = time.monotonic() + 20
        while said() < before + 3:  # the build goes on without its control store
            assert time.monotonic() < end, "no sentence came after the control store was lost"
            time.sleep(0.05)
        os.kill(_head_process(own, "raylet/raylet"), signal.SIGKILL)
        killed = time.monotonic()
        _, err = p.communicate(timeout=60)
        assert time.monotonic() - killed < 30
    finally:
        own.stop()
    assert p.returncode == 1, err
    assert re.fullmatch(r"(lost the Ray cluster at 'auto' \([^\n]+\); build again when it is back|lost this machine's "
                        r"Ray node at 'auto': Ray ended the build when its raylet went away; build again when the "
                        r"node is back): every sentence already said is in the cache\n", err), err
    assert not (tmp_path / "out" / "volume-1").exists()
    code, again, err = _run("build", str(books / "volume-1.md"), "-o", str(tmp_path / "out"), "--cache-dir",
                            str(tmp_path / "c"), "--jobs", "1")
    assert code == 0, err
    found = re.search(r"synthesised \d+ of 18 sentences, (\d+) from cache", again)
    assert found and 18 > int(found.group(1)) >= before + 3, again
    assert _same_files(local / "volume-1", tmp_path / "out" / "volume-1") == []


def test_losing_the_shared_caches_endpoint_stops_the_build_with_one_line(cluster: RayCluster, s3: dict[str, str],
                                                                         books: Path, local: Path,
                                                                         tmp_path: Path) -> None:
    """The S3 server the sentences are written to goes while heart speaks on both nodes: the build stops within
    30 s with one line naming the cache, and publishes nothing; a rerun with the server back (here, with the
    sentences this machine kept) gives the same files as the build here."""
    port = _port()
    moto = _moto(port)
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "NARRATE_CACHE_DIR": str(tmp_path / "c")}
    try:
        p = _narrate("build", str(books / "volume-1.md"), "-o", str(tmp_path / "out"), "--cluster", cluster.address,
                     "--cache-dir", f"s3://{BUCKET}/gone", env=env, delay="0.2")
        while len(list((tmp_path / "c").glob("speech/*/*.wav"))) < 2:  # sentences are in S3 and back here
            assert p.poll() is None, p.communicate()
            time.sleep(0.05)
        moto.kill()
        moto.wait()
        killed = time.monotonic()
        _, err = p.communicate(timeout=60)
        assert time.monotonic() - killed < 30
        assert p.returncode == 1, err
        assert err.startswith(f"s3://{BUCKET}/gone: the shared cache cannot be used: "), err
        assert err.endswith("; check its address and the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                            "and AWS_ENDPOINT_URL for an S3-compatible server)\n"), err
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert not (tmp_path / "out" / "volume-1").exists()
        moto = _moto(port)
        code, _, err = _run("build", str(books / "volume-1.md"), "-o", str(tmp_path / "out"), "--jobs", "1",
                            "--cache-dir", f"s3://{BUCKET}/gone", env=env)  # here, as it may be
        assert code == 0, err
    finally:
        moto.kill()
    assert _same_files(local / "volume-1", tmp_path / "out" / "volume-1") == []


def test_this_machines_raylet_is_checked_on_its_own_socket(tmp_path: Path) -> None:
    """A driver on a node checks its raylet where it listens: a socket that takes a connection answers; one whose
    raylet was killed (the file left behind) or that is gone does not; an address that is not a Unix socket is
    left to the head's check."""
    from types import SimpleNamespace

    from narrate.cluster import _raylet_answers

    def ray_with(path: str) -> SimpleNamespace:
        node = SimpleNamespace(raylet_socket_name=path)
        return SimpleNamespace(_private=SimpleNamespace(worker=SimpleNamespace(global_worker=SimpleNamespace(
            node=node))))

    path = str(tmp_path / "raylet")
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(path)
    listening.listen(1)
    assert _raylet_answers(ray_with(path))
    listening.close()  # as a killed raylet leaves it: the file, and nobody listening
    assert Path(path).exists() and not _raylet_answers(ray_with(path))
    assert not _raylet_answers(ray_with(str(tmp_path / "none")))
    assert _raylet_answers(ray_with("tcp://127.0.0.1:7000")) and _raylet_answers(SimpleNamespace())


def test_a_cluster_that_cannot_be_reached_is_one_line(tmp_path: Path, books: Path) -> None:
    port = _port()
    code, _, err = _run("build", str(books / "volume-1.md"), "-o", str(tmp_path), "--cache-dir", str(tmp_path / "c"),
                        "--cluster", f"ray://127.0.0.1:{port}")
    assert code == 1
    assert err.splitlines()[-1].startswith(f"cannot reach the Ray cluster at 'ray://127.0.0.1:{port}': ")
    assert err.splitlines()[-1].endswith("; start one with 'ray start --head' (auto), or give its client address, "
                                         "ray://HOST:10001")
    assert "Traceback" not in err
    assert not (tmp_path / "volume-1").exists()


def test_losing_the_head_node_stops_the_build_with_one_line(cluster: RayCluster, s3: dict[str, str], books: Path,
                                                           tmp_path: Path) -> None:
    """The module's last test: the cluster's head is killed mid-build. A rerun on this machine reuses every
    sentence that was said."""
    p = _narrate("build", str(books / "volume-3.md"), "-o", str(tmp_path / "out"), "--cluster", cluster.address,
                 "--cache-dir", f"s3://{BUCKET}/headless",
                 env={"NARRATE_CACHE_DIR": str(tmp_path / "c"), "RAY_CLIENT_RECONNECT_GRACE_PERIOD": "1"}, delay="0.4")
    while _shared_sentences("headless") < 3:
        time.sleep(0.2)
        assert p.poll() is None, p.communicate()
    for node in list(cluster.nodes):
        cluster.kill(node)
    killed = time.monotonic()
    _, err = p.communicate(timeout=120)
    assert time.monotonic() - killed < 30
    assert p.returncode == 1, err
    assert re.fullmatch(rf"lost the Ray cluster at '{cluster.address}' \([^\n]+\); build again when it is back: every "
                        r"sentence already said is in the cache\n", err), err  # in Ray's words, which vary
    assert not (tmp_path / "out" / "volume-3").exists()
    said = _shared_sentences("headless")
    assert 3 <= said < 18
    code, stdout, err = _run("build", str(books / "volume-3.md"), "-o", str(tmp_path / "out"), "--cache-dir",
                             f"s3://{BUCKET}/headless", "--jobs", "1", env={"NARRATE_CACHE_DIR": str(tmp_path / "d")})
    assert code == 0, err
    assert f"synthesised {18 - said} of 18 sentences, {said} from cache" in stdout
