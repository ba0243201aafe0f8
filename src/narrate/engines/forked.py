"""A sentence spoken in a fresh fork: for engines whose state carries from one utterance to the next.

Pico draws noise from a generator it never resets, and eSpeak's wave generator remembers the last utterance; in a
child forked from a process where the engine has not yet spoken, each sentence starts from the same state, so the
same sentence gives the same samples in any process, in any order, with any ``--jobs``.

Pico also reads memory it allocated and never wrote: in a fresh process that memory is zeros, but in a child forked
from a process whose heap has been used (hibari's phonemizer, say) it holds whatever was freed there, and the same
sentence came out with another length. The child therefore has the C library hand out its memory zeroed
(mallopt's M_PERTURB): the samples are those of a fresh process, whatever ran before.

The child hands back its bytes, or what went wrong in it, through a pipe; a child that has not finished after
LIMIT_SECONDS is killed, so a voice stuck in its C code stops the build with a message instead of hanging it.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Callable

from narrate.errors import EngineError

LIMIT_SECONDS = 60.0  # a sentence takes these voices milliseconds; a whole page, about a second
_SPOKE, _FAILED = b"\0", b"\1"  # the first byte the child writes: its bytes follow, or its error's text


def in_fresh_child(speak: Callable[[], bytes], failed: str, limit: float | None = None) -> bytes:
    """What ``speak`` returns, run in a forked child; EngineError(``failed``: why) if the child raised, died
    or took longer than ``limit`` seconds (LIMIT_SECONDS)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: speak, hand the bytes over, and go without running any of the parent's cleanup
        _child(speak, read, write)
    os.close(write)
    try:
        data = _read_all(read, time.monotonic() + (LIMIT_SECONDS if limit is None else limit))
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise EngineError(f"{failed}: it was still speaking after {LIMIT_SECONDS if limit is None else limit:g} s, "
                          "and was stopped") from None
    finally:
        os.close(read)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if data[:1] == _FAILED:
        raise EngineError(f"{failed}: {data[1:].decode('utf-8', 'replace')}")
    if code != 0 or data[:1] != _SPOKE:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        raise EngineError(f"{failed}: its process {how}")
    return data[1:]


def _child(speak: Callable[[], bytes], read: int, write: int) -> None:
    code = 0
    try:
        os.close(read)
        try:
            _zeroed_heap()
            data = _SPOKE + speak()
        except BaseException as exc:  # noqa: BLE001  # whatever it was, the parent says it with the sentence
            data, code = _FAILED + f"{type(exc).__name__}: {exc}".encode("utf-8", "replace"), 1
        with os.fdopen(write, "wb") as out:
            out.write(data)
    finally:
        os._exit(code)


def _zeroed_heap() -> None:
    """From here on, memory from malloc comes filled with zeros, as a fresh process's does (glibc's M_PERTURB
    fills it with the byte given, XOR 0xFF); where the C library has no mallopt, nothing changes."""
    import ctypes

    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt(M_PERTURB, 0xFF)


M_PERTURB = -6  # glibc's malloc.h


def _read_all(fd: int, deadline: float) -> bytes:
    """Everything written to ``fd`` until it is closed; TimeoutError at ``deadline``."""
    chunks = []
    poll = select.poll()  # not select(): it takes no descriptor past 1023
    poll.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not poll.poll(left * 1000):
            raise TimeoutError
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
