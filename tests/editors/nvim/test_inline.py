"""Inline completion in a real Neovim: ghost text appears while typing (native
vim.lsp.inline_completion on 0.12, the extmark fallback on 0.11), Tab accepts it,
a word or a line can be taken alone, and typing faster than completions arrive
never leaves a ghost from an older cursor on screen."""

from __future__ import annotations

import re
import time

import pytest

from tests.editors.nvim.harness import EditorOptions

pytestmark = pytest.mark.editor

COMMENT_LINE = 8  # "# The sum of": any text after it still parses, even the tiny model's


def word_chunk(text: str) -> str:
    """What accept-a-word takes (the Lua patterns of coder_lsp.inline.chunk)."""
    for pattern in (r"\s*[A-Za-z0-9_]+", r"\s*[^A-Za-z0-9_\s]+", r"\s+"):
        match = re.match(pattern, text)
        if match:
            return match.group(0)
    return text


def line_chunk(text: str) -> str:
    if text.startswith("\n"):
        return "\n" + text[1:].split("\n", 1)[0]
    return text.split("\n", 1)[0]


def ghost_at_cursor(editor):
    ghost = editor.wait_for("require('coder_lsp.inline').visible()", "ghost text")
    ghost = editor.ghost()
    row, col = editor.cursor()
    assert (ghost["row"], ghost["col"]) == (row - 1, col), "ghost text is anchored at the cursor"
    assert ghost["text"], "ghost text is not empty"
    return ghost


def test_typing_shows_ghost_text_and_tab_inserts_it(editor, workspace):
    editor.edit(workspace / "main.py")
    editor.wait_ready()
    editor.type(f"{COMMENT_LINE}GA two")
    ghost = ghost_at_cursor(editor)
    before = editor.nvim.current.buffer[:]
    editor.type("<Tab>")
    editor.wait_for("not require('coder_lsp.inline').visible()", "the ghost to go")
    editor.wait_for(f"vim.api.nvim_buf_line_count(0) ~= {len(before)} or vim.api.nvim_get_current_line() ~= "
                    f"{before[COMMENT_LINE - 1]!r}", "the accepted text")
    inserted = ghost["text"].split("\n")
    expected = before[: COMMENT_LINE - 1] + [before[COMMENT_LINE - 1] + inserted[0], *inserted[1:]]
    expected += before[COMMENT_LINE:]
    assert editor.nvim.current.buffer[:] == expected
    last = expected[COMMENT_LINE + len(inserted) - 2]
    assert editor.cursor() == (COMMENT_LINE + len(inserted) - 1, len(last.encode()))  # byte column
    assert editor.lua("return vim.api.nvim_get_mode().mode") == "i", "still typing after accepting"


def test_accepting_a_word_then_a_line_inserts_only_those(editor, workspace):
    editor.edit(workspace / "main.py")
    editor.wait_ready()
    editor.type(f"{COMMENT_LINE}GA two")
    for what, chunk in (("word", word_chunk), ("line", line_chunk)):
        ghost = ghost_at_cursor(editor)
        row, _ = editor.cursor()
        before, tick = editor.nvim.current.buffer[:], editor.lua("return vim.b.changedtick")
        editor.lua(f"require('coder_lsp.inline').accept('{what}')")
        editor.wait_for(f"vim.b.changedtick ~= {tick}", f"the accepted {what}")
        lines = (before[row - 1] + chunk(ghost["text"])).split("\n")
        assert editor.nvim.current.buffer[:] == before[: row - 1] + lines + before[row:], what
        assert editor.cursor() == (row + len(lines) - 1, len(lines[-1].encode())), what  # byte column


def test_typing_faster_than_completions_arrive_never_shows_a_stale_ghost(start_editor, workspace, monkeypatch):
    # Every token of the real model is slowed, so answers come after the next keystrokes.
    monkeypatch.setenv("CODER_LSP_TEST_ENGINE", "delay_ms=40")
    editor = start_editor(EditorOptions())
    editor.edit(workspace / "main.py")
    editor.wait_ready()
    editor.type(f"{COMMENT_LINE}GA")
    ghost_at_cursor(editor)
    for char in "twoxqz":
        shown = editor.ghost()
        if shown and shown["text"].startswith(char):
            continue  # typing the ghost's own next character keeps it, rightly
        editor.type(char)
        after = editor.ghost()
        # The old item, shifted past the typed character, is the stale ghost to avoid.
        assert not (shown and after and after["text"] == shown["text"][1:]), f"stale ghost {after} after {char!r}"
        time.sleep(0.15)  # long enough for the new request to be in flight, not to finish
        ghost = editor.ghost()
        if ghost is not None:
            row, col = editor.cursor()
            assert (ghost["row"], ghost["col"]) == (row - 1, col), f"stale ghost {ghost} at cursor {(row, col)}"
    ghost_at_cursor(editor)
