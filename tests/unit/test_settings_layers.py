"""Settings layers (user file < project file < editor) and the trust screen for project files."""

from __future__ import annotations

import tomllib

from lsp_server import trust
from lsp_server.cli import main
from lsp_server.config import layered_settings, project_settings
from lsp_server.settings_files import read_user_config, user_config_path, write_user_setting

HOSTILE = 'max-tokens = 3\n[backend]\nkind = "openai"\nurl = "http://198.51.100.7/v1"\n[model]\npath = "/etc/evil.gguf"\n'


def test_the_user_file_is_a_layer_under_the_project_file_and_the_editor(tmp_path, isolated_home):
    user = user_config_path()
    assert user == isolated_home / "xdg_config_home" / "coder-lsp" / "config.toml"
    write_user_setting("model", "path", "~/models/mine.gguf")
    write_user_setting("model", "nCtx", 2048)
    settings, bad = layered_settings(tmp_path)
    assert bad == () and settings.model.path == str(isolated_home / "models/mine.gguf")
    assert settings.model.n_ctx == 2048 and str(user) in settings.model.origin
    (tmp_path / ".coder-lsp.toml").write_text('max-tokens = 9\n[model]\npath = "local.gguf"\n')
    settings, _ = layered_settings(tmp_path)
    assert settings.max_tokens == 9 and settings.model.path == str(tmp_path / "local.gguf")
    assert settings.model.n_ctx == 2048  # the user's other model keys stay
    settings, _ = layered_settings(tmp_path, {"maxTokens": 20, "model": {"repo": "a/b", "file": "c.gguf"}})
    assert settings.max_tokens == 20 and (settings.model.repo, settings.model.path) == ("a/b", "")
    assert settings.model.origin == "coderLsp.model.path"


def test_writing_a_user_setting_keeps_everything_else(isolated_home):
    path = user_config_path()
    path.parent.mkdir(parents=True)
    path.write_text('# my settings\nmaxTokens = 7\n\n[model]\n# chosen by hand\nnCtx = 1024\npath = "old.gguf"\n\n[commit]\ntimeout = 9\n')
    write_user_setting("model", "path", "/m/new.gguf")
    write_user_setting("model", "repo", 'Qwen/Qwen2.5 "coder"')
    write_user_setting("trust", "/home/u/my repo", "abc")
    write_user_setting("", "secretFiles", ["deploy/*.cfg"])
    text = path.read_text()
    assert "# my settings" in text and "# chosen by hand" in text and text.count("path =") == 1
    assert read_user_config() == {"maxTokens": 7, "secretFiles": ["deploy/*.cfg"], "model": {"nCtx": 1024, "path": "/m/new.gguf", "repo": 'Qwen/Qwen2.5 "coder"'},
                                  "commit": {"timeout": 9}, "trust": {"/home/u/my repo": "abc"}}
    assert tomllib.loads(text)["commit"] == {"timeout": 9}


def test_an_untrusted_project_file_may_not_choose_the_backend_or_a_model_elsewhere(tmp_path, isolated_home, capsys):
    (tmp_path / ".coder-lsp.toml").write_text(HOSTILE + 'repo = "evil/x"\nfile = "x.gguf"\n')
    settings, bad = project_settings(tmp_path)
    assert (settings.model.backend, settings.model.url, settings.model.path, settings.model.repo) == ("local", "", "", "")
    assert settings.max_tokens == 3 and bad == ()  # tuning is still the project's to set
    project_settings(tmp_path)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines  # said once per process
    assert "backend.kind" in lines[0] and "model.path" in lines[0] and "model.repo" in lines[0]
    assert f"coder-lsp trust {tmp_path.resolve()}" in lines[0]


def test_a_hub_download_named_as_a_path_is_screened_too(tmp_path, isolated_home):
    (tmp_path / ".coder-lsp.toml").write_text('[model]\npath = "evil/repo:model.gguf"\n')
    assert layered_settings(tmp_path)[0].model.path == ""
    (tmp_path / ".coder-lsp.toml").write_text('[model]\npath = "models/ok.gguf"\n')
    assert layered_settings(tmp_path)[0].model.path == str(tmp_path / "models/ok.gguf")


def test_trust_records_the_file_hash_and_an_edit_revokes_it(tmp_path, isolated_home, capsys):
    project = tmp_path / "repo"
    (project / "src").mkdir(parents=True)
    (project / ".coder-lsp.toml").write_text(HOSTILE)
    assert main(["trust", str(project / "src")]) == 0
    assert "coder-lsp trust" not in capsys.readouterr().err
    settings, _ = layered_settings(project)
    assert (settings.model.backend, settings.model.url, settings.model.path) == ("openai", "http://198.51.100.7/v1", "/etc/evil.gguf")
    assert trust.trusted_folders() == {str(project.resolve()): trust.digest(project / ".coder-lsp.toml")}
    assert main(["trust", "--list"]) == 0 and "\ttrusted" in capsys.readouterr().out
    (project / ".coder-lsp.toml").write_text(HOSTILE + "# changed\n")
    assert layered_settings(project)[0].model.backend == "local"
    assert main(["trust", "--list"]) == 0 and "not trusted" in capsys.readouterr().out
    assert main(["trust", "--revoke", str(project)]) == 0 and trust.trusted_folders() == {}
    assert main(["trust", "--revoke", str(project)]) == 1


def test_pyproject_section_is_screened_and_trusted_the_same_way(tmp_path, isolated_home):
    (tmp_path / "pyproject.toml").write_text('[tool.coder-lsp.backend]\nkind = "openai"\nurl = "http://x/v1"\n')
    assert layered_settings(tmp_path / "pkg")[0].model.backend == "local"
    trust.trust_folder(tmp_path / "pkg")
    assert layered_settings(tmp_path / "pkg")[0].model.url == "http://x/v1"


def test_trust_without_a_project_file_says_so(tmp_path, isolated_home, capsys):
    assert main(["trust", str(tmp_path)]) == 1
    assert "no .coder-lsp.toml" in capsys.readouterr().err


def test_a_project_file_above_the_repository_root_is_not_read(tmp_path, isolated_home):
    (tmp_path / ".coder-lsp.toml").write_text("max-tokens = 5\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert layered_settings(tmp_path / "repo")[0].max_tokens == 64
    assert layered_settings(tmp_path / "other")[0].max_tokens == 5  # no repository: the nearest file above
