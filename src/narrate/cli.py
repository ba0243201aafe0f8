"""The narrate command: each subcommand parses options, makes one library call, and reports."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import click

from narrate import __version__
from narrate.errors import NarrateError


class _NarrateGroup(click.Group):
    """Turns unexpected failures into one line, with the traceback only under -v."""

    def invoke(self, ctx: click.Context) -> Any:
        verbose = ctx.params.get("verbose", False)
        try:
            return super().invoke(ctx)
        except NarrateError:
            if verbose:
                traceback.print_exc()
            raise
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise  # click handles these itself (a closed pipe, as in 'narrate check | head', exits quietly)
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:
            if verbose:
                raise
            raise NarrateError(
                f"internal error: {type(exc).__name__}: {exc} (run 'narrate -v ...' to see the traceback)"
            ) from exc


@click.group(cls=_NarrateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback when something fails.")
@click.version_option(__version__, prog_name="narrate")
def cli(verbose: bool) -> None:
    """Turn a story script into a narrated, chaptered podcast episode."""


def _format_duration(ms: int) -> str:
    s = round(ms / 1000)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class _Progress:
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


@cli.command()
@click.argument("script", type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "-o", "--output", metavar="OUT",
    help="The .mp3 file to write, or a folder for it. Default: build/<script name>.mp3",
)
@click.option(
    "--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="NARRATE_CACHE_DIR",
    help="Where synthesised sentences are kept. Default: ~/.cache/narrate",
)
@click.option(
    "--speech-only", is_flag=True,
    help="Build the speech-only edition: no beds or stings, the same chapters and cues "
    "(written as <script name>-speech.mp3). Reuses the cached speech.",
)
def build(script: str, output: str | None, cache_dir: Path | None, speech_only: bool) -> None:
    """Build the episode for SCRIPT."""
    from narrate.build import build as run_build

    progress = _Progress()
    try:
        result = run_build(
            script, output, cache_dir, progress=progress, edition="speech" if speech_only else "full",
            log=lambda line: click.echo(line, err=True),
        )
    finally:
        progress.close()
    tl = result.timeline
    click.echo(f"wrote {result.output}")
    click.echo(f"  {_format_duration(tl.duration_ms)} long, {len(tl.chapters)} chapters")
    click.echo(f"  {result.stats.summary()}")
    click.echo(f"  {result.loudness.summary()}")
    click.echo(f"  build record: {result.manifest}")


@cli.command()
@click.argument("script", type=click.Path(dir_okay=True, path_type=str))
def check(script: str) -> None:
    """Check SCRIPT without making audio."""
    from narrate.build import check as run_check

    report = run_check(script)
    plan = report.plan
    click.echo(
        f"{script}: {len(plan.chapters)} chapters, {report.sentences} sentences, "
        f"about {_format_duration(int(report.estimated_seconds * 1000))} of narration"
    )
    width = max(len(c.title) for c in plan.chapters)
    for c in plan.chapters:
        n = sum(1 for i in c.items if getattr(i, "role", None) == "text")
        click.echo(f"  {c.number:>2}  {c.title:<{width}}  line {c.line}, {n} sentence{'s' if n != 1 else ''}")
    if report.unlisted_names:
        click.echo("names not in 'pronunciations' that an English voice may say wrongly:")
        for line, name in report.unlisted_names:
            click.echo(f"  {script}:{line}: {name}")
    else:
        click.echo("every name an English voice may say wrongly has a pronunciation")


def main() -> None:
    """Console entry point."""
    cli(prog_name="narrate")
