"""The settings and model layers sit in no import cycle, imports inside functions included.

The model loader once read the project file through `lsp_server.project`,
which imported `lsp_server.config`, which imports `lsp_server.model.settings`:
a cycle hidden by a lazy import. Now settings flow one way (files -> trust
-> config -> model settings); this walks every `import` in `lsp_server/`
and `context/` and fails on any cycle through these modules.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT

WATCHED_PREFIXES = ("lsp_server.config", "lsp_server.settings_files", "lsp_server.trust",
                    "lsp_server.setting_values", "lsp_server.model.", "context.secrets")


def _module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    files = {p for folder in ("lsp_server", "context") for p in (ROOT / folder).rglob("*.py")}
    modules = {_module_name(p): p for p in files}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name and not name.startswith(t + ".")}
    return graph


def cycles_through(graph: dict[str, set[str]], start: str) -> list[list[str]]:
    found, stack = [], [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in graph.get(node, ()):
            if target == start:
                found.append(path + [start])
            elif target not in seen:
                seen.add(target)
                stack.append((target, path + [target]))
    return found


def collapsed(graph: dict[str, set[str]], package: str) -> dict[str, set[str]]:
    """The graph with every module of `package` as one node: a cycle through the layer counts."""
    def node(name: str) -> str:
        return package if name.startswith(package + ".") else name

    merged: dict[str, set[str]] = {}
    for name, targets in graph.items():
        merged.setdefault(node(name), set()).update(node(t) for t in targets)
    for name in merged:
        merged[name].discard(name)
    return merged


def test_no_import_cycle_through_settings_or_model_modules():
    graph = import_graph()
    assert cycles_through(collapsed(graph, "lsp_server.model"), "lsp_server.model") == []
    watched = [name for name in graph if name.startswith(WATCHED_PREFIXES)]
    assert "lsp_server.model.loader" in watched and "lsp_server.config" in watched
    assert {name: cycles_through(graph, name)[:1] for name in watched if cycles_through(graph, name)} == {}


def test_the_model_layer_never_reads_settings_files():
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith("lsp_server.model"):
            assert not targets & {"lsp_server.config", "lsp_server.project", "lsp_server.settings_files", "lsp_server.trust"}, name
