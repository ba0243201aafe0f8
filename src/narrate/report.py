"""What the commands print: the progress bar, a build's report and a check's report."""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from narrate.timeline import clock
from narrate.words import counted

if TYPE_CHECKING:
    from narrate.upkeep import CacheInfo
    from narrate.check import CheckReport
    from narrate.engines import VoiceInfo
    from narrate.result import BuildResult


def format_duration(ms: int) -> str:
    return clock(ms + 500)


class Progress:
    """Progress on a terminal, one line redrawn in place; silence elsewhere (logs, CI, pipes).

    ``Synthesising  312/805 sentences  4/32 chapters done  about 2:10 left``. The time left is at the pace
    of the last PACE sentences, so the burst of sentences found in the cache at the start does not make it
    hopeful for long; measured in characters of text where the build reports them (``work``), since
    sentences are spoken longest first and their count would make it gloomy at first and hopeful at the end."""

    PACE = 100

    def __init__(self, stream: Any = None, now: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.now = now
        self.done = self.total = self.chapters_done = self.chapters_total = 0
        self.recent: deque[tuple[float, int]] = deque(maxlen=self.PACE)  # (when, sentences done then)
        self.worked: deque[tuple[float, int]] = deque(maxlen=self.PACE)  # (when, characters done then)
        self.work_total = 0
        self.shown = False
        self.drawn = 0.0

    def _out(self) -> Any:
        return self.stream or sys.stderr

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.recent.append((self.now(), done))
        self._draw()

    def work(self, done: int, total: int) -> None:
        """The characters of text spoken (or found in the cache), of ``total``: what the time left is paced by."""
        self.work_total = total
        self.worked.append((self.now(), done))

    def chapters(self, done: int, total: int) -> None:
        self.chapters_done, self.chapters_total = done, total
        self._draw()

    def line(self) -> str:
        """What the progress line says now."""
        parts = [f"Synthesising  {self.done}/{self.total} sentences"]
        if self.chapters_total:
            parts.append(f"{self.chapters_done}/{self.chapters_total} chapters done")
        left = self.seconds_left()
        if left is not None:
            parts.append(f"about {format_duration(int(left * 1000))} left")
        return "  ".join(parts)

    def seconds_left(self) -> float | None:
        """At the pace of the last sentences; None until there is a pace to go by, and when all are done."""
        if len(self.recent) < 3 or self.done >= self.total:
            return None
        paced, total = (self.worked, self.work_total) if self.worked else (self.recent, self.total)
        (since, first), (last, done) = paced[0], paced[-1]
        if last <= since or done <= first:
            return None
        return (last - since) / (done - first) * (total - done)

    def _draw(self) -> None:
        out = self._out()
        if not out.isatty():
            return
        now = self.now()
        if self.shown and now - self.drawn < 0.2 and self.done < self.total:
            return  # at most five redraws a second
        self.drawn, self.shown = now, True
        out.write("\r\x1b[K" + self.line())
        out.flush()

    def close(self) -> None:
        if self.shown:
            self._out().write("\n")
            self._out().flush()
            self.shown = False


def report_build(result: BuildResult) -> None:
    """Print what one episode's build did."""
    tl, layout = result.timeline, result.layout
    if result.unchanged:
        click.echo(f"{result.output}: {result.changes.lines()[0]}; wrote nothing")
        return
    names = [p.name for p in result.outputs.values()]
    click.echo(f"built {result.output}" + (f" (and {', '.join(names[1:])})" if len(names) > 1 else ""))
    click.echo(f"  {format_duration(tl.duration_ms)} long, {counted(len(tl.chapters), 'chapter')}")
    for line in result.changes.lines():
        click.echo(f"  {line}")
    for line in result.cost.lines():
        click.echo(f"  {line}")
    click.echo(f"  {result.loudness.summary()}")
    others = [f"{name} {m.integrated_lufs:.1f} LUFS, {m.true_peak_dbtp:.1f} dBTP"
              for name, m in result.loudness.by_format.items() if name != next(iter(result.outputs))]
    if others:
        click.echo(f"  also measured: {'; '.join(others)}")
    stem = layout.stem
    click.echo(f"  transcripts: {stem}.vtt, {stem}.srt, {stem}.transcript.json; chapters: {stem}.chapters.json")
    click.echo(f"  web page: {layout.folder / layout.page}")
    for walk in (p for p in result.files if p.name == "walk.html"):
        click.echo(f"  walk: {walk} (to walk with; tour.gpx beside it for Soundscape and GPS apps)")
    click.echo(f"  build record: {result.manifest}")


def check_lines(report: CheckReport, script: str) -> list[str]:
    """What 'narrate check' prints about a script."""
    out: list[str] = []
    plan = report.plan
    out.append(
        f"{script}: {counted(len(plan.chapters), 'chapter')}, {counted(report.sentences, 'sentence')}, "
        f"about {format_duration(int(report.estimated_seconds * 1000))} of narration"
    )
    width = max(len(c.title) for c in plan.chapters)
    for c in plan.chapters:
        n = sum(1 for i in c.items if getattr(i, "role", None) == "text" and i.part[0] == 1)
        out.append(f"  {c.number:>2}  {c.title:<{width}}  line {c.line}, {n} sentence{'s' if n != 1 else ''}")
    if report.pacing:
        from narrate.pacing import pacing_lines

        out.append("pacing (each leg plays at its stop, the next at the next stop; its length as last built, "
                   "else estimated):")
        out += pacing_lines(list(report.pacing))
    for line in report.warnings:
        out.append(line)
    if report.long_sentences:
        from narrate.text import MAX_WORDS

        out.append(f"sentences longer than the voice takes at once (about {MAX_WORDS} words) are read in parts, "
                   "cut at their clauses (else between words):")
        for line, words, parts in report.long_sentences:
            out.append(f"  {script}:{line}: {words:,} words, in {parts} parts")
    if report.unattributed:
        out.append(f"{counted(len(report.unattributed), 'quotation')} read by the narrator, no speaker given "
                   "(mark one [“…”]{Name} to give it to a speaker):")
        out += [f"  {script}:{line}: {words}" for line, words in report.unattributed]
    from narrate.phrases import primary

    if primary(plan.meta.language) != "en":
        return out  # which names a voice may say wrongly is known for English alone
    if report.unlisted_names:
        out.append("names not in 'pronunciations' that an English voice may say wrongly:")
        for line, name in report.unlisted_names:
            out.append(f"  {script}:{line}: {name}")
    else:
        out.append("every name an English voice may say wrongly has a pronunciation")
    return out


def size_text(n: int) -> str:
    """A size in bytes as MB or kB."""
    return f"{n / 1e6:,.1f} MB" if n >= 1e5 else f"{n / 1e3:,.1f} kB"


KIND_NAMES = {"speech": "sentences", "level": "sentence levels", "mix": "chapter analyses",
               "mp3": "encoded MP3 pieces", "words": "word times"}


def voice_lines(voices: list[VoiceInfo], brief: bool = False) -> list[str]:
    """'narrate voices': a table of the voices, one a line; ``brief``, eSpeak's many languages in one line."""
    from narrate.engines import ACCENTS

    many = [i for i in voices if i.engine == "espeak"] if brief else []
    rows = [(i.engine, i.name, i.language, ACCENTS.get(i.language, ""), i.gender,
             f"{i.cost:.2g}" if i.cost else "online", i.note) for i in voices if i not in many]
    head = ("engine", "voice", "language", "accent", "gender", "CPU s/s", "")
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    out = ["  ".join(f"{c:<{w}}" for c, w in zip(row, widths)).rstrip() for row in [head, *rows]]
    if many:
        count = len({i.language for i in many})
        out.append(f"{'espeak':<{widths[0]}}  espeak_LANG and espeak_LANG_f: {count} languages, a male and a female "
                   "voice each, robotic ('narrate voices --language CODE' lists a language's)")
    return out


def cache_info_lines(got: CacheInfo, days: float) -> list[str]:
    """'narrate cache info': what the cache holds, by kind, and how much no recent build uses."""
    out = [f"cache: {got.root}"]
    for k in got.kinds:
        out.append(f"  {k.entries:>6,} {KIND_NAMES[k.kind]:<22} {size_text(k.bytes):>10}")
    last = time.strftime("%Y-%m-%d %H:%M", time.localtime(got.last_build)) if got.last_build else "none"
    unused = sum(k.unused_entries for k in got.kinds)
    out.append(f"  total {size_text(got.bytes)}; {got.builds} episode build{'s' if got.builds != 1 else ''} "
               f"in the last {days:g} days (latest {last})")
    out.append(f"  {unused:,} entries ({size_text(sum(k.unused_bytes for k in got.kinds))}) are used by no build "
               f"in the last {days:g} days: 'narrate cache prune' removes them")
    return out
