"""`coder-lsp use` writes through the user-config writer: one key changed, everything else kept."""

from __future__ import annotations

import tomllib

import pytest

from lsp_server.settings_files import UserConfigError, write_model_path


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    return tmp_path / "c" / "coder-lsp" / "config.toml"


def test_paths_with_quotes_backslashes_and_unicode_round_trip(config):
    path = 'C:\\models\\"odd"\u2028name \u00fc.gguf'
    assert write_model_path(path) == str(config)
    assert tomllib.loads(config.read_text(encoding="utf-8"))["model"]["path"] == path


def test_other_tables_and_comments_stay(config):
    config.parent.mkdir(parents=True)
    config.write_text("# mine\n[model]\npath = 'x'\n[b]\npath = 'y'\n")
    write_model_path("/m.gguf")
    text = config.read_text()
    assert text.startswith("# mine\n") and tomllib.loads(text) == {"model": {"path": "/m.gguf"}, "b": {"path": "y"}}


def test_invalid_toml_is_not_overwritten(config):
    config.parent.mkdir(parents=True)
    config.write_text("[model\nbroken")
    with pytest.raises(UserConfigError, match="not valid TOML"):
        write_model_path("/m.gguf")
    assert config.read_text() == "[model\nbroken"
