"""Next edit in a real VS Code (code-server in headless Chromium, as test_vscode_e2e.py): rename a
parameter, the extension previews the edit to its use (struck through), Tab applies it.

The server is the real one on the Qwen2.5-Coder tiny fixture, with the scripted rename engine
(`CODER_LSP_TEST_ENGINE=rename=width>w`: the real model runs, the answer carries the rename),
started through a wrapper script since the extension starts an executable with `serve`.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import QWEN_MODEL, SCRIPTED_SERVER
from tests.editors.vscode.test_vscode_e2e import (
    _drive, _install_extension, _isolated_env, _settings, _user_settings, _workspace, vscode_home,  # noqa: F401
)

pytestmark = pytest.mark.editor

SOURCE = "def area(width, height):\n    return width * height\n"


@pytest.mark.timeout(600)
def test_a_rename_is_previewed_and_tab_applies_it(vscode_home, tmp_path, capsys):  # noqa: F811
    wrapper = tmp_path / "coder-lsp-scripted"
    wrapper.write_text("#!/bin/sh\nexec " + " ".join(SCRIPTED_SERVER) + ' "$@"\n')
    wrapper.chmod(0o755)
    env = {**_isolated_env(vscode_home), "CODER_LSP_TEST_ENGINE": "rename=width>w"}
    workspace = _workspace(tmp_path)
    (workspace / "rename.py").write_text(SOURCE)
    settings = _settings(**{"model.path": str(QWEN_MODEL), "enableInlineCompletion": False, "debounceMs": 50})
    settings["coderLsp.server.path"] = str(wrapper)
    # VS Code's own word suggestions would pop up after the typed `w` and take the Tab.
    settings.update({"editor.quickSuggestions": {"other": False, "comments": False, "strings": False},
                     "editor.wordBasedSuggestions": "off", "editor.suggestOnTriggerCharacters": False})
    _user_settings(vscode_home["user-data"], settings)
    _install_extension(vscode_home, env)
    config = {"readyText": "qwen2.5-coder-tiny", "parts": ["next-edit"],
              "nextEdit": {"file": "rename.py", "line": 1, "column": 10, "from": "width", "to": "w"}}
    results = _drive(vscode_home, env, workspace, tmp_path, config, "next-edit")
    with capsys.disabled():
        print(f"\n[vscode e2e] edit -> next-edit preview: {results.get('editToNextEditMs')} ms")
    assert (workspace / "rename.py").read_text() == SOURCE.replace("width", "w")
