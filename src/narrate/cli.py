"""The narrate command: each subcommand parses options, makes one library call, and reports."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from narrate import __version__
from narrate.errors import NarrateError, os_error
from narrate.cli_cache import cache
from narrate.cli_import import import_
from narrate.cli_options import _allow_path, _cache_dir, _cluster, _jobs, _rate
from narrate.report import Progress, check_lines, format_duration, report_build

if TYPE_CHECKING:
    from narrate.engines import Engines
    from narrate.options import BuildOptions
    from narrate.result import BuildResult


@dataclass
class Session:
    """What every command shares: the engines to speak with (None: the installed ones). Tests pass fakes
    as ``CliRunner().invoke(cli, args, obj=Session(engines))``."""

    engines: Engines | None = None
    command_line: bool = False  # narrate run as a command (main), not called in-process


def _engines() -> Engines | None:
    obj = click.get_current_context().find_root().obj
    return obj.engines if isinstance(obj, Session) else None


def _command_line() -> bool:
    obj = click.get_current_context().find_root().obj
    return isinstance(obj, Session) and obj.command_line


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
        except OSError as exc:
            if verbose:
                traceback.print_exc()
            raise os_error(exc) from exc
        except KeyboardInterrupt:
            # Ctrl-C: what was published stays as it was (files are renamed into place only when whole)
            click.echo("interrupted: nothing was published by this run", err=True)
            raise click.exceptions.Exit(130) from None
        except Terminated:
            click.echo("terminated: nothing was published by this run", err=True)
            raise click.exceptions.Exit(143) from None
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


@cli.command()
@click.argument("scripts", nargs=-1, required=True, type=click.Path(path_type=str, readable=False))
@click.option(
    "-o", "--output", metavar="OUT",
    help="The output folder: each episode goes into OUT/<script name>/, the feed into OUT. "
    "Or, for one script, an .mp3/.m4b/.opus file to write, with the other files beside it. Default: build",
)
@click.option(
    "-f", "--format", "formats", metavar="LIST",
    help="What to write, from one mix, comma-separated: audio formats (mp3, m4b, opus) and talking books "
    "(daisy: a DAISY 2.02 folder; epub: EPUB 3 with Media Overlays), and walk, a walking tour (a page that plays "
    "each leg at its place, GPX, GeoJSON, a map). Default: the script's 'formats' setting, else mp3",
)
@click.option(
    "--base-url", metavar="URL",
    help="The address the output folder is served from, for the feed. Default: the script's 'podcast: base_url'",
)
@_cache_dir
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
@_allow_path
@_jobs
@_rate
@_cluster
def build(
    scripts: tuple[str, ...], output: str | None, formats: str | None, base_url: str | None,
    cache_dir: Path | str | None, fresh: bool, speech_only: bool, allow: tuple[str, ...], jobs: int | None,
    rate: str | None, cluster: str | None,
) -> None:
    """Build the episode for each SCRIPT (a folder stands for its .md files; a book, .epub, .docx, .odt or .html,
    is imported first); several make one series and one feed."""
    from narrate.export.formats import SUFFIXES

    if len(scripts) > 1 and output and Path(output).suffix.lower() in SUFFIXES:
        raise click.UsageError("-o names one file, but several scripts were given; name a folder instead")
    if cluster and _command_line():
        from narrate.driver import supervise, supervised

        if supervised(cluster):
            raise SystemExit(supervise(cluster))
    _build_all(list(scripts), _options(output, cache_dir, "speech" if speech_only else "full", formats, base_url,
                                       fresh, allow, jobs, rate, cluster))


def _options(output: str | None, cache_dir: Path | str | None, edition: str, formats: str | None,
             base_url: str | None, fresh: bool, allow: tuple[str, ...], jobs: int | None, rate: str | None,
             cluster: str | None = None) -> BuildOptions:
    """The build options from the command line, each checked as the script's own setting is."""
    from narrate.options import BuildOptions
    from narrate.script import check_base_url, parse_formats, parse_rate

    return BuildOptions(
        output=output, cache_dir=cache_dir, edition=edition,
        formats=None if formats is None else parse_formats(formats, "--format"),
        base_url=check_base_url(base_url, "--base-url") if base_url else None, fresh=fresh, allow=allow, jobs=jobs,
        rate=None if rate is None else parse_rate(rate, "--rate"), cluster=cluster or None,
    )


