"""What changed since the last build, chapter by chapter, from two build records.

Pure: it compares the sentences, chapters and settings the last build recorded
with this build's, and says what an author would want to hear: sentences
added, edited or removed (with their lines), chapters renamed, moved, added
or removed, and settings changed.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from narrate.record import BuildRecord, ChapterRecord, SentenceRecord
from narrate.words import counted

SHOWN = 12  # sentence changes listed per chapter before '... and N more'
_QUIET_ROLES = ("title",)  # a renamed chapter says so itself


@dataclass(frozen=True)
class SentenceChange:
    """One sentence added, edited, removed or re-voiced."""

    kind: str  # 'added', 'edited', 'removed', 'revoiced'
    line: int  # in the new script (in the old one when removed)
    text: str
    old_text: str | None = None


@dataclass(frozen=True)
class ChapterChange:
    """What happened to one chapter."""

    number: int  # in the new script (in the old one when removed)
    title: str
    status: str  # 'same', 'changed', 'added', 'removed'
    renamed_from: str | None = None
    moved_from: int | None = None
    sentences: tuple[SentenceChange, ...] = ()
    total: int = 0  # sentences in the chapter
    settings: tuple[tuple[str, object, object], ...] = ()  # its own settings that changed: (key, old, new)

    @property
    def interesting(self) -> bool:
        return self.status != "same" or bool(self.renamed_from or self.moved_from or self.sentences or self.settings)


@dataclass(frozen=True)
class ChangeReport:
    """Every change since the last build; ``first`` when there was none."""

    first: bool
    previous_built: str | None = None
    settings: tuple[tuple[str, object, object], ...] = ()  # (key, old, new)
    chapters: tuple[ChapterChange, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return self.first or bool(self.settings) or any(c.interesting for c in self.chapters)

    def sentence_changes(self) -> list[SentenceChange]:
        return [s for c in self.chapters for s in c.sentences]

    def lines(self) -> list[str]:
        """The report as the CLI prints it."""
        if self.first:
            count = sum(c.total for c in self.chapters)
            return [f"first build: {counted(len(self.chapters), 'chapter')}, {counted(count, 'sentence')}"]
        when = f" ({self.previous_built})" if self.previous_built else ""
        if not self.changed:
            return [f"no changes since the last build{when}"]
        out = [f"changes since the last build{when}:"]
        for key, old, new in self.settings:
            out.append(f"  setting {key}: {_show(old)} -> {_show(new)}")
        for c in self.chapters:
            if not c.interesting:
                continue
            head = f"  chapter {c.number} '{c.title}'"
            notes = []
            if c.status == "added":
                notes.append(f"added ({counted(c.total, 'sentence')})")
            elif c.status == "removed":
                head = f"  removed chapter {c.number} '{c.title}'"
                notes.append(counted(c.total, "sentence"))
            if c.renamed_from is not None:
                notes.append(f"renamed from '{c.renamed_from}'")
            if c.moved_from is not None:
                notes.append(f"moved from position {c.moved_from}")
            notes += [f"{key} {_show(old)} -> {_show(new)}" for key, old, new in c.settings]
            if c.status == "changed":
                counts = {}
                for s in c.sentences:
                    counts[s.kind] = counts.get(s.kind, 0) + 1
                notes += [f"{n} sentence{'s' if n != 1 else ''} {kind}" for kind, n in counts.items()]
            out.append(head + ": " + ", ".join(notes) if notes else head)
            if c.status == "changed":
                for s in c.sentences[:SHOWN]:
                    if s.kind == "edited":
                        out.append(f"    line {s.line} edited: \"{s.old_text}\" -> \"{s.text}\"")
                    else:
                        out.append(f"    line {s.line} {s.kind}: \"{s.text}\"")
                if len(c.sentences) > SHOWN:
                    out.append(f"    ... and {len(c.sentences) - SHOWN} more")
        return out


def _show(value: object) -> str:
    return "(none)" if value is None else repr(value) if isinstance(value, str) else str(value)


def compare(previous: BuildRecord | None, chapters: Sequence[ChapterRecord], sentences: Sequence[SentenceRecord],
            settings: dict[str, Any]) -> ChangeReport:
    """Compare the last build record with this build's chapters, sentences and settings."""
    by_chapter = _group(sentences)
    if previous is None:
        return ChangeReport(True, chapters=tuple(
            ChapterChange(c.number, c.title, "added", total=len(by_chapter.get(c.number, []))) for c in chapters
        ))
    old_chapters = previous.chapters
    old_by_chapter = _group(previous.sentences)
    changed_settings = _changed(previous.settings, settings)
    pairs = _match_chapters(old_chapters, chapters, old_by_chapter, by_chapter)
    moved = _moved(pairs)
    report: list[ChapterChange] = []
    matched_old = set()
    for new in chapters:
        number = new.number
        mine = by_chapter.get(number, [])
        old = pairs.get(number)
        if old is None:
            report.append(ChapterChange(number, new.title, "added", total=len(mine)))
            continue
        matched_old.add(old.number)
        changes = _sentence_changes(old_by_chapter.get(old.number, []), mine)
        report.append(ChapterChange(
            number,
            new.title,
            "changed" if changes else "same",
            settings=_changed(old.settings, new.settings),
            renamed_from=old.title if old.title != new.title else None,
            moved_from=old.number if number in moved else None,
            sentences=tuple(changes),
            total=len(mine),
        ))
    for old in old_chapters:
        if old.number not in matched_old:
            report.append(ChapterChange(old.number, old.title, "removed",
                                        total=len(old_by_chapter.get(old.number, []))))
    return ChangeReport(False, previous.built, changed_settings, tuple(report))


