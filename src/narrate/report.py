"""What the commands print: the progress bar, a build's report and a check's report."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from narrate.timeline import clock

if TYPE_CHECKING:
    from narrate.check import CheckReport
    from narrate.result import BuildResult


def format_duration(ms: int) -> str:
    return clock(ms + 500)


class Progress:
    """A progress bar on a terminal; silence elsewhere (logs, CI, pipes)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Synthesising", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def report_build(result: BuildResult) -> None:
    """Print what one episode's build did."""
    tl, layout = result.timeline, result.layout
    if result.unchanged:
        click.echo(f"{result.output}: {result.changes.lines()[0]}; wrote nothing")
        return
    names = [p.name for p in result.outputs.values()]
    click.echo(f"built {result.output}" + (f" (and {', '.join(names[1:])})" if len(names) > 1 else ""))
    click.echo(f"  {format_duration(tl.duration_ms)} long, {len(tl.chapters)} chapters")
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
    click.echo(f"  build record: {result.manifest}")


def check_lines(report: CheckReport, script: str) -> list[str]:
    """What 'narrate check' prints about a script."""
    out: list[str] = []
    plan = report.plan
    out.append(
        f"{script}: {len(plan.chapters)} chapters, {report.sentences} sentences, "
        f"about {format_duration(int(report.estimated_seconds * 1000))} of narration"
    )
    width = max(len(c.title) for c in plan.chapters)
    for c in plan.chapters:
        n = sum(1 for i in c.items if getattr(i, "role", None) == "text" and i.part[0] == 1)
        out.append(f"  {c.number:>2}  {c.title:<{width}}  line {c.line}, {n} sentence{'s' if n != 1 else ''}")
    for line in report.warnings:
        out.append(line)
    if report.long_sentences:
        from narrate.text import MAX_WORDS

        out.append(f"sentences longer than the voice takes at once (about {MAX_WORDS} words) are read in parts, "
                   "cut at their clauses (else between words):")
        for line, words, parts in report.long_sentences:
            out.append(f"  {script}:{line}: {words:,} words, in {parts} parts")
    if report.unlisted_names:
        out.append("names not in 'pronunciations' that an English voice may say wrongly:")
        for line, name in report.unlisted_names:
            out.append(f"  {script}:{line}: {name}")
    else:
        out.append("every name an English voice may say wrongly has a pronunciation")
    return out
