"""One exception tree for every failure a user can cause or fix.

Each error knows where it comes from (a file, and a line when there is one),
so the CLI can print it once, compiler-style: ``path:line: what is wrong``.
"""

from __future__ import annotations

from typing import IO, Any

import click


class NarrateError(click.ClickException):
    """A failure the user can act on; printed as ``path:line: message``."""

    exit_code = 1

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line

    def located(self, path: str | None, line: int | None = None) -> NarrateError:
        """Fill in the location if the raiser did not know it."""
        if self.path is None:
            self.path = path
        if self.line is None:
            self.line = line
        return self

    def format_message(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), file=file, err=file is None)


class SomeFailed(NarrateError):
    """Some books of a catalogue could not be built; the others were published (exit status 3)."""

    exit_code = 3


class ScriptError(NarrateError):
    """The script file is unreadable or does not follow the format."""


class EngineError(NarrateError):
    """An engine or voice is unknown, unusable, or cannot be reached."""


class SoundError(NarrateError):
    """A cover or sound file named by the script is missing or unreadable."""


class ExportError(NarrateError):
    """Encoding or tagging the episode failed."""


def os_error(exc: OSError) -> NarrateError:
    """An operating system's refusal (no permission, a read-only or full disk, ...) as one line naming the
    path and what to do."""
    import errno

    advice = {
        errno.EACCES: "permission denied: write somewhere you may (-o DIR), or change the folder's permissions",
        errno.EPERM: "not permitted: write somewhere you may (-o DIR), or change the folder's permissions",
        errno.EROFS: "the disk is read-only: build into a folder on another disk (-o DIR)",
        errno.ENOSPC: "no space left on the disk: free some (narrate cache prune removes old sentences), "
                      "or build on another disk (-o DIR, --cache-dir DIR)",
        errno.EDQUOT: "over the disk quota: free some space (narrate cache prune), or build elsewhere (-o DIR)",
        errno.EMFILE: "too many open files: raise the limit (ulimit -n) and build again",
    }.get(exc.errno or 0, f"{exc.strerror or exc}: check the path and try again")
    where = exc.filename if exc.filename is not None else None
    return NarrateError(advice, str(where) if where is not None else None)


def did_you_mean(word: str, choices: Any, cutoff: float = 0.6) -> str:
    """" (did you mean 'x'?)" for the closest of ``choices`` to a misspelt ``word``, else ""."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""