def _changed(old: dict[str, Any], new: dict[str, Any]) -> tuple[tuple[str, object, object], ...]:
    return tuple(
        (key, old.get(key), new.get(key)) for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)
    )


def _group(sentences: Sequence[SentenceRecord]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for s in sentences:
        out.setdefault(s.chapter, []).append(s)
    return out


def _match_chapters(
    old: Sequence[ChapterRecord], new: Sequence[ChapterRecord], old_s: dict, new_s: dict
) -> dict[int, ChapterRecord]:
    """New chapter number -> the old chapter it continues: same title first, then the most similar text."""
    pairs: dict[int, ChapterRecord] = {}
    free = list(old)
    for c in new:
        hit = next((o for o in free if o.title == c.title), None)
        if hit:
            pairs[c.number] = hit
            free.remove(hit)
    for c in new:
        if c.number in pairs or not free:
            continue
        mine = [s.text for s in new_s.get(c.number, []) if s.role not in _QUIET_ROLES]
        best = max(free, key=lambda o: _similarity(mine, old_s.get(o.number, [])))
        if _similarity(mine, old_s.get(best.number, [])) >= 0.5:
            pairs[c.number] = best
            free.remove(best)
    return pairs


def _similarity(texts: list[str], old: list[Any]) -> float:
    theirs = [s.text for s in old if s.role not in _QUIET_ROLES]
    if not texts and not theirs:
        return 1.0
    return difflib.SequenceMatcher(None, texts, theirs, autojunk=False).ratio()


def _moved(pairs: dict[int, ChapterRecord]) -> set[int]:
    """Chapters whose order relative to the others changed (the fewest that explain it)."""
    order = sorted(pairs)  # new numbers, in new order
    olds = [pairs[n].number for n in order]
    keep = difflib.SequenceMatcher(None, sorted(olds), olds, autojunk=False)
    stayed = set()
    for block in keep.get_matching_blocks():
        stayed.update(olds[block.b : block.b + block.size])
    return {n for n in order if pairs[n].number not in stayed}


def _sentence_changes(old: list[Any], new: list[Any]) -> list[SentenceChange]:
    old = [s for s in old if s.role not in _QUIET_ROLES]
    new = [s for s in new if s.role not in _QUIET_ROLES]
    a, b = [s.text for s in old], [s.text for s in new]
    out: list[SentenceChange] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [SentenceChange("revoiced", n.line, n.text) for o, n in zip(old[i1:i2], new[j1:j2])
                    if o.key != n.key]
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            out.append(SentenceChange("edited", new[j1 + k].line, new[j1 + k].text, old[i1 + k].text))
        out += [SentenceChange("removed", o.line, o.text) for o in old[i1 + pairs : i2]]
        out += [SentenceChange("added", n.line, n.text) for n in new[j1 + pairs : j2]]
    return out