def _build_all(scripts: list[str], options: BuildOptions) -> None:
    """Build each script and report it as it is done, then the feed (if there is an address for it)."""
    from narrate.options import BuildHooks
    from narrate.series import SeriesHooks, build_series

    bars: list[Progress] = []

    def episode(path: str) -> BuildHooks:
        for bar in bars:
            bar.close()
        bars.append(Progress())
        return BuildHooks(progress=bars[-1], work=bars[-1].work, chapters_done=bars[-1].chapters)

    def report(result: BuildResult) -> None:
        for bar in bars:
            bar.close()
        report_build(result)

    from narrate.cli_import import imported_scripts

    scripts = imported_scripts(scripts, options.output)
    try:
        series = build_series(scripts, options, _engines(),
                              SeriesHooks(lambda line: click.echo(line, err=True), episode, report))
    finally:
        for bar in bars:
            bar.close()
    if series.feed:
        f = series.feed
        click.echo(f"feed: {f.path} ({f.episodes} episode{'s' if f.episodes != 1 else ''}, at {f.url})"
                   + ("" if f.written else ", unchanged"))
    else:
        click.echo("no feed: set 'base_url' under 'podcast:' in the front matter, or give --base-url")
    series.check()


@cli.command()
@click.argument("script", type=click.Path(path_type=str, readable=False), required=False)
@click.option("--say", "text", metavar="TEXT",
              help="Print how TEXT will be spoken (and, for Piper, its phonemes), with SCRIPT's language, "
              "pronunciations and voice if SCRIPT is given.")
@click.option("-o", "--output", metavar="OUT", help="Where SCRIPT is built, as for 'narrate build' (default: "
              "build): a walk's pacing takes each unchanged leg's length from that build.")
@_allow_path
def check(script: str | None, text: str | None, allow: tuple[str, ...], output: str | None) -> None:
    """Check SCRIPT without making audio; or hear in writing how a piece of text will be said (--say)."""
    from narrate.check import check as run_check
    from narrate.check import say

    if text is not None:
        said = say(text, script, _engines())
        click.echo(f"written:  {said.written}")
        click.echo(f"spoken:   {said.spoken}")
        if said.phonemes is not None:
            click.echo(f"phonemes: {said.phonemes}  ({said.voice})")
        return
    if script is None:
        raise click.UsageError("give a SCRIPT to check, or --say TEXT")
    report = run_check(script, _engines(), allow, output)
    for line in check_lines(report, script):
        click.echo(line)


@cli.command()
@click.argument("script", type=click.Path(path_type=str, readable=False))
@click.option("-o", "--output", metavar="OUT", help="As for 'narrate build'. Default: build")
@click.option("-f", "--format", "formats", metavar="LIST", help="As for 'narrate build'.")
@click.option("--base-url", metavar="URL", help="As for 'narrate build'.")
@_cache_dir
@click.option("--debounce", type=click.FloatRange(0.1, 30), default=0.8, show_default=True, metavar="SECONDS",
              help="Wait until the files have been quiet this long before building.")
@_allow_path
@_jobs
@_rate
def watch(script: str, output: str | None, formats: str | None, base_url: str | None, cache_dir: Path | str | None,
          debounce: float, allow: tuple[str, ...], jobs: int | None, rate: str | None) -> None:
    """Build SCRIPT, then rebuild it each time it (or a sound or image it uses) is saved. Ctrl-C stops."""
    from narrate.watch import watch as run_watch

    options = _options(output, cache_dir, "full", formats, base_url, False, allow, jobs, rate)  # checked now, once

    def rebuild() -> None:
        _build_all([script], options)

    click.echo(f"watching {script} and the files it uses (Ctrl-C to stop)")
    try:
        run_watch(script, rebuild, lambda line: click.echo(line, err=True), debounce=debounce)
    except KeyboardInterrupt:
        click.echo("stopped")


@cli.command()
@click.argument("script", type=click.Path(path_type=str, readable=False))
@click.option("--chapter", type=click.IntRange(1), metavar="N", help="Preview chapter N (from 1).")
@click.option("--line", type=click.IntRange(1), metavar="L", help="Preview the paragraph at line L of the script.")
@click.option("-o", "--output", metavar="FILE",
              help="Where to write it (.mp3 or .wav). Default: build/preview/<script>-chapter-NN.mp3")
@click.option("--play/--no-play", default=True, show_default=True, help="Play it when done, if a player is installed.")
@_cache_dir
@_allow_path
def preview(script: str, chapter: int | None, line: int | None, output: str | None, play: bool,
            cache_dir: Path | str | None, allow: tuple[str, ...]) -> None:
    """Render one chapter (--chapter N) or one paragraph (--line L) of SCRIPT, mixed, and play it."""
    from narrate import preview as p
    from narrate.options import BuildOptions

    if (chapter is None) == (line is None):
        raise click.UsageError("give --chapter N or --line L (one of them)")
    result = p.preview(script, chapter, line, BuildOptions(output=output, cache_dir=cache_dir, allow=allow), _engines())
    click.echo(f"wrote {result.path}: {result.what}, {format_duration(int(result.seconds * 1000))}; "
               f"{result.stats.summary()}")
    if play:
        played = p.play(result.path)
        if played is None:
            names = ", ".join(name for name, _ in p.PLAYERS)
            click.echo(f"no audio player found (looked for {names}); open {result.path} yourself")
        elif not played[1]:
            click.echo(f"{played[0]} could not play it (is there a sound device?); open {result.path} yourself")


