"""LlamaEngine on real llama.cpp: completions, KV reuse, cancellation, long and broken text."""

from __future__ import annotations

import pytest

from lsp_server.model.types import CancelToken, Cancelled, CompletionRequest

from .conftest import code_lines


def test_completion_reports_its_work(deepseek):
    result = deepseek.complete(CompletionRequest(prefix="def add(a, b):\n    return ", suffix="\n", max_tokens=8), CancelToken())
    assert result.prompt_format == "deepseek" and result.model == deepseek.name
    assert result.generated_tokens == 8 and result.finish_reason == "length"  # the fixture never emits EOS
    assert result.text and result.prompt_tokens > 10
    assert 0 < result.ttft_ms <= result.total_ms


@pytest.mark.parametrize("engine_name", ["starcoder", "deepseek"])
def test_a_grown_prefix_reuses_the_cached_prompt(engine_name, request):
    engine = request.getfixturevalue(engine_name)
    prefix, suffix = code_lines(40) + "def total(items):\n    ", "\n" + code_lines(20, start=100)
    engine.complete(CompletionRequest(prefix=prefix, suffix=suffix, max_tokens=2), CancelToken())
    again = engine.complete(CompletionRequest(prefix=prefix + "return s", suffix=suffix, max_tokens=2), CancelToken())
    changed_tail = 8 if engine.format.order() == "spm" else engine.count_tokens(suffix) + 8
    assert again.cached_tokens >= again.prompt_tokens - changed_tail
    assert again.cached_tokens > 0


@pytest.mark.parametrize("engine_name", ["starcoder", "deepseek", "smollm2"])
def test_greedy_argmax_picks_what_llama_cpps_greedy_sampler_picks(engine_name, request):
    from lsp_server.model import generation

    engine = request.getfixturevalue(engine_name)
    llm = engine._llm
    with engine._lock:
        for prompt in (b"def add(a, b):\n    return", b"import os\n\nfor name in", b"x = [1, 2,"):
            tokens = llm.tokenize(prompt, add_bos=True)
            llm.reset()
            llm.eval(tokens)
            ours = generation._greedy(llm)()
            llm._sampler = llm._init_sampler(temp=0.0, repeat_penalty=1.0)
            assert ours == llm.sample()
        llm.reset()


def test_streaming_pieces_add_up_to_the_text(starcoder):
    pieces: list[str] = []
    result = starcoder.complete(CompletionRequest(prefix="x = ", max_tokens=24), CancelToken(), on_token=pieces.append)
    assert "".join(pieces) == result.text
    result.text.encode("utf-8")  # whole characters only, even if tokens split one


def test_cancel_stops_within_a_token(deepseek):
    cancel, seen = CancelToken(), []

    def on_token(piece: str) -> None:
        seen.append(piece)
        if len(seen) == 3:
            cancel.cancel()

    with pytest.raises(Cancelled):
        deepseek.complete(CompletionRequest(prefix="x = ", max_tokens=500), cancel, on_token=on_token)
    assert len(seen) <= 4


def test_cancelled_before_start_evaluates_nothing(deepseek):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        deepseek.complete(CompletionRequest(prefix="x = "), cancel)


def test_prompt_longer_than_the_context_is_fitted(starcoder):
    huge = code_lines(3000)  # ~60k tokens for a 4096-token context
    result = starcoder.complete(CompletionRequest(prefix=huge, suffix=huge, max_tokens=4), CancelToken())
    assert result.prompt_tokens + result.generated_tokens <= starcoder.n_ctx
    assert result.generated_tokens == 4


def test_text_that_is_not_valid_utf8_is_handled(deepseek):
    broken = b"name = '\xff\xfe caf\xc3".decode("utf-8", errors="surrogateescape")  # surrogate escapes
    half_pair = "emoji = '\ud83d"  # cursor between the halves of a surrogate pair
    for prefix in (broken, half_pair):
        result = deepseek.complete(CompletionRequest(prefix=prefix, suffix="\ude00'\n", max_tokens=4), CancelToken())
        assert result.generated_tokens == 4


def test_count_tokens(deepseek):
    assert deepseek.count_tokens("") == 0
    assert 1 <= deepseek.count_tokens("hello world") <= 4


def test_tiny_context_never_overflows():
    from lsp_server.model.llama_engine import LlamaEngine
    from lsp_server.model.settings import ModelSettings
    from lsp_server.model.types import ChatMessage
    from tests.conftest import DEEPSEEK_MODEL

    engine = LlamaEngine(str(DEEPSEEK_MODEL), ModelSettings(n_ctx=256))
    try:
        result = engine.complete(CompletionRequest(prefix="x = 1\n" * 2000, suffix="y\n" * 500, max_tokens=1000),
                                 CancelToken())
        assert result.prompt_tokens + result.generated_tokens <= 256
        reply = engine.chat([ChatMessage("user", "word " * 5000)], CancelToken(), max_tokens=1000)
        assert reply.prompt_tokens + reply.generated_tokens <= 256
    finally:
        engine.close()
