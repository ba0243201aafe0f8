"""What happens when builds are killed, interrupted, run twice at once, or meet a full or read-only disk.

Each test runs the real narrate command in its own process (speaking in tones, through
``python -m narrate.testing``), so signals, locks and disks behave as they do for a user.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from narrate.audio import Clip
from narrate.engines import ResolvedVoice
from narrate.testing import ToneEngine, tone_engines

from conftest import decode, run_cli, write_script

BODY = "".join(
    f"# Leg {n}\n\n" + " ".join(f"We walked on through stretch {n}-{k} of the road." for k in range(1, 5)) + "\n\n"
    for n in range(1, 5)
)
FRONT = "---\ntitle: Stops\nformats: [mp3, m4b]\n---\n"


def start(tmp_path: Path, *args: str, delay: float = 0.0) -> subprocess.Popen[str]:
    """narrate (speaking in tones, each sentence taking ``delay`` s) in its own process."""
    env = {**os.environ, "NARRATE_TONE_DELAY": str(delay), "NARRATE_CACHE_DIR": str(tmp_path / "cache")}
    # Ctrl-C as a terminal sends it: a shell that starts the tests in the background has them ignore SIGINT,
    # and a command started so keeps ignoring it, as it should
    return subprocess.Popen([sys.executable, "-m", "narrate.testing", *args], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            pytest.fail("timed out waiting")
        time.sleep(0.005)


def stray(folder: Path) -> list[str]:
    """Temporary files and work folders anywhere under ``folder``."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if ".partial" in p.name or ".narrate-" in p.name)


def cached_sentences(tmp_path: Path) -> int:
    speech = tmp_path / "cache" / "speech"
    return sum(1 for p in speech.rglob("*.wav") if not p.name.startswith(".")) if speech.exists() else 0


@pytest.fixture
def story(tmp_path: Path) -> Path:
    return write_script(tmp_path, BODY, FRONT)


def test_a_build_killed_while_publishing_leaves_nothing_half_written_and_the_next_reuses_its_work(
    tmp_path: Path, story: Path
) -> None:
    out = tmp_path / "build" / "story"
    for _ in range(2):  # killed twice over: leftovers do not pile up
        proc = start(tmp_path, "build", story.name)
        wait_for(lambda: bool(stray(out)) or proc.poll() is not None)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the build ended before it could be killed while publishing"
        assert not [p for p in out.iterdir() if not p.name.startswith(".")], "a file was published half-written"
    proc = start(tmp_path, "build", story.name)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "temporary file" in stderr and "left by a build that was stopped" in stderr
    assert "synthesised 0 of 23 sentences, 23 from cache" in stdout  # the killed builds' work is reused
    assert stray(tmp_path) == []
    assert abs(len(decode(out / "story.mp3")) / 44100 - len(decode(out / "story.m4b")) / 44100) < 0.05


def test_a_build_killed_while_speaking_publishes_nothing_and_keeps_what_it_said(tmp_path: Path, story: Path) -> None:
    proc = start(tmp_path, "build", story.name, delay=0.1)
    wait_for(lambda: cached_sentences(tmp_path) >= 3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "build" / "story").exists()
    kept = cached_sentences(tmp_path)
    proc = start(tmp_path, "build", story.name)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert f"synthesised {23 - kept} of 23 sentences, {kept} from cache" in stdout
    assert "damaged" not in stderr  # every sentence it finished was whole
    assert stray(tmp_path) == []


@pytest.mark.parametrize(("sig", "code", "said"), [
    (signal.SIGINT, 130, "interrupted: nothing was published by this run"),
    (signal.SIGTERM, 143, "terminated: nothing was published by this run"),
])
def test_ctrl_c_and_sigterm_stop_cleanly(tmp_path: Path, story: Path, sig: int, code: int, said: str) -> None:
    out = tmp_path / "build" / "story"
    for _ in range(3):  # on a busy machine a short build can finish before the look, or the signal, catches it
        shutil.rmtree(tmp_path / "build", ignore_errors=True)
        shutil.rmtree(tmp_path / "cache", ignore_errors=True)
        out.mkdir(parents=True)
        proc = start(tmp_path, "build", story.name)
        wait_for(lambda: bool(stray(out)) or proc.poll() is not None)  # while the encoders run
        if proc.poll() is not None:
            proc.communicate()
            continue
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
        if proc.returncode != 0:
            break
    else:
        pytest.fail("the build finished three times before it could be stopped")
    assert (proc.returncode, stderr.strip().splitlines()[-1]) == (code, said), stderr
    assert stray(tmp_path) == [] and list(out.iterdir()) == []  # its temporary files went with it
    encoders = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True).stdout
    assert encoders == ""  # and so did its ffmpeg processes


