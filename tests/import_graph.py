"""The grader's import graph, read from the source with `ast` (nothing is imported).

Every import counts: at the top of a module, inside a function, under `if TYPE_CHECKING:`. So
does the package `__init__` that importing a submodule runs (`grader.exports.cells` runs
`grader/exports/__init__.py`), except the top package's, which imports only `grader.version`
eagerly.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path


def modules(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the package."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported_names(module: str, path: Path) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (directly or through a package __init__)."""
    known = modules(package_dir)
    top = package_dir.name
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for imported in _imported_names(name, path):
            while imported and imported not in known:
                imported = imported.rpartition(".")[0]
            if not imported:
                continue
            targets = {imported}
            parent = imported.rpartition(".")[0]
            while parent and parent != top:
                if not (name == parent or name.startswith(parent + ".")):
                    targets.add(parent)
                parent = parent.rpartition(".")[0]
            edges[name] |= targets - {name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found, key=len, reverse=True)


def cycle_path(edges: dict[str, set[str]], component: list[str]) -> list[str]:
    """One concrete loop through the component, to show in a failure message."""
    members = set(component)
    path = [component[0]]
    while True:
        nxt = sorted(edges[path[-1]] & members)[0]
        if nxt in path:
            return [*path[path.index(nxt) :], nxt]
        path.append(nxt)
