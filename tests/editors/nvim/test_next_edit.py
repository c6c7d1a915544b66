"""Next-edit suggestions in a real headless Neovim against the real server (Qwen tiny fixture,
the scripted rename engine): :CoderNextEdit previews the edit with extmarks, accepting it
applies the edit and tells the server, a buffer changed since gets no preview, and with
`next_edit = { auto = true }` a change asks by itself."""

from __future__ import annotations

import pytest

from tests.conftest import QWEN_MODEL, server_command
from tests.editors.nvim.harness import EditorOptions, TEST_SETTINGS

pytestmark = pytest.mark.editor

SOURCE = "def area(width, height):\n    return width * height\n\n\nprint(area(2, 3))\n"
SCRIPTED = "vim.lsp.config('coder_lsp', { cmd_env = { CODER_LSP_TEST_ENGINE = 'rename=width>w' } })"


def options() -> EditorOptions:
    settings = {**TEST_SETTINGS, "model": {"path": str(QWEN_MODEL)}}
    return EditorOptions(cmd=server_command({"CODER_LSP_TEST_ENGINE": "x"}), settings=settings, extra_lua=SCRIPTED)


def test_coder_next_edit_previews_and_accepts_the_rename(start_editor, workspace):
    (workspace / "geometry.py").write_text(SOURCE)
    editor = start_editor(options())
    editor.edit(workspace / "geometry.py")
    editor.wait_ready()
    editor.lua("vim.api.nvim_buf_set_text(0, 0, 9, 0, 14, { 'w' }); vim.api.nvim_win_set_cursor(0, { 1, 9 })")
    editor.nvim.command("CoderNextEdit")
    marks = editor.wait_for("#vim.api.nvim_buf_get_extmarks(0, require('coder_lsp.next_edit').ns, 0, -1, "
                            "{ details = true }) > 0 and vim.api.nvim_buf_get_extmarks(0, "
                            "require('coder_lsp.next_edit').ns, 0, -1, { details = true })", "the preview", 60)
    [(_, row, col, details)] = marks
    assert (row, col, details["end_row"], details["end_col"], details["hl_group"]) == (
        1, 12, 1, 16, "CoderNextEditDelete")
    editor.nvim.command("CoderNextEdit accept")
    assert editor.nvim.current.buffer[:] == SOURCE.replace("width", "w").splitlines()
    assert editor.lua("return #vim.api.nvim_buf_get_extmarks(0, require('coder_lsp.next_edit').ns, 0, -1, {})") == 0


def test_no_preview_for_a_buffer_changed_since_the_request(start_editor, workspace):
    (workspace / "geometry.py").write_text(SOURCE)
    editor = start_editor(options())
    editor.edit(workspace / "geometry.py")
    editor.wait_ready()
    editor.lua("vim.api.nvim_buf_set_text(0, 0, 9, 0, 14, { 'w' })")
    editor.lua("vim.g.answered = false; require('coder_lsp.next_edit').request(0, function(item) "
               "vim.g.answered = true; vim.g.item = item end); vim.api.nvim_buf_set_lines(0, -1, -1, false, { '#' })")
    editor.wait_for("vim.g.answered", "the answer")
    assert editor.lua("return vim.g.item") is None
    assert editor.lua("return #vim.api.nvim_buf_get_extmarks(0, require('coder_lsp.next_edit').ns, 0, -1, {})") == 0


def test_auto_asks_after_an_edit_in_normal_mode(start_editor, workspace):
    (workspace / "geometry.py").write_text(SOURCE)
    auto = options()
    auto.setup = {**auto.setup, "next_edit": {"auto": True, "debounce_ms": 50}}
    editor = start_editor(auto)
    editor.edit(workspace / "geometry.py")
    editor.wait_ready()
    editor.lua("vim.api.nvim_buf_set_text(0, 0, 9, 0, 14, { 'w' }); vim.api.nvim_win_set_cursor(0, { 1, 9 })")
    editor.nvim.command("doautocmd TextChanged")  # what a normal-mode change fires
    editor.wait_for("require('coder_lsp.next_edit').shown[vim.api.nvim_get_current_buf()] ~= nil",
                    "the automatic preview", 60)
