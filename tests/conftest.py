"""Shared test paths: the repository, its fixtures and the tiny fixture models.

The tiny models are random-weight GGUFs around real DeepSeek-Coder and
StarCoder tokenizers, written by `fixtures/make_models.py`; they load in
milliseconds and run the real llama.cpp code path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
MODELS = FIXTURES / "models"
DEEPSEEK_MODEL = MODELS / "deepseek-tiny.gguf"
STARCODER_MODEL = MODELS / "starcoder-tiny.gguf"
QWEN_MODEL = MODELS / "qwen2.5-coder-tiny.gguf"
DEEPSEEK_V2_MODEL = MODELS / "deepseek-coder-v2-tiny.gguf"
NOT_A_MODEL = MODELS / "not-a-model.gguf"
TRUNCATED_MODEL = MODELS / "truncated.gguf"
PYTHON = sys.executable
CODER_LSP = [PYTHON, "-m", "lsp_server"]
SCRIPTED_ENV = "CODER_LSP_TEST_ENGINE"  # see tests/scripted_engine.py
SCRIPTED_SERVER = [PYTHON, str(ROOT / "tests" / "scripted_server.py")]


def server_command(env: dict[str, str] | None = None) -> list[str]:
    """`coder-lsp serve`, or the tests' scripted launcher when `CODER_LSP_TEST_ENGINE` is set."""
    scripted = SCRIPTED_ENV in (os.environ if env is None else env)
    return [*SCRIPTED_SERVER, "serve"] if scripted else [*CODER_LSP, "serve"]


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """HOME and XDG folders in a temp folder, so tests never touch the user's."""
    home = tmp_path / "home"
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        folder = home if name == "HOME" else home / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(folder))
    monkeypatch.delenv("CODER_LSP_MODEL", raising=False)
    return home


def env_without_model(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CODER_LSP_MODEL"}
    env.update(extra)
    return env
