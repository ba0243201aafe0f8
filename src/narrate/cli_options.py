"""The options several commands share, and the parameter types they need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


class CacheDir(click.ParamType):
    """A cache folder, or the URL of a shared cache (kept as the string it is)."""

    name = "dir"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        from narrate.objectstore import check_address, check_folder

        if isinstance(value, Path) or "://" not in str(value):
            return click.Path(file_okay=False, path_type=Path).convert(check_folder(str(value)), param, ctx)
        return check_address(str(value))  # and opened when first used (narrate.objectstore)


# every command that reads a script's files takes the same option
_allow_path = click.option(
    "--allow-path", "allow", multiple=True, metavar="DIR", type=click.Path(file_okay=False, path_type=str),
    help="Also use covers, images, sounds and voices from DIR (repeatable). Without it, every file a script "
    "names must be inside the script's folder (after following links), so a script passed around publishes "
    "only what it carries.",
)

# every command that builds takes the same option
_jobs = click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), metavar="N",
    help="Synthesise with N worker processes, each with the voice loaded once. Default: one per core. "
    "The episode is the same whatever N is.",
)

# every command that builds takes the same option; a float checked by parse_rate, for the same message as the script's
_rate = click.option(
    "--rate", metavar="R",
    help="Read slower (0.85: at 85 % of each voice's speed, pauses as much longer) or faster, from 0.5 to 2.0. "
    "The voice itself is slower, with no time-stretching. Written as its own edition, <script name>-rate-0.85, "
    "with its own feed. Default: the script's 'rate' setting, else 1.",
)

# every command that uses the cache takes the same option
_cache_dir = click.option(
    "--cache-dir", type=CacheDir(), envvar="NARRATE_CACHE_DIR", metavar="DIR",
    help="Where narrate keeps synthesised sentences and mixed and encoded pieces. Default: ~/.cache/narrate. "
    "A URL (s3://bucket/prefix, gs://..., file://...) names a cache shared by many machines: sentences are "
    "kept there, and a copy of those used in the default folder with everything else.",
)

# every command that synthesises takes the same option
_cluster = click.option(
    "--cluster", envvar="NARRATE_CLUSTER", metavar="ADDRESS",
    help="Speak on a Ray cluster: ray://HOST:10001, or auto for the cluster this machine belongs to "
    "(needs narrate[cluster]). With several scripts, each book is also mixed and encoded there.",
)
