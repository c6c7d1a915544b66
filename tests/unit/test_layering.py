"""The house rules that keep the layers apart, checked on the source itself.

`context/`, `lsp_server/model/`, `assist/` and `commit/` speak plain Python
and never import pygls or lsprotocol; `context/` never imports the server
package at all; every module opens with a docstring saying what it owns;
modules stay under 300 lines; and `lsp_server/` and `context/` have no
import cycle between modules or between layers, counting imports inside
functions (a lazy import hides a cycle from Python, not from a reader).
`python -m tests.unit.test_layering` prints the module graph: cycles, the
longest modules, and what the completion path imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROTOCOL_PACKAGES = {"pygls", "lsprotocol"}
GRAPH_PACKAGES = ("lsp_server", "context")
# No cycle is allowed; an entry here names one that is known and being broken.
ALLOWED_CYCLES: dict[str, frozenset[str]] = {
}


def _modules(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


PLAIN_LAYERS = ("context", "lsp_server/model", "lsp_server/assist", "lsp_server/commit")


@pytest.mark.parametrize("path", [p for folder in PLAIN_LAYERS for p in _modules(folder)], ids=str)
def test_plain_layers_never_import_the_protocol(path):
    assert not _imported_roots(path) & PROTOCOL_PACKAGES


@pytest.mark.parametrize("path", _modules("context"), ids=str)
def test_context_never_imports_the_server(path):
    assert "lsp_server" not in _imported_roots(path)


@pytest.mark.parametrize("path", _modules("context") + _modules("lsp_server"), ids=str)
def test_every_module_opens_with_a_docstring(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path} needs a one-paragraph module docstring"


# --- the module graph ------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _all_modules() -> dict[str, Path]:
    return {module_name(path): path for folder in GRAPH_PACKAGES for path in _modules(folder)}


def _resolve(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """Module -> the in-repo modules it imports, at any depth of the file (functions too)."""
    modules = _all_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(node, name, path.name == "__init__.py")
                targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                           for alias in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # a package's __init__ is not an edge from its own submodules (Python runs it first anyway)
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.add(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph between layers: `lsp_server.model.loader` counts as `lsp_server.model`."""
    def layer(name: str) -> str:
        return ".".join(name.split(".")[:2])

    layers: dict[str, set[str]] = {}
    for name, targets in graph.items():
        layers.setdefault(layer(name), set()).update(layer(t) for t in targets if layer(t) != layer(name))
    for targets in list(layers.values()):
        for target in targets:
            layers.setdefault(target, set())
    return layers


def all_cycles() -> list[frozenset[str]]:
    graph = import_graph()
    return cycles(graph) + cycles(layer_graph(graph))


def test_no_import_cycles():
    unexpected = [sorted(c) for c in all_cycles() if c not in ALLOWED_CYCLES.values()]
    assert not unexpected, f"import cycles between modules or layers: {unexpected}"


def test_a_cycle_is_found_even_through_a_function_level_import(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]


def _longest(count: int = 8) -> list[tuple[int, str]]:
    sizes = [(len(path.read_text(encoding="utf-8").splitlines()), name) for name, path in _all_modules().items()]
    return sorted(sizes, reverse=True)[:count]


def test_no_module_over_300_lines():
    over = [(lines, name) for lines, name in _longest(50) if lines > 300]
    assert not over, f"modules over 300 lines: {over}"


def _path_between(graph: dict[str, set[str]], start: str, goal: str) -> list[str]:
    """Shortest import path from start to goal (breadth first)."""
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])
            return path[::-1]
        for other in sorted(graph[node]):
            if other not in previous:
                previous[other] = node
                queue.append(other)
    return []


if __name__ == "__main__":
    graph = import_graph()
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} import edges (functions' imports included)")
    print("module cycles:", [sorted(c) for c in cycles(graph)] or "none")
    print("layer cycles:", [sorted(c) for c in cycles(layer_graph(graph))] or "none")
    print("longest modules:", ", ".join(f"{name} {lines}" for lines, name in _longest()))
    for name in ("lsp_server.features.inline_completion", "lsp_server.assist.pipeline", "lsp_server.cli.complete"):
        if name in graph:
            print(f"{name} imports:", ", ".join(sorted(graph[name])))