@cli.command()
@click.option("--language", metavar="CODE", help="Only the voices of this language: 'fr', or 'en-GB' for one accent.")
@click.option(
    "--sample", "name", metavar="NAME", help="Speak one sentence in the voice NAME, to a WAV file, and play it."
)
@click.option("-o", "--output", metavar="FILE", help="Where --sample writes (.wav). Default: build/voices/NAME.wav")
@click.option("--play/--no-play", default=True, show_default=True, help="Play the sample, if a player is installed.")
def voices(language: str | None, name: str | None, output: str | None, play: bool) -> None:
    """List the voices installed (engine, language, accent, gender, cost), or hear one (--sample NAME)."""
    from narrate import voices as v

    if name:
        path = v.sample(name, output, _engines())
        click.echo(f"wrote {path}")
        if play:
            from narrate.preview import play as play_file

            if play_file(path) is None:
                click.echo(f"no audio player found; open {path} yourself")
        return
    from narrate.report import voice_lines

    found = v.installed(_engines(), language)
    if not found:
        raise NarrateError(f"no voice installed speaks '{language}': 'narrate voices' lists every one")
    for line in voice_lines(found, brief=not language):
        click.echo(line)


@cli.command()
@click.argument("target", type=click.Path(path_type=str, readable=False), metavar="EPISODE-OR-SCRIPT")
@click.option("-o", "--output", metavar="OUT", help="Where a SCRIPT's episode was built, as for 'narrate build'.")
@click.option("--max-wer", type=click.FloatRange(0, 1), default=0.15, show_default=True,
              help="Fail if the episode's or a chapter's word error rate is above this (0.15 = 15%).")
def verify(target: str, output: str | None, max_wer: float) -> None:
    """Transcribe a built episode offline and compare it with its script, chapter by chapter.

    Needs the optional extra: pip install 'narrate[verify]'. Exits 1 if the episode's word error rate, or
    that of a chapter of 50 words or more, is over --max-wer, if a sentence is missing from the audio, or if
    the times the voice gave its words are over 100 ms (median) from where the recogniser hears them.
    """
    from narrate.hearing import LANGUAGES_HINT
    from narrate.verify import MIN_WORDS
    from narrate.verify import verify as run_verify

    report = run_verify(target, output)
    click.echo(f"{report.audio}: word error rate {report.wer:.1%}, body text {report.body_wer:.1%} "
               f"({report.recogniser}, offline)")
    width = max(len(c.title) for c in report.chapters)
    heard = {h.chapter: f"; heard in {h.heard} ({h.probability:.0%})" for h in report.languages}
    for c in report.chapters:
        short = f"; under {MIN_WORDS}, judged with the episode" if c.words < MIN_WORDS else ""
        click.echo(f"  {c.number:>2}  {c.title:<{width}}  {c.wer:6.1%}  ({c.errors} of {c.words} words{short}"
                   f"{heard.get(c.number, '')})")
    if not report.languages:
        click.echo(f"the chapters' languages were not checked: {LANGUAGES_HINT} adds the multilingual recogniser")
    for timing in report.timing:
        click.echo(timing.describe())
    if report.issues:
        click.echo("sentences where the audio departs from the script:")
        for issue in report.issues:
            click.echo(f"  line {issue.line}: {issue.describe()}")
    failures = report.failures(max_wer)
    if failures:
        raise NarrateError("; ".join(failures), str(report.audio))


class Terminated(BaseException):
    """SIGTERM (a service manager, 'kill', a CI timeout): stop as Ctrl-C does."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


cli.add_command(cache)
cli.add_command(import_)


def main(engines: Engines | None = None) -> None:
    """Console entry point. SIGTERM unwinds like Ctrl-C: encoders are stopped, temporary files removed,
    and nothing half-written is published; the exit status is 143 (128 + SIGTERM)."""
    import signal

    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        cli(prog_name="narrate", obj=Session(engines, command_line=True))
    finally:  # the build's Ray driver, in a child of the command (narrate.cluster.supervise), has said its last
        from narrate.driver import driver_ended

        driver_ended()
