"""The body: Markdown chapters (one per leg), their settings, paragraphs, speakers and pauses.

Pure: text in, dataclasses out; every block keeps its 1-based line number.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from narrate.errors import ScriptError, did_you_mean
from narrate.phrases import phrases
from narrate.script.inline import LANGUAGE_CODE, NOTE_MARK, open_marks, passage_runs, plain, struck, superscript
from narrate.script.model import Block, Chapter, ChapterSettings, Heading, Meta, Paragraph, Pause, Table
from narrate.script.settings import parse_settings


DEFAULT_PAUSE_S = 1.0
SCENE_BREAK_S = 1.5  # a thematic break ('---') is read as a longer pause
MAX_PAUSE_S = 60.0

_PAUSE = re.compile(r"\[pause(?:\s+(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>ms|s)?)?\]", re.IGNORECASE)
_DIRECTIVE = re.compile(r"^\[(?P<word>[a-z]+)(?:\s[^\]]*)?\]$", re.IGNORECASE)
_SETTING_START = re.compile(r"^[a-z_][a-z_-]*\s*:(\s|$)")
_SPEAKER = re.compile(r"^\*\*(?P<a>[^*\n]+?)\*\*\s*:\s*|^\*\*(?P<b>[^*\n]+?):\*\*\s*")


# escapes stay tokens of their own ('text_special'), so an escaped bracket is never a speaker's passage
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(footnote_plugin).disable("text_join")
# raw phonemes as Piper finds them, [[ to the next ]] on one line; or (group 1) a [[ with no ]] after it
_PHONEMES_OR_UNCLOSED = re.compile(r"\[\[.*?\]\]|(\[\[\S{0,12})")
_UNCLOSED_COMMENT = (
    "a comment is opened with '<!--' and never closed: end it with '-->' (all after it would be left out)"
)
_TOO_DEEP_HEADING = re.compile(r"#{7,}(\s|$)")
_CONTAINERS = ("blockquote_open", "bullet_list_open", "ordered_list_open", "list_item_open", "footnote_reference_open")
_DEEPEST = _MD.options["maxNesting"] - 1  # a container opened at this level has its content cut off
# an image's alt text as the page and transcripts show it (never said unless 'images: describe')
_IMAGE = re.compile(r"(?<!\s)\s*⟨Image: [^⟩]*⟩\s*")
_TASK = re.compile(r"^\[( |x|X)\]\s+")


def parse_body(body: str, first_line: int, meta: Meta, path: str) -> tuple[Chapter, ...]:
    """The chapters of a script's Markdown body, each with its settings and blocks, footnotes in place."""
    tokens = _MD.parse(body)
    for tok in tokens:
        _check_token(tok, first_line, meta, path)
    chapters = _BodyReader(tokens, first_line, meta, path).chapters()
    if not chapters:
        raise ScriptError("the script has no chapters: start each leg with a level-1 heading ('# Title')",
                          path, first_line)
    return tuple(chapters)


def _check_token(tok: Token, first_line: int, meta: Meta, path: str) -> None:
    """What Markdown would take silently and narrate cannot: an unclosed comment, a seventh heading level, phonemes
    never closed, and containers nested so deep that markdown-it drops what is inside."""
    line = (tok.map[0] if tok.map else 0) + first_line
    if tok.type == "inline" and tok.children:
        tok.children = struck(tok.children, meta.strikethrough)
        if any(c.type == "text" and "<!--" in c.content for c in tok.children):
            raise ScriptError(_UNCLOSED_COMMENT, path, line + tok.content[: tok.content.find("<!--")].count("\n"))
        if _TOO_DEEP_HEADING.match(tok.content):
            raise ScriptError(f"'{tok.content.split()[0]}' is not a heading: Markdown has six levels, "
                              "from # to ######", path, line)
        if m := next((m for m in _PHONEMES_OR_UNCLOSED.finditer(tok.content) if m.group(1)), None):
            raise ScriptError(f"'{m.group(1)}' opens phonemes with '[[' and they are never closed: end them "
                              "with ']]' on the same line, e.g. [[ˈhjʌsɐn]]",
                              path, line + tok.content[: m.start()].count("\n"))
    elif tok.type in _CONTAINERS and tok.level >= _DEEPEST:
        raise ScriptError(f"quotes and lists are nested too deep here (more than {_DEEPEST} levels, a list "
                          "counting two): Markdown drops the text inside; nest them less deeply",
                          path, tok.map[0] + first_line if tok.map else first_line)


