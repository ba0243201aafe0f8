"""The shape of the package: no import cycles; modules, functions and lines a reader can take in at one\nsitting."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

SRC = REPO / "src" / "narrate"
MAX_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_LINE_LENGTH = 120


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The narrate modules a file imports, at module level or inside a function, by any form of import."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            for a in node.names:
                # 'from narrate.export import feed' imports the module narrate.export.feed
                out.add(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base)
    return {m for m in out if m in modules and m != name}


def graph() -> dict[str, set[str]]:
    files = sorted(SRC.rglob("*.py"))
    modules = {module_name(f) for f in files}
    return {module_name(f): imports(f, modules) for f in files}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(edges.get(m, ())):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_is_read_from_every_form_of_import(tmp_path: Path) -> None:
    edges = graph()
    assert "narrate.plan" in edges["narrate.build"]  # module level
    assert "narrate.export.feed" in edges["narrate.publish"]  # 'from narrate.export import feed'
    assert "narrate.script" in edges["narrate.cli"]  # inside a function


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert find_cycle(graph()) is None


def test_no_module_is_over_400_lines() -> None:
    long = {str(f.relative_to(REPO)): n for f in SRC.rglob("*.py") if (n := len(f.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_no_function_is_over_60_lines() -> None:
    """A function a reader can hold in mind: its signature, docstring and body in 60 lines at most."""
    long = {}
    for f in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{f.relative_to(REPO)}:{node.lineno} {node.name}"] = n
    assert long == {}


def test_no_line_is_over_120_characters() -> None:
    long = [f"{f.relative_to(REPO)}:{i}" for f in sorted(SRC.rglob("*.py"))
            for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if len(line) > MAX_LINE_LENGTH]
    assert long == []


def test_every_module_and_file_of_the_package_is_installed() -> None:
    """pyproject.toml lists packages by hand: a folder of modules left off it, or a data file no pattern takes,
    works in the editable install the tests run on, and is missing from the wheel a user installs."""
    import fnmatch
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages, data = set(config["packages"]), config["package-data"]
    missing = sorted(module_name(f) for f in SRC.rglob("__init__.py") if module_name(f) not in packages)
    assert missing == []
    for f in SRC.rglob("*"):
        if f.is_file() and f.suffix not in (".py", ".pyc") and "__pycache__" not in f.parts:
            package = module_name(f.parent / "__init__.py")
            installed = any(fnmatch.fnmatch(f.name, p) for p in data.get(package, []))
            assert installed, f"{f.relative_to(REPO)} is not installed"
