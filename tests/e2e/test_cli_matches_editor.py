"""`coder-lsp complete` prints what the editor shows: the same pipeline, cursor and (deterministic) model.

The server runs over stdio as an editor starts it; the command line runs as
a user does, in a subprocess, on the same workspace (a copy of the demo
project plus a file with a cursor on an empty line inside a function). The
tiny fixture models are deterministic, so both must give the same text, and
the text is pinned to what the shared pipeline shows there (trimmed to one
line inside a line, with repository context in the prompt).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import CODER_LSP, DEEPSEEK_MODEL, FIXTURES, ROOT, STARCODER_MODEL, env_without_model
from tests.e2e.conftest import start_server

DISCOUNTS = "from shop.models import Cart\n\n\ndef discount(cart: Cart) -> float:\n    \n"
# (file, 0-based line, 0-based column): inside `    return min(...)`, and an empty line in a body
CURSORS = [("shop/pricing.py", 22, 11), ("shop/discounts.py", 4, 4)]


@pytest.fixture
def demo(tmp_path, isolated_home):
    folder = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", folder)
    return folder


def _cli(model, path, line: int, column: int, workspace) -> dict:
    result = subprocess.run(
        [*CODER_LSP, "complete", f"{path}:{line + 1}:{column + 1}", "--workspace", str(workspace),
         "--model", str(model), "--json"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env_without_model())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def _editor(model, workspace, name: str, line: int, column: int) -> str:
    """The inline item's text, from a server with only this document open (an open document is
    recent-edit context the command line cannot know of)."""
    async with start_server(workspace, settings={"model": {"path": str(model)}}) as lsp:
        uri = lsp.open(name, (workspace / name).read_text())
        await lsp.wait_status(lambda status: (status.get("index") or {}).get("ready"))
        answer = await lsp.inline(uri, line, column)
        return answer.items[0].insert_text if answer and answer.items else ""


@pytest.mark.parametrize("model", [DEEPSEEK_MODEL, STARCODER_MODEL], ids=lambda m: m.stem)
async def test_the_command_line_prints_the_editors_inline_item(demo, model):
    (demo / "shop/discounts.py").write_text(DISCOUNTS)
    shown = [await _editor(model, demo, name, line, column) for name, line, column in CURSORS]
    printed = [_cli(model, demo / name, line, column, demo) for name, line, column in CURSORS]
    assert [fields["text"] for fields in printed] == shown
    assert all(fields["snippets"] >= 1 for fields in printed)  # Cart and Item from shop/models.py
    assert "\n" not in shown[0] and shown[0].strip()  # one line, trimmed, inside a line