def test_two_builds_into_one_folder_take_turns(tmp_path: Path, story: Path) -> None:
    first = start(tmp_path, "build", story.name, delay=0.05)
    wait_for(lambda: cached_sentences(tmp_path) >= 1)
    second = start(tmp_path, "build", story.name)
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert (first.returncode, second.returncode) == (0, 0), err1 + err2
    assert f"is being built by narrate (process {first.pid}: narrate build {story.name})" in err2
    assert "synthesised 23 of 23" in out1 and "story.mp3: no changes since the last build" in out2
    assert stray(tmp_path) == []


def test_a_damaged_cache_entry_is_made_again_and_never_heard(tmp_path: Path, story: Path) -> None:
    proc = start(tmp_path, "build", story.name, "-o", "one")
    proc.communicate(timeout=120)
    entry = max((tmp_path / "cache" / "speech").rglob("*.wav"), key=lambda p: p.stat().st_size)
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    proc = start(tmp_path, "build", story.name, "-o", "two")
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "was damaged; synthesised again" in stderr and "synthesised 1 of 23" in stdout
    one, two = decode(tmp_path / "one/story/story.mp3"), decode(tmp_path / "two/story/story.mp3")
    assert len(one) == len(two)


# --- disks: a small tmpfs where the machine allows mounting one ---------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "disk"
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True)
    if made.returncode:
        pytest.skip(f"this machine cannot mount a tmpfs: {made.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_disk_without_room_is_refused_before_any_audio_work(tmp_path: Path, story: Path, small_disk: Path) -> None:
    (small_disk / "filler").write_bytes(b"\0" * 3_000_000)
    proc = start(tmp_path, "build", story.name, "-o", str(small_disk / "out"))
    _, stderr = proc.communicate(timeout=60)
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    assert proc.returncode == 1
    assert stderr.startswith(f"{small_disk}: the output folder needs about ")
    assert stderr.endswith(f" MB and the disk has {free / 1e6:,.0f} MB free: free some space (narrate cache prune "
                           "removes old sentences), or use another disk\n")
    assert cached_sentences(tmp_path) == 0 and not (small_disk / "out").exists()


class FullDiskEngine(ToneEngine):
    """The disk fills up while the voice speaks (as the cache writes a sentence)."""

    def synthesize(self, text: str, voice: ResolvedVoice) -> Clip:
        raise OSError(errno.ENOSPC, "No space left on device", "/data/cache/speech/ab/.ab12.partial.wav")


def test_a_disk_that_fills_up_during_the_build_is_one_line(tmp_path: Path, story: Path) -> None:
    code, out, err = run_cli("build", str(story), "-o", str(tmp_path / "out"),
                             engines=tone_engines(FullDiskEngine()))
    assert (code, err) == (1, "/data/cache/speech/ab/.ab12.partial.wav: no space left on the disk: free some "
                              "(narrate cache prune removes old sentences), or build on another disk "
                              "(-o DIR, --cache-dir DIR)\n")
    assert not (tmp_path / "out").exists()


def test_a_read_only_output_folder_is_refused_before_any_audio_work(
    tmp_path: Path, story: Path, small_disk: Path
) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    proc = start(tmp_path, "build", story.name, "-o", str(small_disk / "out"))
    _, stderr = proc.communicate(timeout=60)
    assert (proc.returncode, stderr) == (
        1, f"{small_disk}: the disk is read-only: build into a folder on another disk (-o DIR)\n")
    assert cached_sentences(tmp_path) == 0


def test_a_script_that_cannot_be_read_is_one_line_and_exit_1(tmp_path: Path, story: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.skip("needs root, to run narrate as another user who may not read the script")
    tmp_path.chmod(0o755)
    story.chmod(0o000)
    as_nobody = ["runuser", "-u", "nobody", "--", sys.executable]
    can = subprocess.run([*as_nobody, "-c", "import narrate"], capture_output=True, text=True, cwd="/")
    if can.returncode:
        pytest.skip(f"'nobody' cannot run this Python: {can.stderr.strip()[-200:]}")
    got = subprocess.run([*as_nobody, "-m", "narrate", "check", str(story)], capture_output=True, text=True, cwd="/")
    assert (got.returncode, got.stderr) == (1, f"{story}: cannot read the file: Permission denied\n")


def test_a_default_build_in_an_empty_network_namespace(tmp_path: Path) -> None:
    """The real command, with the default engine (Piper, in worker processes), where no network exists."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare, to give narrate a network namespace of its own")
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.skip("this machine cannot make a network namespace")
    script = write_script(tmp_path, "# One\n\nThe boat left at two. They crossed in silence.\n")
    got = subprocess.run(["unshare", "-n", sys.executable, "-m", "narrate", "build", str(script), "-o",
                          str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), "-f", "mp3,opus"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert "synthesised 7 of 7 sentences" in got.stdout
    assert len(decode(tmp_path / "out/story/story.opus")) > 44100 * 5