class _BodyReader:
    """Reads the body's tokens in order into chapters: each kind of token by a method of its own, which returns
    the index of the token after the ones it took."""

    def __init__(self, tokens: list[Token], offset: int, meta: Meta, path: str) -> None:
        self.tokens, self.offset, self.meta, self.path = tokens, offset, meta, path  # token.map is 0-based
        self.done: list[Chapter] = []
        self.current: dict[str, Any] | None = None  # the chapter being filled
        self.quote_speaker: list[str | None] = []  # stack, one per open blockquote
        self.notes: dict[int, tuple[str, int]] = {}  # footnote number -> (its text, its line)

    def chapters(self) -> list[Chapter]:
        readers = {"blockquote_open": self._quote, "paragraph_open": self._paragraph,
                   "footnote_block_open": self._footnotes, "table_open": self._table}
        i = 0
        while i < len(self.tokens):
            tok = self.tokens[i]
            line = (tok.map[0] + self.offset) if tok.map else 0
            if tok.type == "heading_open":
                i = self._chapter(i, line) if tok.tag == "h1" else self._sub_heading(i, line)
            elif tok.type in readers:
                i = readers[tok.type](i, line)
            else:
                self._other(tok, line)
                i += 1
        self._finish()
        return [_with_notes(c, self.notes, self.meta.footnotes, self.path, self.meta.language) for c in self.done]

    def _finish(self) -> None:
        current = self.current
        if current is None:
            return
        if not any(isinstance(b, (Paragraph, Table)) for b in current["blocks"]):
            raise ScriptError(f"chapter '{current['title']}' has no text to narrate", self.path, current["line"])
        self.done.append(Chapter(title=current["title"], line=current["line"], settings=current["settings"],
                                 blocks=tuple(current["blocks"])))

    def _chapter_at(self, line: int) -> dict[str, Any]:
        if self.current is None:
            raise ScriptError("text before the first chapter: start each leg with a level-1 heading "
                              "('# Title') and put episode details in the front matter", self.path, line)
        return self.current

    def _chapter(self, i: int, line: int) -> int:
        """A level-1 heading starts a chapter. Its settings are 'key: value' lines directly under it (no blank
        line); prose directly under a heading stays prose: a settings block starts with a lowercase key and a
        colon."""
        self._finish()
        tokens, tok = self.tokens, self.tokens[i]
        title = plain(tokens[i + 1].children or []).replace("\n", " ").strip()
        if not title:
            raise ScriptError("chapter heading has no title", self.path, line)
        self.current = {"title": title, "line": line, "settings": ChapterSettings(), "blocks": []}
        i += 3
        nxt = tokens[i] if i < len(tokens) else None
        if nxt is not None and nxt.type == "paragraph_open" and nxt.map and tok.map:
            if nxt.map[0] == tok.map[1] and _SETTING_START.match(tokens[i + 1].content):
                self.current["settings"] = parse_settings(tokens[i + 1].content, nxt.map[0] + self.offset, self.path)
                i += 3
        return i

    def _sub_heading(self, i: int, line: int) -> int:
        """h2..h6: a sub-heading, read apart and kept as structure."""
        chap = self._chapter_at(line)
        text = " ".join(plain(self.tokens[i + 1].children or []).split())
        if text:
            chap["blocks"].append(Heading(text, int(self.tokens[i].tag[1]), line))
        return i + 3

    def _quote(self, i: int, line: int) -> int:
        """A quotation: a speaker's, when its first paragraph starts with the speaker's name in bold."""
        self._chapter_at(line)
        self.quote_speaker.append(None)
        tokens = self.tokens
        if i + 2 < len(tokens) and tokens[i + 1].type == "paragraph_open":
            inline = tokens[i + 2]
            if m := _SPEAKER.match(inline.content):
                self.quote_speaker[-1] = self._declared((m.group("a") or m.group("b")).strip(), line)
                inline.children = struck(_MD.parseInline(inline.content[m.end():])[0].children or [],
                                         self.meta.strikethrough)
        return i + 1

    def _declared(self, name: str, line: int) -> str:
        speakers = [s.name for s in self.meta.speakers]
        if self.meta.speaker(name) is None:
            raise ScriptError(f"unknown speaker '{name}'{did_you_mean(name, speakers)}: declare it under "
                              f"'speakers:' in the front matter (known: {', '.join(speakers) or 'none declared'})",
                              self.path, line)
        return name

    def _paragraph(self, i: int, line: int) -> int:
        chap = self._chapter_at(line)
        tokens, meta = self.tokens, self.meta
        text = plain(tokens[i + 1].children or [], languages=True)
        if i and tokens[i - 1].type == "list_item_open":  # a task list's box: a ballot box, not brackets
            text = _TASK.sub(lambda m: "☐ " if m.group(1) == " " else "☑ ", text, count=1)
            if meta.lists == "numbered" and tokens[i - 1].info:  # an ordered list's item says its number
                text = f"{tokens[i - 1].info}. {text}"
        if chap.get("images") and meta.images == "silent":  # images that stood alone before any text
            text = " ".join(chap.pop("images")) + " " + text
        self._place(chap, text, line, next((s for s in reversed(self.quote_speaker) if s), None))
        return i + 3

    def _place(self, chap: dict[str, Any], text: str, line: int, speaker: str | None) -> None:
        """A paragraph's text into the chapter, with its images as 'images:' says."""
        blocks = chap["blocks"]
        start = len(blocks)
        images = [m.group(0).strip() for m in _IMAGE.finditer(text)]
        alone = images and not _IMAGE.sub("", text).strip()
        if images and self.meta.images == "describe":  # each image read as a paragraph of its own, after the text
            words = _IMAGE.sub(" ", text)
            blocks.extend(_text_blocks(words, line, speaker, self.path) if words.strip() else [])
            blocks.extend(Paragraph(image, line) for image in images)
        elif alone and blocks and isinstance(blocks[-1], Paragraph):
            # an image alone, not read: its alt text joins the paragraph before it, for the page and transcripts
            # (before its last full stop, so it stays in the paragraph's last sentence)
            head = blocks[-1].text.rstrip()
            stop = len(head.rstrip(".!?")) if head.endswith((".", "!", "?")) else len(head)
            blocks[-1] = replace(blocks[-1], text=f"{head[:stop]} {' '.join(images)}{head[stop:]}")
        elif alone and self.meta.images == "silent":
            chap.setdefault("images", []).extend(images)  # the next paragraph will carry them
        else:
            blocks.extend(_text_blocks(text, line, speaker, self.path))
        for block in blocks[start:]:  # a speaker's passage names a declared speaker
            if isinstance(block, Paragraph) and block.quoted and block.speaker:
                self._declared(block.speaker, block.line)

    def _footnotes(self, i: int, line: int) -> int:
        """The notes, at the end of the document: gathered, placed below."""
        end = next(k for k in range(i, len(self.tokens)) if self.tokens[k].type == "footnote_block_close")
        self.notes.update(_notes(self.tokens[i:end], self.offset))
        return end + 1

    def _table(self, i: int, line: int) -> int:
        chap = self._chapter_at(line)
        end = next(k for k in range(i, len(self.tokens)) if self.tokens[k].type == "table_close")
        chap["blocks"].append(_table(self.tokens[i:end], line, self.offset))
        return end + 1

    def _other(self, tok: Token, line: int) -> None:
        """A closing quote, a scene break; HTML and code, which are not narrated."""
        if tok.type == "blockquote_close":
            self.quote_speaker.pop()
        elif tok.type == "hr":
            self._chapter_at(line)["blocks"].append(Pause(SCENE_BREAK_S, line))
        elif tok.type == "html_block":
            if tok.content.lstrip().startswith("<!--") and "-->" not in tok.content:
                raise ScriptError(_UNCLOSED_COMMENT, self.path, line)
            if not tok.content.lstrip().startswith("<!--"):
                raise ScriptError("raw HTML is not narrated: remove it, or wrap notes in <!-- -->", self.path, line)
        elif tok.type in ("fence", "code_block"):
            raise ScriptError("code blocks are not narrated: remove the block, or wrap it in <!-- -->", self.path,
                              line)


