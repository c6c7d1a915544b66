"""Where the user looks, in a real Neovim: entering a buffer and moving the cursor to another
region sends coderLsp/didFocus, and the real server prefills the prompt there while idle
(issue 16); moving within a region or typing sends nothing more."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.editor

LONG_PY = "".join(f"def helper_{i}(value):\n    return value * {i} + {i % 7}\n\n\n" for i in range(30))
PREFILLS = ("(function() local c = require('coder_lsp').client(0); if not c then return {} end "
            "local r = c:request_sync('workspace/executeCommand', {command = 'coderLsp.status'}, 5000, 0) "
            "return vim.tbl_filter(function(j) return j.kind == 'prefill' and j.reason == 'focus' end, "
            "(r and r.result and r.result.jobs) or {}) end)()")


def prefills(editor) -> list[dict]:
    return editor.lua(f"return {PREFILLS}")


def offset_of_line(text: str, line: int) -> int:
    return sum(len(row) + 1 for row in text.split("\n")[:line])


def test_focus_and_another_region_are_prefilled(editor, workspace):
    (workspace / "long.py").write_text(LONG_PY)
    editor.edit(workspace / "long.py")
    editor.wait_ready()
    editor.wait_for(f"#{PREFILLS} >= 1 and {PREFILLS}[1].outcome == 'prefilled'", "the prefill on entering")
    assert prefills(editor)[0]["offset"] == 0  # the cursor is on the first line
    editor.type("81G")  # another region
    editor.wait_for(f"#{PREFILLS} >= 2 and {PREFILLS}[2].outcome == 'prefilled'", "the prefill at line 81")
    jobs = prefills(editor)
    assert jobs[1]["offset"] == offset_of_line(LONG_PY, 80) and jobs[1]["evaluatedTokens"] > 0
    editor.type("jj")  # within the region: nothing sent
    editor.lua("vim.wait(800)")
    assert len(prefills(editor)) == 2
