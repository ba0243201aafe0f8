"""The front matter's YAML, read safely: every key with its line, and nothing YAML would let through that narrate
cannot say where it came from. No aliases (a few nested ones stand for billions of values), no value nested
deeper than a script needs (YAML builds nested values by recursion), no number of thousands of digits, no key given
twice and no control character: each one line with the file and line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from narrate.errors import ScriptError

# C0 and C1 control characters and DEL; tab, line ends and form feed are ordinary whitespace
CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# The deepest front matter narrate reads is a speaker's voice settings, three levels down.
MAX_DEPTH = 12
# No setting takes a whole number of more digits than this; Python refuses to read one of over 4,300.
MAX_DIGITS = 30


def read_yaml(front: str, path: str) -> tuple[dict[Any, Any], dict[str, int]]:
    """The front matter's values, and the line of each 'key' and 'key.sub' (1-based, counting the '---')."""
    loader = _Loader(front, path)  # parsed once: the node tree (for lines and checks), then the values from it
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        problem, line = _problem(exc)
        raise ScriptError(f"invalid front matter: {problem}", path, line) from None
    finally:
        loader.dispose()
    if node is not None:
        _check_nodes(node, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScriptError("invalid front matter: expected 'key: value' lines", path, 2)
    return data, _key_lines(node) if node is not None else {}


def _problem(exc: yaml.YAMLError) -> tuple[str, int]:
    """What YAML found wrong, and the line to show."""
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context", None) or ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "quoted scalar" in context and getattr(exc, "context_mark", None) is not None:
        # an unclosed quote: the line that opens it, not the end of the front matter where YAML gave up
        mark = exc.context_mark  # type: ignore[attr-defined]
        problem = "a quote is opened and never closed: close it on the same line"
    return problem, mark.line + 2 if mark is not None else 1


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, with dates kept as written (YAML would build them itself, and an impossible one,
    2026-02-30, would fail there, before narrate could say which key and line it is), no aliases, values nested
    at most MAX_DEPTH deep and whole numbers of at most MAX_DIGITS digits."""

    def __init__(self, stream: str, path: str) -> None:
        super().__init__(stream)
        self.path, self.depth = path, 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:  # type: ignore[override]
        event = self.peek_event()
        line = event.start_mark.line + 2
        if isinstance(event, yaml.AliasEvent):
            raise ScriptError(f"'*{event.anchor}' repeats a value by its anchor: front matter takes plain values; "
                              "write it out", self.path, line)
        if self.depth >= MAX_DEPTH:
            raise ScriptError(f"values are nested more than {MAX_DEPTH} deep here: front matter takes a few levels "
                              "of 'key: value'; flatten it", self.path, line)
        self.depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.depth -= 1

    def construct_whole_number(self, node: yaml.ScalarNode) -> int:
        if len(str(node.value)) > MAX_DIGITS:
            raise ScriptError(f"a number of {len(str(node.value)):,} digits: no setting takes one of more than "
                              f"{MAX_DIGITS}", self.path, node.start_mark.line + 2)
        return self.construct_yaml_int(node)  # type: ignore[no-any-return]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)  # type: ignore[arg-type]
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_whole_number)  # type: ignore[arg-type]


def _key_lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """Map 'key' and 'key.sub' paths of a composed YAML mapping to 1-based lines (+1 for '---')."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for knode, vnode in node.value:
            key = f"{prefix}{knode.value}"
            out[key] = knode.start_mark.line + 2
            out.update(_key_lines(vnode, key + "."))
    return out


def _check_nodes(node: yaml.Node, path: str, prefix: str = "") -> None:
    """A key given twice (YAML would keep the last, silently), and control characters that YAML's escapes
    ("\\0", "\\x1b") can write into a value: each refused at its line."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for knode, vnode in node.value:
            key, line = f"{prefix}{knode.value}", knode.start_mark.line + 2
            if key in seen:
                raise ScriptError(f"'{key}' is given twice, here and on line {seen[key]}: keep one", path, line)
            seen[key] = line
            _check_nodes(knode, path)
            _check_nodes(vnode, path, key + ".")
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_nodes(item, path, prefix)
    elif isinstance(node, yaml.ScalarNode) and (m := CONTROL.search(str(node.value))):
        where = f" in '{prefix[:-1]}'" if prefix else ""
        raise ScriptError(f"a control character (U+{ord(m.group(0)):04X}){where}, which can be neither shown nor "
                          "spoken: remove it", path, node.start_mark.line + 2)
