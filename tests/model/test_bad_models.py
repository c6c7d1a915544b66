"""Bad model files and settings give one clear sentence, never a crash or a hang."""

from __future__ import annotations

import pytest

from lsp_server.model.gguf_file import GGUFError, read_gguf
from lsp_server.model.loader import load_engine
from lsp_server.model.settings import ModelSettings
from lsp_server.model.types import EngineError
from tests.conftest import DEEPSEEK_MODEL, NOT_A_MODEL, TRUNCATED_MODEL


def test_missing_model_names_the_path_and_the_setting(tmp_path, isolated_home):
    missing = tmp_path / "nowhere" / "model.gguf"
    with pytest.raises(EngineError) as err:
        load_engine(ModelSettings(path=str(missing)))
    assert str(missing) in str(err.value) and "coderLsp.model.path" in str(err.value)
    with pytest.raises(EngineError, match="--model"):
        load_engine(ModelSettings(), cli_model=str(missing))


def test_env_var_is_named_when_it_points_nowhere(tmp_path, isolated_home, monkeypatch):
    monkeypatch.setenv("CODER_LSP_MODEL", str(tmp_path / "gone.gguf"))
    with pytest.raises(EngineError, match="CODER_LSP_MODEL"):
        load_engine(ModelSettings())


def test_text_file_is_not_a_gguf(isolated_home):
    with pytest.raises(EngineError, match="not a GGUF file"):
        load_engine(ModelSettings(path=str(NOT_A_MODEL)))


def test_truncated_model_is_caught_before_llama_cpp(isolated_home):
    with pytest.raises(EngineError, match="truncated"):
        load_engine(ModelSettings(path=str(TRUNCATED_MODEL)))


@pytest.mark.parametrize("cut", [3, 30, 200_000])
def test_any_truncation_point_is_an_error(tmp_path, cut):
    partial = tmp_path / "partial.gguf"
    partial.write_bytes(DEEPSEEK_MODEL.read_bytes()[:cut])
    with pytest.raises(GGUFError):
        read_gguf(partial)


def test_a_directory_is_not_a_model(tmp_path, isolated_home):
    with pytest.raises(EngineError, match="not a usable GGUF"):
        load_engine(ModelSettings(path=str(tmp_path)))


def test_unknown_prompt_format_and_backend(isolated_home):
    with pytest.raises(EngineError, match="Unknown prompt format"):
        load_engine(ModelSettings(path=str(DEEPSEEK_MODEL), prompt_format="fancy"))
    with pytest.raises(EngineError, match="Unknown backend"):
        load_engine(ModelSettings(backend="cloud"))
