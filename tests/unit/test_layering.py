"""The house rules that keep the layers apart, checked on the source itself.

`context/` and `lsp_server/model/` speak plain Python and never import pygls
or lsprotocol; `context/` never imports the server package at all; every
module opens with a docstring saying what it owns.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROTOCOL_PACKAGES = {"pygls", "lsprotocol"}


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


@pytest.mark.parametrize("path", _modules("context") + _modules("lsp_server/model"), ids=str)
def test_plain_layers_never_import_the_protocol(path):
    assert not _imported_roots(path) & PROTOCOL_PACKAGES


@pytest.mark.parametrize("path", _modules("context"), ids=str)
def test_context_never_imports_the_server(path):
    assert "lsp_server" not in _imported_roots(path)


@pytest.mark.parametrize("path", _modules("context") + _modules("lsp_server"), ids=str)
def test_every_module_opens_with_a_docstring(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path} needs a one-paragraph module docstring"
