"""Where one episode's files go, from the script's name and the -o option."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from narrate.errors import NarrateError
from narrate.export.formats import SUFFIXES


@dataclass(frozen=True)
class Layout:
    """Where one episode's files go: ``folder/<stem>.<suffix>`` and its page, under the feed's ``root``."""

    root: Path
    folder: Path
    stem: str
    page: str  # 'index.html' in the episode's own folder; '<stem>.html' beside a named file

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.stem}{suffix}"

    def url(self, base_url: str, name: str) -> str:
        """A file's public address, for a base_url that serves ``root``."""
        rel = self.folder.relative_to(self.root).as_posix()
        return base_url + quote(("" if rel == "." else rel + "/") + name)

    @property
    def manifest(self) -> Path:
        """The build record."""
        return self.path(".manifest.json")


def episode_layout(script_path: str, output: str | None, edition: str = "full") -> tuple[Layout, str | None]:
    # ``edition`` is the edition's name (narrate.plan.edition_name): 'full', 'speech', 'rate-0.85', ...
    """Where an episode goes, and the format its output name asks for (if it names a file).

    OUT names a folder (default: build): the episode gets its own folder in it,
    OUT/<script>/, with an index.html, and OUT holds the feed. OUT may instead
    name an .mp3, .m4b or .opus file: the other files go beside it, named after it.
    The speech-only edition is <script>-speech, and a slower reading <script>-rate-0.85, so editions can
    sit side by side.
    """
    stem = Path(script_path).stem + ("" if edition == "full" else f"-{edition}")
    if output is None:
        root = Path("build")
        return Layout(root, root / stem, stem, "index.html"), None
    out = Path(output)
    if out.suffix.lower() in SUFFIXES and not out.is_dir():
        return Layout(out.parent, out.parent, out.stem, f"{out.stem}.html"), SUFFIXES[out.suffix.lower()]
    if out.is_file() or (out.suffix and not out.is_dir() and out.suffix[1:].isalpha()):
        known = ", ".join(SUFFIXES)
        what = f"cannot write '{out.suffix}' files" if out.suffix else "is a file, not a folder"
        raise NarrateError(f"{what}: name a folder, or a file ending in {known}", output)
    return Layout(out, out / stem, stem, "index.html"), None
