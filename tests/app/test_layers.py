"""The import graph of app/ and db/, read from the source (function-level and
TYPE_CHECKING imports included): no cycles, and no service imports the facade."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("app.importers", "app.store", "app.maintenance", "app.export", "app.search")
BELOW_SERVICES = ("app.records", "app.links", "app.errors", "app.paths", "db")

# Known edges that break the rules, to be removed (kept empty: a new one is a regression).
PENDING: set[tuple[str, str]] = set()  # edges still to remove: none


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in ("app", "db"):
        for f in (ROOT / pkg).rglob("*.py"):
            parts = list(f.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = f
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()

    def known(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, f in mods.items():
        here = m if f.name == "__init__.py" else m.rpartition(".")[0]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = here
                    for _ in range(node.level - 1):
                        pkg = pkg.rpartition(".")[0]
                    base = f"{pkg}.{base}" if base else pkg
                names = [base, *(f"{base}.{a.name}" for a in node.names)]
            for name in names:
                target = known(name)
                # Importing a module runs its packages too (those outside this module's own).
                while target:
                    if target != m and not m.startswith(target + "."):
                        graph[m].add(target)
                    target = target.rpartition(".")[0]
        graph[m] = {t for t in graph[m] if t in mods and (m, t) not in PENDING}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_among_app_and_db_modules():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_sees_a_function_level_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("lower", SERVICES + BELOW_SERVICES)
def test_nothing_below_the_facade_imports_it(lower):
    graph = _graph()
    above = ("app.library", "app.cli", "app.commands")
    offenders = {
        m: sorted(t for t in deps if t in above or t.startswith("app.commands."))
        for m, deps in graph.items()
        if m == lower or m.startswith(lower + ".")
    }
    assert {m: d for m, d in offenders.items() if d} == {}


def test_db_imports_nothing_of_app():
    graph = _graph()
    assert {m: sorted(d) for m, d in graph.items() if m.startswith("db") and d - _db()} == {}


def _db() -> set[str]:
    return {m for m in _modules() if m == "db" or m.startswith("db.")}
