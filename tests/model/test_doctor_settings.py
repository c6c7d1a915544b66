"""`coder-lsp doctor` names the user config file and whether the workspace's project file is trusted."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import CODER_LSP, DEEPSEEK_MODEL, env_without_model


def doctor(workspace, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CODER_LSP, "doctor", "--model", str(DEEPSEEK_MODEL), "--workspace", str(workspace), *args],
                          capture_output=True, text=True, timeout=120, env=env_without_model())


def test_doctor_reports_the_user_config_and_trust(tmp_path, isolated_home):
    project = tmp_path / "repo"
    project.mkdir()
    (project / ".coder-lsp.toml").write_text('maxTokens = 9\n[chatModel]\npath = "chat.gguf"\n')
    report = json.loads(doctor(project, "--json").stdout)["settings"]
    config = isolated_home / "xdg_config_home" / "coder-lsp" / "config.toml"
    assert report == {"user_config": str(config), "user_config_exists": False,
                      "project_file": str(project / ".coder-lsp.toml"), "trusted": False,
                      "chat_model": str(project / "chat.gguf"), "keep_alive_minutes": 15}
    text = doctor(project).stdout
    assert f"user config        {config} (not written yet)" in text
    assert "(not trusted: it may tune, not choose the model or backend)" in text
    assert subprocess.run([*CODER_LSP, "trust", str(project)], capture_output=True, env=env_without_model()).returncode == 0
    report = json.loads(doctor(project, "--json").stdout)["settings"]
    assert report["trusted"] is True and report["user_config_exists"] is True
    assert "project file       " in doctor(project).stdout and "(trusted)" in doctor(project).stdout
