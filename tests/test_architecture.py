"""The shape of the house: no import cycles among engine/, rules/ and notifiers/ (function-local
imports included, since they only hide a cycle until the function runs), and no module past 400
lines unless the allow-list below says why."""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGES = ("engine", "rules", "notifiers")
MAX_LINES = 400
# Modules allowed past MAX_LINES, each with the reason it is one piece.
LONG_MODULES: dict[str, str] = {}


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the three packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> dict[str, int]:
    """The modules of the three packages that `name` imports anywhere in its file -> first line.

    `from a import b` names the module a.b when there is one, else a name defined in a (its
    __init__ when a is a package). Parent packages that an import runs on the way are not counted:
    their __init__ files only re-export."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [_longest_known(alias.name, known) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else _longest_known(base, known)
                       for a in node.names]
        else:
            continue
        for target in targets:
            if target is not None and target != name:
                found.setdefault(target, node.lineno)
    return found


def _longest_known(dotted: str, known: dict[str, Path]) -> str | None:
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in known:
            return ".".join(parts[:end])
    return None


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module of the three packages: line of the first such import}."""
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One shortest cycle through each module that is on a cycle, without rotations of the same."""
    found, seen = [], set()
    for start in sorted(graph):
        path = _shortest_path_back(graph, start)
        if path is None:
            continue
        key = frozenset(zip(path, path[1:]))
        if key not in seen:
            seen.add(key)
            found.append(path)
    return found


def _shortest_path_back(graph: dict[str, dict[str, int]], start: str) -> list[str] | None:
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph.get(node, {})):
            if nxt == start:
                path = [start]
                while node != start:
                    path.insert(1, node)
                    node = came_from[node]
                return [*path, start]
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return None


def describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    """`a (line 3) -> b (line 40) -> a`: where each import of the cycle is written."""
    steps = [f"{a} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:])]
    return " -> ".join([*steps, cycle[-1]])


def test_the_cycle_finder_sees_a_cycle_hidden_in_a_function(tmp_path):
    (tmp_path / "engine" / "inner").mkdir(parents=True)
    (tmp_path / "engine" / "__init__.py").write_text("")
    (tmp_path / "engine" / "inner" / "__init__.py").write_text("")
    (tmp_path / "engine" / "a.py").write_text("from engine.inner import b\n")
    (tmp_path / "engine" / "inner" / "b.py").write_text("def f():\n    from ..a import x\n")
    (tmp_path / "engine" / "c.py").write_text("import engine.a\n")
    known = {"engine": tmp_path / "engine" / "__init__.py",
             "engine.inner": tmp_path / "engine" / "inner" / "__init__.py",
             "engine.a": tmp_path / "engine" / "a.py", "engine.inner.b": tmp_path / "engine" / "inner" / "b.py",
             "engine.c": tmp_path / "engine" / "c.py"}
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    assert graph["engine.inner.b"] == {"engine.a": 2} and graph["engine.c"] == {"engine.a": 1}
    assert [describe(c, graph) for c in cycles(graph)] == [
        "engine.a (line 1) -> engine.inner.b (line 2) -> engine.a"]


def test_no_import_cycles_among_engine_rules_and_notifiers():
    graph = import_graph()
    found = [describe(c, graph) for c in cycles(graph)]
    assert not found, f"{len(found)} import cycle(s):\n" + "\n".join(found)


def test_no_module_is_longer_than_400_lines_without_a_reason():
    lengths = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
               for path in modules().values()}
    too_long = {p: n for p, n in sorted(lengths.items()) if n > MAX_LINES and p not in LONG_MODULES}
    assert not too_long, f"modules past {MAX_LINES} lines (split them, or say why in LONG_MODULES): {too_long}"
    stale = [p for p in LONG_MODULES if lengths.get(p, 0) <= MAX_LINES]
    assert not stale, f"in LONG_MODULES but no longer past {MAX_LINES} lines: {stale}"
