"""The user commands in a real Neovim against the real server: :CoderExplain opens
a markdown float for a diagnostic from another source, :CoderFix asks for the
fix with that diagnostic, :CoderCommitMsg fills a gitcommit buffer from the
staged diff, :CoderStatus shows the server's status, :checkhealth reports."""

from __future__ import annotations

import ast
import subprocess

import pytest

from tests.conftest import DEEPSEEK_MODEL
from tests.editors.nvim.harness import EditorOptions

pytestmark = pytest.mark.editor

LINTER_DIAGNOSTIC = """
local ns = vim.api.nvim_create_namespace('test-linter')
vim.diagnostic.set(ns, 0, { {
  lnum = 4, col = 11, end_lnum = 4, end_col = 16,
  message = "unsupported operand type(s) for +: 'int' and 'str'",
  severity = vim.diagnostic.severity.ERROR, source = 'test-linter',
} })
vim.api.nvim_win_set_cursor(0, { 5, 13 })
"""


def test_explain_opens_a_float_with_the_explanation(editor, workspace):
    editor.edit(workspace / "main.py")
    editor.wait_ready()
    editor.lua(LINTER_DIAGNOSTIC)
    # What the server is sent: the other source's diagnostic, in LSP form.
    sent = editor.lua("return require('coder_lsp.commands').diagnostics_at_cursor(0, 'utf-16')")
    assert [d["source"] for d in sent] == ["test-linter"]
    assert sent[0]["range"] == {"start": {"line": 4, "character": 11}, "end": {"line": 4, "character": 16}}
    editor.nvim.command("CoderExplain")
    floats = editor.wait_for(
        "#vim.tbl_filter(function(w) return vim.api.nvim_win_get_config(w).relative ~= '' end,"
        " vim.api.nvim_list_wins()) > 0", "the explanation float", 120)
    assert floats
    text = "\n".join(editor.floats()[0])
    # The server names the error it explains: the other source's diagnostic reached it.
    assert "unsupported operand type(s) for +" in text and "main.py:5" in text
    assert editor.lua("return vim.bo[vim.api.nvim_win_get_buf(vim.tbl_filter(function(w) "
                      "return vim.api.nvim_win_get_config(w).relative ~= '' end, vim.api.nvim_list_wins())[1])]"
                      ".filetype") == "markdown"


def test_commit_msg_fills_the_gitcommit_buffer(editor, workspace):
    (workspace / "main.py").write_text((workspace / "main.py").read_text() + "\n\ndef sub(a, b):\n    return a - b\n")
    subprocess.run(["git", "add", "main.py"], cwd=workspace, check=True)
    message_file = workspace / ".git" / "COMMIT_EDITMSG"
    message_file.write_text("\n# Please enter the commit message for your changes.\n#\n# Changes to be committed:\n"
                            "#\tmodified:   main.py\n")
    editor.edit(message_file)
    assert editor.lua("return vim.bo.filetype") == "gitcommit"
    editor.nvim.command("CoderCommitMsg")
    editor.wait_for("vim.trim(vim.api.nvim_buf_get_lines(0, 0, 1, false)[1] or '') ~= ''",
                    "the commit message", 120)
    lines = editor.nvim.current.buffer[:]
    comments = [i for i, line in enumerate(lines) if line.startswith("#")]
    assert comments and lines[comments[0]:] == message_file.read_text().splitlines()[1:], "git's comments kept"
    assert all(line.strip() for line in lines[:1]) and lines[comments[0] - 1] == ""


def test_commands_say_why_they_do_nothing(editor, workspace):
    editor.edit(workspace / "main.py")
    editor.nvim.command("CoderExplain")
    assert any("no diagnostic at the cursor" in m for m in editor.messages())
    editor.nvim.command("CoderCommitMsg")
    assert any("gitcommit" in m for m in editor.messages())
    editor.nvim.command("enew")  # no filetype: coder-lsp does not apply
    editor.lua(LINTER_DIAGNOSTIC.replace("lnum = 4", "lnum = 0").replace("{ 5, 13 }", "{ 1, 0 }"))
    editor.nvim.command("CoderExplain")
    assert any("no coder_lsp client for this buffer" in m for m in editor.messages())
    assert editor.floats() == []


def test_status_float_and_checkhealth_with_the_default_config(start_editor, workspace, monkeypatch):
    monkeypatch.setenv("CODER_LSP_MODEL", str(DEEPSEEK_MODEL))
    editor = start_editor(EditorOptions(settings=None))  # the config's own init_options and settings
    editor.edit(workspace / "main.py")
    editor.wait_ready()
    editor.nvim.command("CoderStatus")
    editor.wait_for("#vim.tbl_filter(function(w) return vim.api.nvim_win_get_config(w).relative ~= '' end,"
                    " vim.api.nvim_list_wins()) > 0", "the status float")
    text = "\n".join(editor.floats()[0])
    assert "coder-lsp" in text and "inline completion" in text and "state" in text
    editor.nvim.command("checkhealth coder_lsp")
    text = "\n".join(editor.nvim.current.buffer[:])
    assert "server command found" in text
    assert "client 1" in text
    assert "ERROR" not in text
    assert not [m for m in editor.messages() if "invalid" in m or "error" in m.lower()]


def test_fix_applies_an_edit_that_parses_or_says_there_is_none(editor, workspace):
    editor.edit(workspace / "main.py")
    editor.wait_ready()
    editor.lua(LINTER_DIAGNOSTIC)
    before = editor.nvim.current.buffer[:]
    editor.nvim.command("CoderFix")
    editor.wait_for(
        f"vim.api.nvim_buf_line_count(0) ~= {len(before)} or vim.api.nvim_buf_get_lines(0, 4, 5, false)[1] ~= "
        f"{before[4]!r} or vim.iter(vim.g.coder_lsp_messages):any(function(m) return m:find('no fix') ~= nil end)",
        "a fix or a message saying there is none", 120)
    after = editor.nvim.current.buffer[:]
    if after != before:
        ast.parse("\n".join(after))
    assert not any("failed" in m for m in editor.messages())
