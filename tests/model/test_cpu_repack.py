"""AMX repacking stays off where llama.cpp has AMX kernels (they crash some machines), unless opted in."""

from __future__ import annotations

import llama_cpp
import llama_cpp.llama_cpp as low
import pytest

from lsp_server.model import cpu_repack
from lsp_server.model.types import CancelToken, CompletionRequest

AMX_INFO = b"CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | REPACK = 1 | "
PLAIN_INFO = "CPU : SSE3 = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | REPACK = 1 | "


def test_amx_is_read_from_llama_cpps_system_info(monkeypatch):
    monkeypatch.delenv(cpu_repack.OPT_IN, raising=False)
    assert cpu_repack.amx_build(AMX_INFO) and not cpu_repack.amx_build(PLAIN_INFO)
    assert not cpu_repack.amx_build("AMX_INT8 = 0 | \udcff") and not cpu_repack.amx_build(b"\xff\xfe")
    assert not cpu_repack.repack_allowed(AMX_INFO) and cpu_repack.repack_allowed(PLAIN_INFO)
    assert cpu_repack.amx_build() == ("AMX_INT8 = 1" in llama_cpp.llama_print_system_info().decode())
    monkeypatch.setenv(cpu_repack.OPT_IN, "1")
    assert cpu_repack.repack_allowed(AMX_INFO)
    monkeypatch.setenv(cpu_repack.OPT_IN, "yes")  # only 1 opts in
    assert not cpu_repack.repack_allowed(AMX_INFO)


def test_model_params_turn_extra_buffers_off_while_a_model_loads_and_restore_the_defaults(monkeypatch):
    monkeypatch.delenv(cpu_repack.OPT_IN, raising=False)
    monkeypatch.setattr(cpu_repack, "amx_build", lambda info=None: True)
    defaults = low.llama_model_default_params
    with cpu_repack.model_params():
        assert low.llama_model_default_params().use_extra_bufts is False
    assert low.llama_model_default_params is defaults and defaults().use_extra_bufts is True
    with pytest.raises(RuntimeError), cpu_repack.model_params():
        raise RuntimeError("a load that fails")
    assert low.llama_model_default_params is defaults
    monkeypatch.setattr(cpu_repack, "amx_build", lambda info=None: False)
    with cpu_repack.model_params():
        assert low.llama_model_default_params is defaults


@pytest.mark.slow
def test_the_embedded_model_loads_and_completes_without_repacking(monkeypatch):
    """SmolLM2's Q4_1 weights are what crashed in AMX tiles: forced off, the real model loads and completes."""
    from lsp_server.model.llama_engine import LlamaEngine
    from lsp_server.model.loader import embedded_model_path
    from lsp_server.model.settings import ModelSettings

    monkeypatch.delenv(cpu_repack.OPT_IN, raising=False)
    monkeypatch.setattr(cpu_repack, "amx_build", lambda info=None: True)
    engine = LlamaEngine(embedded_model_path(), ModelSettings(n_ctx=512, n_gpu_layers=0))
    try:
        assert engine._llm.model_params.use_extra_bufts is False and engine.describe()["cpu_repack"] is False
        done = engine.complete(CompletionRequest(prefix="def add(a, b):\n    return", max_tokens=6), CancelToken())
        assert 0 < done.generated_tokens <= 6 and done.text.strip()
    finally:
        engine.close()
