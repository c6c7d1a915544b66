"""The latency budget: measured rates size a cold prompt, which grows to the full prompt as the cache warms."""

from __future__ import annotations

import dataclasses

import pytest

from lsp_server.model.llama_engine import LlamaEngine
from lsp_server.model.settings import ModelSettings
from lsp_server.model.throughput import MIN_PROMPT_TOKENS, Throughput
from lsp_server.model.types import CancelToken, CompletionRequest
from tests.conftest import DEEPSEEK_MODEL
from tests.model.conftest import code_lines


def test_new_tokens_reserves_time_for_the_first_line():
    rates = Throughput()
    assert rates.new_tokens(1000, 48) is None  # nothing measured: no limit
    rates.record_prompt(400, 1.0)
    rates.record_decode(40, 1.0)
    assert rates.new_tokens(0, 48) is None  # no budget: no limit
    assert rates.new_tokens(1000, 48) == 280  # 1 s minus 12 tokens at 40/s = 0.7 s of 400 tokens/s
    assert rates.new_tokens(100, 48) == MIN_PROMPT_TOKENS
    rates.record_prompt(800, 1.0)
    assert rates.prompt_tps == pytest.approx(520)  # a moving average, not the last job
    rates.record_prompt(3, 0.0001)  # too short to time the model
    assert rates.prompt_tps == pytest.approx(520)


def test_engine_measures_its_rates_at_load_and_from_jobs(deepseek):
    described = deepseek.describe()
    assert described["prompt_tokens_per_s"] > 0 and described["decode_tokens_per_s"] > 0
    before = deepseek.throughput.samples
    deepseek.complete(CompletionRequest(prefix=code_lines(30), max_tokens=4), CancelToken())
    assert deepseek.throughput.samples == before + 1


def pin_slow(engine) -> None:
    """A slow laptop's rates, kept whatever the tiny model measures."""
    engine.throughput = Throughput(prompt_tps=300.0, decode_tps=1000.0)
    engine.throughput.record_prompt = engine.throughput.record_decode = lambda tokens, seconds: None


@pytest.fixture
def psm_engine():
    engine = LlamaEngine(str(DEEPSEEK_MODEL), ModelSettings(n_ctx=4096, n_gpu_layers=0, fim_order="psm"))
    yield engine
    engine.close()


def test_a_cold_prompt_fits_the_budget_and_grows_as_the_cache_warms(psm_engine):
    psm_engine.throughput = Throughput(prompt_tps=300.0, decode_tps=1000.0)  # a slow laptop, pinned
    psm_engine.throughput.record_prompt = lambda tokens, seconds: None  # keep it pinned
    allowed = psm_engine.throughput.new_tokens(1000, 8)
    prefix, suffix = code_lines(60) + "def total(cart):\n    ", code_lines(10, 100)
    full = len(psm_engine.prompt_tokens(psm_engine.build_prompt(CompletionRequest(prefix=prefix, suffix=suffix))))
    evaluated, sizes = [], []
    for typed in ("r", "re", "res", "resu", "resul", "result", "result ", "result =", "result = "):
        done = psm_engine.complete(CompletionRequest(prefix=prefix + typed, suffix=suffix, max_tokens=8,
                                                      latency_budget_ms=1000), CancelToken())
        evaluated.append(done.prompt_tokens - done.cached_tokens)
        sizes.append(done.prompt_tokens)
    assert full > 2 * allowed and max(evaluated) <= allowed
    assert sizes[0] <= allowed and sizes[-1] >= full - 8, (sizes, full)  # grows to the full prompt
    assert all(later >= earlier - 2 for earlier, later in zip(sizes, sizes[1:])), sizes  # (typing merges tokens)
    unlimited = psm_engine.complete(CompletionRequest(prefix=prefix, suffix=suffix, max_tokens=8), CancelToken())
    assert unlimited.prompt_tokens >= full - 8


def test_prefill_warms_the_cache_for_the_next_request(psm_engine):
    from lsp_server.model.types import Cancelled

    prefix, suffix = code_lines(60) + "def total(cart):\n    ", code_lines(10, 100)
    request = CompletionRequest(prefix=prefix, suffix=suffix, max_tokens=8, latency_budget_ms=1000)
    cancelled = CancelToken()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        psm_engine.prefill(request, cancelled)
    psm_engine.throughput = Throughput(prompt_tps=1e7, decode_tps=1e7)  # fast: the prefill is one step
    evaluated = psm_engine.prefill(request, CancelToken())
    psm_engine.throughput = Throughput(prompt_tps=300.0, decode_tps=1000.0)  # slow: a cold prompt would be cut
    warm = psm_engine.complete(request, CancelToken())
    assert evaluated > 1000 and warm.cached_tokens == warm.prompt_tokens - 1 == evaluated
    psm_engine._llm.reset()
    psm_engine.throughput = Throughput()
    assert psm_engine.complete(request, CancelToken()).text == warm.text  # the same as a cold full prompt


def test_a_cut_prompt_says_so_and_a_prefill_makes_the_next_one_whole(psm_engine):
    prefix, suffix = code_lines(60) + "def total(cart):\n    ", code_lines(10, 100)
    request = CompletionRequest(prefix=prefix, suffix=suffix, max_tokens=8, latency_budget_ms=1000)
    pin_slow(psm_engine)
    cut = psm_engine.complete(request, CancelToken())
    psm_engine.prefill(request, CancelToken())  # in steps of 128 tokens
    whole = psm_engine.complete(request, CancelToken())
    assert cut.cut_to_budget and not whole.cut_to_budget and whole.prompt_tokens > 3 * cut.prompt_tokens
    assert whole.cached_tokens == whole.prompt_tokens - 1


class CancelAfter(CancelToken):
    """Cancelled once it has been asked `checks` times (a real request arriving mid-prefill)."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.checks = checks

    @property
    def cancelled(self) -> bool:
        self.checks -= 1
        if self.checks < 0:
            self.cancel()
        return super().cancelled

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            super().raise_if_cancelled()


def test_a_prefill_cancelled_mid_step_leaves_a_usable_cache(psm_engine, monkeypatch):
    from lsp_server.model import kv_reuse
    from lsp_server.model.types import Cancelled

    shifts = []
    monkeypatch.setattr(kv_reuse.llama_cpp, "llama_memory_seq_add",
                        lambda *args, real=kv_reuse.llama_cpp.llama_memory_seq_add: shifts.append(args[1:]) or real(*args))
    prefix, suffix = code_lines(60) + "def total(cart):\n    ", code_lines(10, 100)
    request = CompletionRequest(prefix=prefix, suffix=suffix, max_tokens=8, latency_budget_ms=1000)
    pin_slow(psm_engine)
    cut = psm_engine.complete(request, CancelToken())
    with pytest.raises(Cancelled):
        psm_engine.prefill(request, CancelAfter(3))  # inside the first step's new tokens (30-token chunks)
    assert shifts and shifts[-1][3] < 0  # the parked chunk closed the gap instead of moving right
    again = psm_engine.complete(request, CancelToken())
    assert again.cached_tokens >= cut.prompt_tokens - 8  # the cut prompt's cache survived, moved
    psm_engine.prefill(request, CancelToken())
    whole = psm_engine.complete(dataclasses.replace(request, latency_budget_ms=0), CancelToken())
    assert whole.cached_tokens == whole.prompt_tokens - 1
