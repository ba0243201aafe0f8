"""The Ray driver in a child process: ``narrate build --cluster auto`` (or HOST:PORT) runs itself again as a
child, which connects to Ray and builds, and waits for it.

A driver on a node of the cluster is one of that node's Ray workers: when the node's raylet goes away, Ray ends
the driver's process itself, at once, from its own threads, without a word and before narrate can say anything.
The command that waits for it can: if the child ends before it has said how the build ended, this process says
in one line what was lost, and that the cache keeps what was said. A ray:// client is not ended so, and runs in
the command's own process.
"""

from __future__ import annotations

import os

from narrate.errors import NarrateError

DRIVER = "NARRATE_RAY_DRIVER"  # in the Ray driver's own process: the pipe it says it ended well on


def supervised(address: str) -> bool:
    """Whether a build on ``address`` runs its Ray driver in a child process that this one watches (see the
    module's notes): yes for auto and HOST:PORT, not for a ray:// client, nor in the child itself."""
    return not address.startswith("ray://") and DRIVER not in os.environ


def supervise(address: str) -> int:
    """Run this same command again as the Ray driver, in a child, and wait for it; its exit status. A child that
    ends before it has said how the build ended (Ray ended it) is reported in one line."""
    import signal
    import subprocess
    import sys

    done, mark = os.pipe()
    child = subprocess.Popen([sys.executable, *sys.orig_argv[1:]], env={**os.environ, DRIVER: str(mark)},
                             pass_fds=(mark,))
    os.close(mark)
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the child, which stops cleanly
    terminate = signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        code = child.wait()
    finally:
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, terminate)
    with os.fdopen(done, "rb") as said:
        ended = said.read(1)
    if ended or code == 0:
        return code
    if code < 0:
        raise NarrateError(f"the build on the Ray cluster at '{address}' was stopped by signal "
                           f"{signal.Signals(-code).name}")
    raise NarrateError(f"lost this machine's Ray node at '{address}': Ray ended the build when its raylet went "
                       "away; build again when the node is back: every sentence already said is in the cache")


def driver_ended() -> None:
    """In the child ``supervise`` started, once the command has said how it ended: that it did (Ray may still end
    the process before Python's own exit)."""
    if os.environ.get(DRIVER, "").isdigit():
        try:
            os.write(int(os.environ[DRIVER]), b"1")
        except OSError:
            pass
