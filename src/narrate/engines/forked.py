"""A sentence spoken in a fresh fork: for engines whose state carries from one utterance to the next.

Pico draws noise from a generator it never resets, and eSpeak's wave generator remembers the last utterance; in a
child forked from a process where the engine has not yet spoken, each sentence starts from the same state, so the
same sentence gives the same samples in any process, in any order, with any ``--jobs``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from narrate.errors import EngineError


def in_fresh_child(speak: Callable[[], bytes], failed: str) -> bytes:
    """What ``speak`` returns, run in a forked child; EngineError(``failed``) if the child could not."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: speak, hand the bytes over, and go without running any of the parent's cleanup
        code = 0
        try:
            os.close(read)
            data = speak()
            with os.fdopen(write, "wb") as out:
                out.write(data)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as got:
        data = got.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise EngineError(failed)
    return data
