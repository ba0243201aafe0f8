"""narrate import: a book someone already has, as a script to edit and build."""

from __future__ import annotations

from pathlib import Path

import click

from narrate.errors import NarrateError
from narrate.words import counted


@click.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--output", "script", type=click.Path(dir_okay=False, path_type=Path), metavar="SCRIPT",
              help="The script to write (default: the book's name, with .md, in this folder). Its cover is saved "
                   "beside it.")
@click.option("--force", is_flag=True, help="Replace the script if it exists.")
def import_(source: Path, script: Path | None, force: bool) -> None:
    """Turn a book (EPUB 2 or 3, a Word or OpenDocument text, an HTML page, or plain text) into a narrate script.

    Chapters come from the book's table of contents (or its headings), the front matter from its metadata, and
    its cover is saved beside the script. Title pages, imprints, colophons, copyright and licence pages and tables
    of contents are left out, and listed; notes become footnotes. Each quotation whose speaker a rule can tell
    (a speech tag, its paragraph, an exchange) is given to that speaker, declared and cast a voice of their own.
    Nothing is written unless the whole book is read.
    """
    from narrate.importing import import_book

    script = script or Path(f"{source.stem}.md")
    if script.suffix.lower() != ".md":
        raise NarrateError("a script's name ends in .md: give -o NAME.md", str(script))
    if script.exists() and not force:
        raise NarrateError("exists already: give another -o, or --force to replace it", str(script))
    done = import_book(source, script)
    by = f" by {done.author}" if done.author else ""
    click.echo(f"wrote {script}: {len(done.chapters)} chapter{'s' if len(done.chapters) != 1 else ''} "
               f"of {done.title}{by}")
    if done.cover is not None:
        click.echo(f"  cover: {done.cover}")
    if speakers := done.dialogue.speakers()[0]:
        names = ", ".join(name for name, *_ in speakers[:4]) + (", …" if len(speakers) > 4 else "")
        given = counted(sum(n for _, n, *_ in speakers), "quotation")
        click.echo(f"  speakers: {len(speakers)} ({names}), given {given}; {done.dialogue.unattributed:,} left to the "
                   "narrator ('narrate check' lists them)")
    for name, what in done.left_out:
        click.echo(f"  left out: {name} ({what})")
    click.echo(f"next: narrate check {script}, then narrate build {script}")


BOOKS = (".epub", ".docx", ".odt", ".html", ".htm", ".xhtml")  # 'narrate build' imports these first


def imported_scripts(scripts: list[str], output: str | None) -> list[str]:
    """'narrate build book.epub': each book among the arguments imported first, as a script kept in the output
    folder (OUT/.imported/<book>.md, with its cover), and built from there; scripts as they are."""
    from narrate.importing import import_book

    out = []
    for arg in scripts:
        path = Path(arg)
        if path.suffix.lower() not in BOOKS or path.is_dir():
            out.append(arg)
            continue
        folder = Path(output or "build")
        folder = folder.parent if folder.suffix.lower() in (".mp3", ".m4b", ".opus") else folder
        script = folder / ".imported" / f"{path.stem}.md"
        script.parent.mkdir(parents=True, exist_ok=True)
        done = import_book(path, script)
        click.echo(f"imported {path} as {script}: {len(done.chapters)} chapter{'s' if len(done.chapters) != 1 else ''}"
                   f"{', left out ' + str(len(done.left_out)) + ' parts' if done.left_out else ''}", err=True)
        out.append(str(script))
    return out
