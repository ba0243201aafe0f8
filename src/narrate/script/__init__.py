"""Parse a story script: Markdown with YAML front matter, into frozen dataclasses.

The format, in brief (the README has a full example)::

    ---
    title: The Long Way Round
    author: A. Writer
    pronunciations: {Hyesan: Heh-sahn}
    speakers: {Ji: {speed: 0.95}}
    ---

    # Across the river            <- a level-1 heading starts a chapter (a leg)
    from: Hyesan                  <- settings: 'key: value' lines right under it
    to: Changbai

    A paragraph is narrated.      <- blank line, then the text

    > **Ji:** A quotation spoken by a declared speaker.

    [pause 2s]                    <- an explicit pause
    <!-- a comment, never spoken -->

Pure: text in, dataclasses out; every block keeps its 1-based line number. The model is in
``model``; ``front_matter`` and ``body`` parse the two halves of the file.
"""

from __future__ import annotations

import re

from narrate.errors import ScriptError
from narrate.script.body import parse_body
from narrate.script.front_matter import check_base_url, parse_formats, parse_meta, parse_rate, split_front_matter
from narrate.script.yaml_reader import CONTROL
from narrate.script.model import (
    FORMATS, NO_SOUND, Block, Chapter, ChapterSettings, Heading, Meta, MixSettings, Paragraph, Pause, PodcastSettings,
    Script, Speaker, Table, VoiceSettings,
)

__all__ = [
    "FORMATS", "NO_SOUND", "Block", "Chapter", "ChapterSettings", "Heading", "Meta", "MixSettings", "Paragraph",
    "Pause", "PodcastSettings", "Script", "Speaker", "Table", "VoiceSettings", "check_base_url", "parse_formats",
    "parse_rate", "parse_script", "read_script_text",
]


def read_script_text(path: str) -> str:
    """Read a script file as UTF-8, turning I/O and decoding failures into ScriptError."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SCRIPT_BYTES + 1)
    except FileNotFoundError:
        raise ScriptError("no such file", path) from None
    except IsADirectoryError:
        raise ScriptError("is a directory, not a script file", path) from None
    except OSError as exc:
        raise ScriptError(f"cannot read the file: {exc.strerror}", path) from None
    if len(data) > MAX_SCRIPT_BYTES:
        raise ScriptError(f"the script is over {MAX_SCRIPT_BYTES // 1_000_000} MB; narrate reads scripts up to that "
                          "(a long book is about 1 MB): split it, and build the parts as a series", path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScriptError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {col}); "
            "save the script with UTF-8 encoding",
            path,
            line,
        ) from None
    if m := CONTROL.search(text):
        line, col = _line_and_column(text, m.start())
        raise ScriptError(f"a control character (U+{ord(m.group(0)):04X}) at column {col}, which can be neither "
                          "shown nor spoken: remove it", path, line)
    if m := UNSAYABLE.search(text):
        line, col = _line_and_column(text, m.start())
        code = ord(m.group(0))
        kind = "a noncharacter" if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE else "a private-use character"
        raise ScriptError(f"{kind} (U+{code:04X}) at column {col}: it means only what one program or font makes of "
                          "it, so no voice can say it: write what it stands for", path, line)
    return text


def _line_and_column(text: str, at: int) -> tuple[int, int]:
    """Where the character at ``at`` is, both from 1."""
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


# Private-use code points (an icon font's, say) and Unicode's noncharacters: no voice or reader knows them, and
# narrate holds its own place-keepers in the private-use area while it prepares a sentence.
UNSAYABLE = re.compile("[\ue000-\uf8ff\ufdd0-\ufdef\U000f0000-\U0010ffff"
                       + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(15)) + "]")


MAX_SCRIPT_BYTES = 20_000_000  # about 3 million words: 250 hours of narration


def parse_script(text: str, path: str) -> Script:
    """Parse a whole script file's text."""
    text = text.removeprefix("\ufeff")
    front, body, body_line = split_front_matter(text, path)
    meta = parse_meta(front, path)
    chapters = parse_body(body, body_line, meta, path)
    return Script(path=path, meta=meta, chapters=chapters)
