"""The small TOML writer behind `coder-lsp use`: one key changed, everything else kept."""

from __future__ import annotations

import tomllib

import pytest

from lsp_server.model.choice import ChoiceError, set_table_key, write_model_path


@pytest.mark.parametrize("before, after", [
    ("", '[model]\npath = "/m.gguf"\n'),
    ("a = 1", 'a = 1\n\n[model]\npath = "/m.gguf"\n'),
    ("[model]\npath = 'x'\n[b]\npath = 'y'\n", "[model]\npath = \"/m.gguf\"\n[b]\npath = 'y'\n"),
    ("[b]\nc = 1\n[ model ] # here\nn = 2\n", '[b]\nc = 1\n[ model ] # here\npath = "/m.gguf"\nn = 2\n'),
])
def test_set_table_key(before, after):
    assert set_table_key(before, "model", "path", '"/m.gguf"') == after


def test_paths_with_quotes_backslashes_and_unicode_round_trip(tmp_path):
    path = 'C:\\models\\"odd"\u2028name ü.gguf'
    config = write_model_path(path, str(tmp_path / "c" / "config.toml"))
    assert tomllib.loads(open(config, encoding="utf-8").read())["model"]["path"] == path


def test_invalid_toml_is_not_overwritten(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[model\nbroken")
    with pytest.raises(ChoiceError, match="not valid TOML"):
        write_model_path("/m.gguf", str(config))
    assert config.read_text() == "[model\nbroken"
