"""Bad input in a real Neovim: the server missing (one clear message, nothing on
keystrokes), the server exiting (restarted, then a message once the limit is
reached), a buffer without a file, and a buffer too big to send."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from tests.conftest import NOT_A_MODEL
from tests.editors.nvim.harness import EditorOptions

pytestmark = pytest.mark.editor

ERRMSG = "vim.v.errmsg"


def kill_server(editor) -> None:
    """SIGKILL the server process (Neovim's child), as a crash would end it."""
    nvim_pid = editor.lua("return vim.fn.getpid()")
    children = subprocess.run(["pgrep", "-P", str(nvim_pid)], capture_output=True, text=True).stdout.split()
    assert children, "the server runs as a child of Neovim"
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)


def test_missing_server_says_so_once_and_stays_quiet(start_editor, workspace):
    (workspace / "other.py").write_text("x = 1\n")
    editor = start_editor(EditorOptions(cmd=["coder-lsp-not-installed", "serve"]))
    editor.edit(workspace / "main.py")
    editor.type("Go# typing away")
    editor.type("<Esc>")
    editor.edit(workspace / "other.py")
    editor.type("Goy = 2<Esc>")
    editor.nvim.command("enew | setfiletype python")
    editor.type("iz = 3<Esc>")
    messages = editor.messages()
    assert len(messages) == 1, messages
    assert "coder-lsp-not-installed" in messages[0] and "not found" in messages[0]
    assert editor.lua("return #vim.lsp.get_clients({ name = 'coder_lsp', _uninitialized = true })") == 0
    assert editor.lua(f"return {ERRMSG}") == ""


def test_server_exit_restarts_then_gives_up_with_a_message(start_editor, workspace):
    editor = start_editor(EditorOptions(setup={"debounce_ms": 30, "max_restarts": 1}))
    editor.edit(workspace / "main.py")
    editor.wait_ready()
    first = editor.lua("return require('coder_lsp').client(0).id")
    kill_server(editor)
    second = editor.wait_for(
        f"(require('coder_lsp').client(0) or {{}}).id ~= {first} and (require('coder_lsp').client(0) or {{}}).id",
        "a restarted client")
    assert any("restarting" in m for m in editor.messages())
    editor.wait_ready()
    kill_server(editor)
    editor.wait_for("vim.iter(vim.g.coder_lsp_messages):any(function(m) return m:find('not restarting') end)",
                    "the message that it stays down")
    assert editor.lua("return require('coder_lsp').client(0) == nil")
    assert second != first


def test_buffer_without_a_file_gets_completions_without_errors(editor, workspace):
    editor.nvim.command("enew | setfiletype python")
    editor.wait_ready()
    editor.type("i# The sum of two")
    editor.wait_for("require('coder_lsp.inline').visible()", "ghost text in a buffer without a file")
    editor.type("<Esc>")
    assert editor.lua(f"return {ERRMSG}") == ""
    assert not [m for m in editor.messages() if "coder-lsp" in m]


def test_huge_buffer_is_not_attached_and_says_why_once(editor, workspace):
    huge = workspace / "huge.py"
    huge.write_text("x = 1  # padding to make this file larger than the limit\n" * 60_000)
    editor.edit(huge)
    editor.type("Go# more")
    editor.type("<Esc>")
    assert editor.lua("return #vim.lsp.get_clients({ bufnr = 0, name = 'coder_lsp', _uninitialized = true })") == 0
    messages = [m for m in editor.messages() if "over" in m and "bytes" in m]
    assert len(messages) == 1, editor.messages()
    editor.edit(workspace / "main.py")
    editor.wait_ready()
    assert editor.lua(f"return {ERRMSG}") == ""


def test_broken_model_is_reported_once_and_typing_stays_quiet(start_editor, workspace):
    options = EditorOptions()
    options.settings["model"]["path"] = str(NOT_A_MODEL)
    editor = start_editor(options)
    editor.edit(workspace / "main.py")
    editor.wait_for("(require('coder_lsp.status').latest() or {}).state == 'error'", "the server's error status")
    editor.type("Go# one")
    editor.type(" two three<Esc>")
    editor.type("o# four five<Esc>")
    about_model = [m for m in editor.messages() if "not-a-model" in m or "model" in m.lower()]
    assert len(about_model) == 1, editor.messages()
    assert editor.ghost() is None
    assert editor.lua(f"return {ERRMSG}") == ""
