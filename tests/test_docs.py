"""The README and the manual in docs/ say what narrate does: the site builds with no broken link, the generated
parts (every --help, the README's example and what it prints) are what narrate prints today, and every script,
front matter and command line they show is one narrate accepts."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from narrate.cli import cli
from narrate.plan import plan_episode
from narrate.script import parse_script
from narrate.testing import tone_engines

from conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(kind: str) -> list[tuple[Path, int, str]]:
    """Every fenced block of ``kind`` in the pages: (page, line, text)."""
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group(1) == kind:
                out.append((page, text[: m.start()].count("\n") + 1, m.group(2)))
    return out


def where(page: Path, line: int) -> str:
    return f"{page.relative_to(REPO)}:{line}"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """mkdocs with every check on (mkdocs.yml): a broken link or anchor, or a page not in the nav, fails."""
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    pages = {p.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("index.html")}
    assert {f"{p.stem}/index.html" for p in PAGES[1:] if p.stem != "index"} | {"index.html"} <= pages


def test_every_page_is_in_the_site_and_linked_from_the_readme() -> None:
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for page in PAGES[1:]:
        assert f": {page.name}" in nav, page.name
        if page.name != "index.md":
            assert f"(docs/{page.name})" in readme, page.name


def test_the_generated_parts_are_what_narrate_prints_today() -> None:
    """cog runs each block's generator (tests/docgen.py) and compares: 'python3 dev.py docs' rewrites them."""
    done = subprocess.run([sys.executable, "-m", "cogapp", "--check", "-I", "tests",
                           *(str(p.relative_to(REPO)) for p in PAGES)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr + "\n(run 'python3 dev.py docs' to write them again)"


def test_every_command_has_its_help_in_the_reference() -> None:
    import docgen

    reference = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    for words in docgen.commands():
        assert f"$ narrate {' '.join(words)} --help" in reference, words


@pytest.mark.parametrize("page, line, text", blocks("markdown"), ids=lambda v: str(v)[-30:] if isinstance(v, str) else None)
def test_every_script_shown_parses_and_plans(page: Path, line: int, text: str) -> None:
    assert text.startswith("---\n"), f"{where(page, line)}: a script shown whole starts with its front matter"
    script = parse_script(text, f"{where(page, line)}.md")
    plan = plan_episode(script, tone_engines())
    assert len(plan.chapters) == text.count("\n# ") >= 1


@pytest.mark.parametrize("page, line, text", blocks("yaml"))
def test_every_front_matter_shown_parses(page: Path, line: int, text: str) -> None:
    script = parse_script(f"---\ntitle: T\n{text}---\n# One\nHello.\n", f"{where(page, line)}.md")
    plan_episode(script, tone_engines())


def command_lines() -> list[tuple[Path, int, str]]:
    """Every 'narrate ...' command shown to be typed: in sh blocks, and after '$ ' in text blocks."""
    out = []
    for kind in ("sh", "text"):
        for page, line, text in blocks(kind):
            for k, row in enumerate(text.splitlines()):
                row = row.split("  #")[0].strip()
                typed = row[2:] if row.startswith("$ ") else row if kind == "sh" else ""
                if typed.startswith(("narrate ", ".venv/bin/narrate ")):
                    out.append((page, line + 1 + k, typed))
    return out


@pytest.mark.parametrize("page, line, command", command_lines(), ids=lambda v: v if isinstance(v, str) else None)
def test_every_command_line_shown_is_one_narrate_takes(page: Path, line: int, command: str) -> None:
    """Parsed by the command's own options (nothing runs): an option renamed or gone fails here."""
    words = shlex.split(command)[1:]
    try:
        ctx = cli.make_context("narrate", list(words))
        group: click.Command = cli
        while isinstance(group, click.Group):
            name, sub, args = group.resolve_command(ctx, ctx.protected_args + ctx.args)
            assert sub is not None, f"{where(page, line)}: {command}"
            ctx = sub.make_context(name or "", args, parent=ctx)
            group = sub
    except click.exceptions.Exit as done:  # --help: shown, and a clean exit
        assert done.exit_code == 0 and words[-1] in ("--help", "-h")


def test_the_readme_stays_a_front_door() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").count("\n")
    assert 150 <= lines <= 250


def synopses() -> list[tuple[Path, int, str]]:
    """Every line that sums a command up ('narrate watch SCRIPT [-o OUT] [--debounce SECONDS]') in text blocks."""
    return [(page, line + 1 + k, row.strip()) for page, line, text in blocks("text")
            for k, row in enumerate(text.splitlines()) if row.startswith("narrate ")]


@pytest.mark.parametrize("page, line, synopsis", synopses(), ids=lambda v: v[:40] if isinstance(v, str) else None)
def test_every_option_in_a_synopsis_is_the_commands_own(page: Path, line: int, synopsis: str) -> None:
    words = synopsis.split()[1:]
    command: click.Command = cli
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        command = command.commands[words.pop(0)]
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)} | {"-h", "--help"}
    if command is not cli:
        known |= {opt for p in cli.params for opt in p.opts}
    shown = set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", " ".join(words)))
    assert shown <= known, f"{where(page, line)}: {sorted(shown - known)} not options of {command.name}"
