""":CoderModel in a real Neovim against the real server: vim.ui.select gets the local GGUFs
(a fixture model under ~/models) and the presets; choosing one runs coderLsp.useModel, which
saves it in the user config and switches the server to it."""

from __future__ import annotations

import shutil

import pytest

from lsp_server.settings_files import write_model_path
from tests.conftest import DEEPSEEK_MODEL, QWEN_MODEL
from tests.editors.nvim.harness import TEST_SETTINGS, EditorOptions

pytestmark = pytest.mark.editor

PICK_QWEN = """
vim.ui.select = function(items, opts, on_choice)
  vim.g.coder_lsp_picker = { prompt = opts.prompt, labels = vim.tbl_map(opts.format_item, items) }
  for _, item in ipairs(items) do
    if item.value:find('qwen', 1, true) then return on_choice(item) end
  end
  on_choice(nil)
end
"""


def test_coder_model_picks_a_local_model_and_the_server_switches(start_editor, workspace, isolated_home):
    write_model_path(str(DEEPSEEK_MODEL))  # the user file chooses; the editor's settings do not
    (isolated_home / "models").mkdir()
    shutil.copy(QWEN_MODEL, isolated_home / "models" / "qwen-tiny.gguf")
    settings = {key: value for key, value in TEST_SETTINGS.items() if key != "model"}
    editor = start_editor(EditorOptions(settings=settings, extra_lua=PICK_QWEN))
    editor.edit(workspace / "main.py")
    editor.wait_ready()
    editor.nvim.command("CoderModel")
    editor.wait_for("vim.g.coder_lsp_picker ~= nil", "the picker", 60)
    picker = editor.lua("return vim.g.coder_lsp_picker")
    assert picker["prompt"] == "coder-lsp model:"
    assert picker["labels"][0].startswith("qwen-tiny.gguf (models, ")
    assert any(": preset cpu (download " in label for label in picker["labels"])
    editor.wait_for("vim.tbl_contains(vim.tbl_map(function(m) return m:find('now using', 1, true) ~= nil end,"
                    " vim.g.coder_lsp_messages), true)", "the switch message", 60)
    editor.wait_for("((require('coder_lsp.status').latest(require('coder_lsp').client(0).id) or {}).model or '')"
                    ":find('qwen', 1, true) ~= nil", "the server to load the chosen model", 60)
    config = (isolated_home / "xdg_config_home" / "coder-lsp" / "config.toml").read_text()
    assert str(isolated_home / "models" / "qwen-tiny.gguf") in config
