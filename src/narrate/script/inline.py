"""Inline Markdown as the words to read: emphasis, links and code as their text, images and footnote marks
as marks the page shows, struck-out text left out or read, and the common inline tags as markup.

Pure: markdown-it's inline tokens in, text out; line breaks stay newlines, so lines can still be counted.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

NOTE_MARK = "⁽{}⁾"
IMAGE_MARK = "⟨Image: {}⟩"  # an image's alt text in the text as written
BREAK_MS = 300  # a <br> in the text: a short pause
_MARKUP = re.compile(r"</?(br|em|strong|i|b|u|s|sup|sub|span|small|mark|abbr|cite|q|del|ins|kbd|wbr)\b[^<>]*/?>", re.I)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(n: int) -> str:
    """A footnote number as superscript digits, as its mark shows it."""
    return str(n).translate(_SUPERSCRIPT)


LANG_OPEN, LANG_END, LANG_CLOSE = "\ue100", "\ue102", "\ue101"  # marks around a passage in another language
_LANG_TAG = re.compile(
    r"<(?P<tag>span|q|i|em|cite)\b[^<>]*?\blang\s*=\s*[\"']?(?P<lang>[^\s\"'<>]*)[\"']?[^<>]*>", re.I
)
_OTHER_TAG = re.compile(r"<(span|q|i|em|cite)\b[^<>]*>", re.I)  # one of those tags without a lang
_CLOSE_TAG = re.compile(r"</(?P<tag>span|q|i|em|cite)\s*>", re.I)
LANGUAGE_CODE = re.compile(
    r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*"
)  # BCP 47: a script's, a chapter's or a passage's language


SAID_OPEN, SAID_END, SAID_CLOSE = "\ue103", "\ue105", "\ue104"  # marks around words a speaker says
_SAID_BY = re.compile(r"\]\{([^{}\[\]\n]*)\}")  # the end of '[“Come in,”]{Holmes}'
_ESCAPED = str.maketrans("[]{}", "\ue106\ue107\ue108\ue109")  # '\\[' and the like: never a passage's marks
_UNESCAPED = str.maketrans("\ue106\ue107\ue108\ue109", "[]{}")
_PASSAGE = re.compile(f"([{LANG_OPEN}{SAID_OPEN}])([^{LANG_END}{SAID_END}]*)[{LANG_END}{SAID_END}]"
                      f"|[{LANG_CLOSE}{SAID_CLOSE}]")
_OPENED_BY = {LANG_CLOSE: LANG_OPEN, SAID_CLOSE: SAID_OPEN}


def speaker_marks(text: str) -> str:
    """Each '[words]{Name}' in a paragraph's text as marks around the words Name says, for ``passage_runs``;
    brackets inside the words ('[[phonemes]]', '[pause]', another speaker's passage) are balanced. One pass."""
    opened: list[int] = []  # where each bracket still open starts
    marks: dict[int, tuple[str, int]] = {}  # where a passage's bracket is -> its mark, and where the mark ends
    for k, ch in enumerate(text):
        if ch == "[":
            opened.append(k)
        elif ch == "]" and opened:
            start = opened.pop()
            m = _SAID_BY.match(text, k)
            name = " ".join(m.group(1).split()) if m else ""
            if name:
                marks[start] = (f"{SAID_OPEN}{name}{SAID_END}", start + 1)
                marks[k] = (SAID_CLOSE, m.end())
    if not marks:
        return text
    out, pos = [], 0
    for at in sorted(marks):
        mark, after = marks[at]
        out += [text[pos:at], mark]
        pos = after
    return "".join(out) + text[pos:]


def passage_runs(text: str) -> list[tuple[str | None, str | None, int, str]]:
    """A paragraph's text cut where a passage in another language or a speaker's passage starts or ends, as
    (language or None, speaker or None, where it starts, text): the marks of ``plain(..., languages=True)``."""
    out: list[tuple[str | None, str | None, int, str]] = []
    stacks: dict[str, list[str | None]] = {LANG_OPEN: [None], SAID_OPEN: [None]}
    pos = 0
    for m in _PASSAGE.finditer(text):
        out.append((stacks[LANG_OPEN][-1], stacks[SAID_OPEN][-1], pos, text[pos:m.start()]))
        if m.group(1):
            stacks[m.group(1)].append(m.group(2))
        elif len(stack := stacks[_OPENED_BY[m.group(0)]]) > 1:
            stack.pop()
        pos = m.end()
    out.append((stacks[LANG_OPEN][-1], stacks[SAID_OPEN][-1], pos, text[pos:]))
    return [run for run in out if run[3]]


def open_marks(text: str) -> str:
    """The marks of the passages still open at the end of ``text``, to open them again after a cut in it."""
    stack: list[str] = []
    for m in _PASSAGE.finditer(text):
        if m.group(1):
            stack.append(m.group(0))
        elif at := [i for i, mark in enumerate(stack) if mark[0] == _OPENED_BY[m.group(0)]]:
            del stack[at[-1]]
    return "".join(stack)


_STRIKE_TAG = re.compile(r"<(/?)(s|del|strike)\b[^<>]*>", re.I)


def struck(children: list[Token], mode: str) -> list[Token]:
    """Inline tokens with struck-out text (~~so~~, <s>, <del>) dropped ('skip') or kept as plain words
    ('read'); either way the tildes and tags are never read. Line breaks stay, so lines still count."""
    if mode == "read":
        return children
    out: list[Token] = []
    depth = 0
    cut = False  # something was just left out: the space on its either side is one space
    for t in children:
        tag = _STRIKE_TAG.fullmatch(t.content.strip()) if t.type == "html_inline" else None
        if t.type == "s_open" or (tag and not tag.group(1)):
            depth += 1
        elif t.type == "s_close" or (tag and tag.group(1)):
            depth = max(0, depth - 1)
            cut = True
        elif depth == 0 or t.type in ("softbreak", "hardbreak"):
            if cut and t.type == "text" and out and out[-1].type == "text" and out[-1].content[-1:].isspace():
                t.content = t.content.lstrip(" ")
            cut = False
            out.append(t)
    return out


def plain(children: list[Token], languages: bool = False) -> str:
    """Inline Markdown to plain text; line breaks stay newlines so lines can be counted. With ``languages``,
    a passage marked as in another language (<span lang="fr">) or as a speaker's ([“…”]{Name}) is marked for
    ``passage_runs``."""
    out: list[str] = []
    opened: list[bool] = []  # for each open span-like tag, whether it starts a language
    for t in children:
        if languages and t.type == "html_inline":
            if m := _LANG_TAG.fullmatch(t.content.strip()):
                opened.append(True)
                out.append(f"{LANG_OPEN}{m.group('lang')}{LANG_END}")
                continue
            if _CLOSE_TAG.fullmatch(t.content.strip()):
                if opened and opened.pop():
                    out.append(LANG_CLOSE)
                continue
            if _OTHER_TAG.fullmatch(t.content.strip()):
                opened.append(False)
                continue
        if t.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif t.type == "image":
            # its alt text, marked: shown in the page and transcripts; read only with 'images: describe'
            alt = " ".join(t.content.split())
            out.append(f" {IMAGE_MARK.format(alt)} " if alt else "")
        elif t.type == "html_inline" and t.content.startswith("<!--"):
            out.append("\n" * t.content.count("\n"))  # comments are never spoken
        elif t.type == "html_inline" and (tag := _MARKUP.fullmatch(t.content.strip())):
            # the common inline tags are markup, not words: silent, and a line break a short pause
            out.append(f" [pause {BREAK_MS}ms] " if tag.group(1).lower() == "br" else "")
        elif t.type == "footnote_ref":
            mark = NOTE_MARK.format(superscript(t.meta["id"] + 1))
            # before the full stop it follows, so the mark stays in the sentence that cites the note
            text = "".join(out)
            stop = len(text.rstrip(".!?,;:")) if text.rstrip().endswith((".", "!", "?", ",", ";", ":")) else len(text)
            out[:] = [text[:stop], mark, text[stop:]]
        elif t.type in ("text_special", "code_inline") and languages:  # '\\[' and `[x]{y}` are never marks
            out.append(t.content.translate(_ESCAPED))
        elif t.type in ("text", "text_special", "code_inline", "html_inline"):
            # anything else that looks like a tag is text the author wrote: kept literally,
            # so a title like '<b> & co' reads and shows as written (outputs escape it)
            out.append(t.content)
    return speaker_marks("".join(out)).translate(_UNESCAPED) if languages else "".join(out)
