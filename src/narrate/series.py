"""Many scripts, one series: build each episode, then write the one feed that lists them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from narrate.build import build
from narrate.cache import cache_in_use, local_dir
from narrate.engines import Engines
from narrate.errors import NarrateError, ScriptError, SomeFailed
from narrate.export import feed as feeds
from narrate.export.books import remove_book_leftovers
from narrate.export.layout import episode_layout
from narrate.files import output_lock, published, remove_leftovers
from narrate.inputs import check_files, load_script
from narrate.record import Show
from narrate.result import BuildResult, Failed
from narrate.plan import edition_name
from narrate.options import BuildHooks, BuildOptions
from narrate.script import Script, check_base_url


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
    failed: tuple[Failed, ...] = ()  # books of a catalogue that could not be built (each was logged)

    def check(self) -> None:
        """Raise, after everything else is reported, if some books failed."""
        if self.failed:
            names = ", ".join(Path(f.script).name for f in self.failed)
            count = len(self.episodes) + len(self.failed)
            raise SomeFailed(f"{len(self.failed)} of {count} books failed ({names}; each is reported above); "
                               f"the other {len(self.episodes)} were published")


@dataclass(frozen=True)
class SeriesHooks:
    """Where a series build reports: ``log`` takes warnings, one line each; ``episode(path)`` gives the hooks
    for one script's build (its progress bar); ``report`` hears of each episode as soon as it is built."""

    log: Callable[[str], None] = lambda _: None
    episode: Callable[[str], BuildHooks] | None = None
    report: Callable[[BuildResult], None] = lambda _: None


def build_series(arguments: list[str], options: BuildOptions = BuildOptions(), engines: Engines | None = None,
                 hooks: SeriesHooks = SeriesHooks()) -> SeriesResult:
    """Build the episode of each script named (a folder stands for its .md files), then the feed.

    Every script and the files it names are checked before the first is built. Every script is built with the
    same ``options``; a series is published at one base_url (theirs, which must agree, or ``options.base_url``).
    A ``rate`` reads every script slower or faster, as an edition with its own folders and feed.
    """
    paths = script_paths(arguments)
    catalogue = bool(options.cluster) and len(paths) > 1
    count = len(paths)
    failed: list[Failed] = []  # a catalogue goes on without a book that fails; a series stops
    loaded = []
    for path in paths:
        try:
            loaded.append(load_script(path))
            check_files(loaded[-1], options.allow)
        except NarrateError as exc:
            if not catalogue:
                raise
            if loaded and loaded[-1].path == path:
                loaded.pop()
            failed.append(Failed(path, exc.format_message()))
            hooks.log(f"error: {failed[-1].message}")
    paths = [s.path for s in loaded]
    if not paths:
        raise NarrateError(f"none of the {count} scripts can be built (each is reported above)")
    url = series_base_url(loaded, options.base_url)
    engines = engines or Engines()
    names = [edition_name(options.edition, s.meta.rate if options.rate is None else options.rate) for s in loaded]
    layouts = [episode_layout(p, options.output, name)[0] for p, name in zip(paths, names)]
    cache_dir = local_dir(options.cache_dir)  # this machine's folder of the cache
    results = []
    with output_lock(layouts[0].root, hooks.log), cache_in_use(cache_dir):  # one build at a time per folder
        removed = remove_leftovers(layouts[0].root, [Path(feeds.feed_name(n)).stem for n in dict.fromkeys(names)])
        for path, layout in zip(paths, layouts):
            removed += remove_leftovers(layout.folder, [layout.stem, Path(layout.page).stem])
            removed += remove_book_leftovers(layout)
        if removed:
            hooks.log(f"removed {removed} temporary file{'s' if removed != 1 else ''} left by a build that was stopped")
        each = replace(options, base_url=url)
        if catalogue:
            from narrate.catalogue import build_catalogue

            results = build_catalogue(paths, each, engines, hooks.log, hooks.report, failed)
        else:
            speaker = None
            if options.cluster:
                from narrate.cluster import RaySpeaker

                speaker = RaySpeaker(options.cluster, engines, hooks.log)
            for path in paths:
                episode = hooks.episode(path) if hooks.episode else BuildHooks()
                result = build(path, each, engines, replace(episode, log=hooks.log), speaker)
                results.append(result)
                hooks.report(result)
        feeds_written = [write_feed(results[0].layout.root, name, results[names.index(name)].show, url)
                         for name in dict.fromkeys(names)] if url else []  # one per edition (a rate is one)
        feed = feeds_written[0] if feeds_written else None
    return SeriesResult(tuple(results), feed, tuple(failed))


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
