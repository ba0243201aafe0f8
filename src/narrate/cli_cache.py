"""narrate cache: what narrate keeps between builds, in a folder or a shared cache."""

from __future__ import annotations

from pathlib import Path

import click

from narrate.cli_options import _cache_dir


@click.group()
def cache() -> None:
    """See and prune what narrate keeps between builds."""


@cache.command("info")
@_cache_dir
@click.option("--days", type=click.FloatRange(0), default=30, show_default=True, metavar="DAYS",
              help="A build this recent counts as recent.")
def cache_info(cache_dir: Path | str | None, days: float) -> None:
    """Show what the cache holds and how much of it no recent build uses."""
    from narrate.cache import default_dir
    from narrate.upkeep import cache_info as info
    from narrate.report import cache_info_lines

    for line in cache_info_lines(info(cache_dir or default_dir(), days), days):
        click.echo(line)


@cache.command("prune")
@_cache_dir
@click.option("--days", type=click.FloatRange(0), default=30, show_default=True, metavar="DAYS",
              help="Keep what any build in this many days used.")
@click.option("--dry-run", is_flag=True, help="Say what would go, and remove nothing.")
def cache_prune(cache_dir: Path | str | None, days: float, dry_run: bool) -> None:
    """Remove cache entries that no build in the last --days used, and say how much space that frees."""
    from narrate.cache import default_dir
    from narrate.upkeep import prune
    from narrate.report import size_text

    count, freed = prune(cache_dir or default_dir(), days, dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {count:,} entries that no build in the last {days:g} days used: "
               f"{'would free' if dry_run else 'freed'} {size_text(freed)}")


@cache.command("verify")
@_cache_dir
def cache_verify(cache_dir: Path | str | None) -> None:
    """Check every cache entry against its length and checksum, and remove the damaged ones."""
    from narrate.cache import default_dir
    from narrate.upkeep import verify

    got = verify(cache_dir or default_dir())
    click.echo(f"checked {got.entries:,} entries: {got.damaged:,} damaged"
               + (f", {got.old:,} from an older narrate" if got.old else "") + "; removed them"
               if got.damaged or got.old else f"checked {got.entries:,} entries: all sound")