_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_NOTE_REF = re.compile(r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾")


def _notes(tokens: list[Token], offset: int) -> dict[int, tuple[str, int]]:
    """The footnotes' texts by number, each with the line it is written on."""
    out: dict[int, tuple[str, int]] = {}
    number, parts, line = 0, [], 0
    for tok in tokens:
        if tok.type == "footnote_open":
            number, parts, line = tok.meta["id"] + 1, [], 0
        elif tok.type == "inline":
            parts.append(" ".join(plain(tok.children or []).split()))
            line = line or ((tok.map[0] + offset) if tok.map else 0)
        elif tok.type == "footnote_close":
            out[number] = (" ".join(p for p in parts if p), line)
    return out


def _with_notes(chapter: Chapter, notes: dict[int, tuple[str, int]], where: str, path: str,
                language: str = "en") -> Chapter:
    """The chapter with the notes it cites read where the script asks: after the paragraph that cites
    each one ('inline'), under a 'Notes' heading at the chapter's end ('end-of-chapter'), or not at all."""
    blocks: list[Block] = []
    cited: list[int] = []
    for block in chapter.blocks:
        if isinstance(block, Paragraph) and "[^" in block.text:
            label = block.text[block.text.index("[^"):].split("]")[0] + "]"
            raise ScriptError(f"footnote {label} is cited but never written: add a line '{label}: the note'",
                              path, block.line)
        blocks.append(block)
        if not isinstance(block, Paragraph):
            continue
        mine = [int(m.group(1).translate(_FROM_SUPERSCRIPT)) for m in _NOTE_REF.finditer(block.text)]
        if empty := next((n for n in mine if n in notes and not notes[n][0].strip()), None):
            raise ScriptError(f"footnote {empty} has no text: write the note after its '[^…]:'", path,
                              notes[empty][1] or block.line)
        new = [n for n in mine if n in notes and n not in cited]
        cited += new
        if where == "inline":
            blocks += [Paragraph(f"{NOTE_MARK.format(superscript(n))} {notes[n][0]}", notes[n][1]) for n in new]
    if where == "end-of-chapter" and cited:
        blocks.append(Heading(phrases(language).notes, 2, notes[cited[0]][1]))
        blocks += [Paragraph(f"{NOTE_MARK.format(superscript(n))} {notes[n][0]}", notes[n][1]) for n in cited]
    return Chapter(chapter.title, chapter.line, chapter.settings, tuple(blocks))


def _table(tokens: list[Token], line: int, offset: int) -> Table:
    """A table's cells as plain text, row by row, the header apart."""
    header: list[str] = []
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    row: list[str] = []
    for tok in tokens:
        if tok.type == "tr_open":
            row = []
        elif tok.type == "inline":
            row.append(" ".join(plain(tok.children or []).split()))
        elif tok.type == "tr_close":
            if not header:
                header = row
            else:
                rows.append(tuple(row))
        if tok.type == "tr_open" and header and tok.map:
            lines.append(tok.map[0] + offset)
    return Table(tuple(header), tuple(rows), line, tuple(lines))


def _text_blocks(text: str, line: int, speaker: str | None, path: str) -> list[Block]:
    """Split a paragraph's text on [pause] markers, keeping each piece's line."""
    stripped = text.strip()
    m = _DIRECTIVE.match(stripped)
    if m and not _PAUSE.fullmatch(stripped):
        raise ScriptError(
            f"unknown directive '{stripped}'{did_you_mean(m.group('word').lower(), ['pause'])} "
            "(known: [pause], [pause 2s], [pause 500ms])",
            path,
            line,
        )
    blocks: list[Block] = []
    pos = 0
    for pm in _PAUSE.finditer(text):  # a passage a pause cuts goes on after it
        _add_paragraph(blocks, open_marks(text[:pos]) + text[pos : pm.start()], line + text[:pos].count("\n"),
                       speaker, path)
        here = line + text[: pm.start()].count("\n")
        blocks.append(Pause(_pause_seconds(pm, here, path), here))
        pos = pm.end()
    _add_paragraph(blocks, open_marks(text[:pos]) + text[pos:], line + text[:pos].count("\n"), speaker, path)
    return blocks


_MARKS = re.compile("[\ue100-\ue105]")  # a passage's marks left unpaired


def _add_paragraph(blocks: list[Block], text: str, line: int, speaker: str | None, path: str = "") -> None:
    """A paragraph, or, where it has passages in another language or speakers' passages, one paragraph for each
    run of a language and a speaker, the later ones joined to the first."""
    first = True
    for language, said_by, at, run in passage_runs(text):
        here = line + text[:at + len(run) - len(run.lstrip())].count("\n")
        if language is not None and not LANGUAGE_CODE.fullmatch(language):
            raise ScriptError(f"lang=\"{language}\" is not a language code like 'fr' or 'pt-BR'", path, here)
        run = _MARKS.sub("", run).strip()
        if run and not first and not any(ch.isalnum() for ch in run) and isinstance(blocks[-1], Paragraph):
            # punctuation alone after a passage ('.' after a quotation) stays with it, shown, never said alone
            blocks[-1] = replace(blocks[-1], text=blocks[-1].text + ("" if run[0] in ".,;:!?…)”’»" else " ") + run)
        elif run:
            blocks.append(Paragraph(text=run, line=here, speaker=said_by or speaker, language=language,
                                    joined=not first, quoted=said_by is not None))
            first = False


def _pause_seconds(m: re.Match[str], line: int, path: str) -> float:
    if m.group("n") is None:
        return DEFAULT_PAUSE_S
    value = float(m.group("n"))
    seconds = value / 1000 if (m.group("unit") or "s").lower() == "ms" else value
    if not 0 < seconds <= MAX_PAUSE_S:
        raise ScriptError(
            f"pause of {m.group('n')}{m.group('unit') or 's'} is out of range "
            f"(more than 0, at most {MAX_PAUSE_S:g}s)",
            path,
            line,
        )
    return seconds
