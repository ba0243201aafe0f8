"""Many scripts, one series: build each episode, then write the one feed that lists them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from narrate.build import build
from narrate.cache import cache_in_use, default_dir
from narrate.engines import Engines
from narrate.errors import NarrateError, ScriptError
from narrate.export import feed as feeds
from narrate.export.books import remove_book_leftovers
from narrate.export.layout import episode_layout
from narrate.files import output_lock, published, remove_leftovers
from narrate.inputs import check_files, load_script
from narrate.record import Show
from narrate.result import BuildResult
from narrate.plan import edition_name
from narrate.script import Script, check_base_url, parse_formats


@dataclass(frozen=True)
class FeedResult:
    path: Path
    episodes: int
    written: bool  # False: it would not have changed
    url: str  # where it will be served


@dataclass(frozen=True)
class SeriesResult:
    """Every episode built, and the feed (None when there is no base_url to write it for)."""

    episodes: tuple[BuildResult, ...]
    feed: FeedResult | None


def build_series(
    arguments: list[str],
    output: str | None = None,
    cache_dir: Path | None = None,
    engines: Engines | None = None,
    formats: str | None = None,
    base_url: str | None = None,
    edition: str = "full",
    fresh: bool = False,
    progress: Callable[[], Callable[[int, int], None]] | None = None,
    log: Callable[[str], None] | None = None,
    report: Callable[[BuildResult], None] | None = None,
    allow: tuple[str | Path, ...] = (),
    jobs: int | None = None,
    rate: float | None = None,
) -> SeriesResult:
    """Build the episode of each script named (a folder stands for its .md files), then the feed.

    Every script and the files it names are checked before the first is built.
    ``progress()`` makes a progress callback for one episode; ``report`` hears of
    each episode as soon as it is built. ``rate`` reads every script slower or faster (default: each
    script's own 'rate'), as an edition with its own folders and feed.
    """
    paths = script_paths(arguments)
    chosen = None if formats is None else parse_formats(formats, "--format")
    loaded = [load_script(p) for p in paths]
    for script in loaded:
        check_files(script, allow)
    url = series_base_url(loaded, base_url)
    engines = engines or Engines()
    say = log or (lambda _: None)
    names = [edition_name(edition, s.meta.rate if rate is None else rate) for s in loaded]
    layouts = [episode_layout(p, output, name)[0] for p, name in zip(paths, names)]
    results = []
    with output_lock(layouts[0].root, say), cache_in_use(cache_dir or default_dir()):  # one build at a time per folder
        removed = remove_leftovers(layouts[0].root, [Path(feeds.feed_name(n)).stem for n in dict.fromkeys(names)])
        for path, layout in zip(paths, layouts):
            removed += remove_leftovers(layout.folder, [layout.stem, Path(layout.page).stem])
            removed += remove_book_leftovers(layout)
        if removed:
            say(f"removed {removed} temporary file{'s' if removed != 1 else ''} left by a build that was stopped")
        for path in paths:
            bar = progress() if progress else None
            result = build(path, output, cache_dir, engines, bar, edition, log, chosen, url, fresh, allow, jobs,
                           getattr(bar, "chapters", None), rate)
            results.append(result)
            if report:
                report(result)
        feeds_written = [write_feed(results[0].layout.root, name, results[names.index(name)].show, url)
                         for name in dict.fromkeys(names)] if url else []  # one per edition (a rate is one)
        feed = feeds_written[0] if feeds_written else None
    return SeriesResult(tuple(results), feed)


def write_feed(root: Path, edition: str, show: Show, base_url: str) -> FeedResult:
    """Write the feed for every episode of this edition under ``root``, unless it would not change."""
    episodes = feeds.find_episodes(root, edition)
    path = root / feeds.feed_name(edition)
    data = feeds.feed_xml(show, episodes, base_url, edition)
    result = FeedResult(path, len(episodes), True, base_url + path.name)
    try:
        if path.read_bytes() == data:
            return FeedResult(path, len(episodes), False, result.url)
    except OSError:
        pass
    with published(path) as tmp:
        tmp.write_bytes(data)
    return result


def series_base_url(scripts: list[Script], override: str | None) -> str | None:
    """The one base_url a series is published at: --base-url, else the scripts' own (which must agree)."""
    if override:
        return check_base_url(override, "--base-url")
    chosen: tuple[str, Script] | None = None
    for script in scripts:
        url = script.meta.podcast.base_url
        if url is None:
            continue
        if chosen and url != chosen[0]:
            raise ScriptError(
                f"podcast 'base_url' is '{url}' here but '{chosen[0]}' in {chosen[1].path}; "
                "a series is published at one address (or give --base-url)",
                script.path,
                script.meta.line_of("podcast.base_url"),
            )
        chosen = (url, script)
    return chosen[0] if chosen else None


def script_paths(arguments: list[str]) -> list[str]:
    """The scripts named on the command line; a folder stands for the .md files in it, by name."""
    out: list[str] = []
    for arg in arguments:
        path = Path(arg)
        if path.is_dir():
            found = sorted(str(p) for p in path.glob("*.md") if p.name.lower() != "readme.md")
            if not found:
                raise NarrateError("no .md scripts in this folder", arg)
            out += found
        else:
            out.append(arg)
    return out
