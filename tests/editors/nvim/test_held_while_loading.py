"""Typing right after opening a file, while the model still loads: the server holds the
request, and the ghost text appears when the model is ready, without another keystroke
(issue 16). The tests' launcher delays the load by 3 s (`load_delay_ms`), so the
keystrokes surely land during the load; the model and server are the real ones."""

from __future__ import annotations

import pytest

from tests.editors.nvim.harness import EditorOptions
from tests.editors.nvim.test_inline import COMMENT_LINE, ghost_at_cursor

pytestmark = pytest.mark.editor

STATE = "(require('coder_lsp.status').latest(require('coder_lsp').client(0).id) or {}).state"


def test_ghost_text_typed_during_the_load_appears_once_loaded(start_editor, workspace, monkeypatch):
    monkeypatch.setenv("CODER_LSP_TEST_ENGINE", "load_delay_ms=3000")
    editor = start_editor(EditorOptions())
    editor.edit(workspace / "main.py")
    editor.wait_for("require('coder_lsp').client(0) ~= nil", "the coder_lsp client to attach")
    editor.wait_for(f"{STATE} == 'loading'", "coderLsp/status loading")
    editor.type(f"{COMMENT_LINE}GA two")
    assert editor.lua(f"return {STATE}") == "loading", "typed while the model loads"
    assert not editor.lua("return require('coder_lsp.inline').visible()")
    ghost_at_cursor(editor)  # no keystroke since: the held request's answer is shown
    assert editor.lua(f"return {STATE}") in ("ready", "busy")


def test_ghost_text_typed_before_the_client_attaches_appears(start_editor, workspace, monkeypatch):
    # Typing at once after `:edit`: the server is still starting, so no client is attached yet
    # and no request can go out; the attach asks at the cursor itself (then the load holds it).
    monkeypatch.setenv("CODER_LSP_TEST_ENGINE", "load_delay_ms=1000")
    editor = start_editor(EditorOptions())
    editor.edit(workspace / "main.py")
    editor.type(f"{COMMENT_LINE}GA two")
    assert editor.lua("return require('coder_lsp').client(0) == nil"), "typed before the client attached"
    ghost_at_cursor(editor)
