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
@click.argument("scripts", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "-o", "--output", metavar="OUT",
    help="The output folder: each episode goes into OUT/<script name>/, the feed into OUT. "
    "Or, for one script, an .mp3/.m4b/.opus file to write, with the other files beside it. Default: build",
)
@click.option(
    "-f", "--format", "formats", metavar="LIST",
    help="The audio formats to write, from one mix: any of mp3, m4b, opus, comma-separated. "
    "Default: the script's 'formats' setting, else mp3",
)
@click.option(
    "--base-url", metavar="URL",
    help="The address the output folder is served from, for the feed. Default: the script's 'podcast: base_url'",
)
@click.option(
    "--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="NARRATE_CACHE_DIR",
    help="Where synthesised sentences are kept. Default: ~/.cache/narrate",
)
@click.option(
    "--fresh", is_flag=True,
    help="Master, encode and measure everything anew instead of reusing unchanged chapters "
    "(sentences still come from the cache).",
)
@click.option(
    "--speech-only", is_flag=True,
    help="Build the speech-only edition: no beds or stings, the same chapters and cues "
    "(written as <script name>-speech). Reuses the cached speech.",
)
def build(
    scripts: tuple[str, ...], output: str | None, formats: str | None, base_url: str | None,
    cache_dir: Path | None, fresh: bool, speech_only: bool,
) -> None:
    """Build the episode for each SCRIPT (a folder stands for its .md files); several make one series and one feed."""
    from narrate import build as b

    paths = b.script_paths(list(scripts))
    chosen = b.parse_format_option(formats)
    if len(paths) > 1 and output and Path(output).suffix.lower() in (".mp3", ".m4b", ".opus"):
        raise click.UsageError("-o names one file, but several scripts were given; name a folder instead")
    loaded = [b.load_script(p) for p in paths]  # every script is checked before the first is built
    for script in loaded:
        b.check_files(script)
    url = b.series_base_url(loaded, base_url)
    edition = "speech" if speech_only else "full"
    results = []
    for path in paths:
        progress = _Progress()
        try:
            result = b.build(
                path, output, cache_dir, progress=progress, edition=edition,
                log=lambda line: click.echo(line, err=True), formats=chosen, base_url=url, fresh=fresh,
            )
        finally:
            progress.close()
        results.append(result)
        _report(result)
    first = results[0]
    assert first.layout is not None
    if url:
        feed, count, written = b.write_feed(first.layout.root, edition, first.show, url)
        click.echo(f"feed: {feed} ({count} episode{'s' if count != 1 else ''}, at {url}{feed.name})"
                   + ("" if written else ", unchanged"))
    else:
        click.echo("no feed: set 'base_url' under 'podcast:' in the front matter, or give --base-url")


def _report(result: Any) -> None:
    tl, layout = result.timeline, result.layout
    if result.unchanged:
        click.echo(f"{result.output}: {result.changes.lines()[0]}; wrote nothing")
        return
    names = [p.name for p in result.outputs.values()]
    click.echo(f"built {result.output}" + (f" (and {', '.join(names[1:])})" if len(names) > 1 else ""))
    click.echo(f"  {_format_duration(tl.duration_ms)} long, {len(tl.chapters)} chapters")
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
