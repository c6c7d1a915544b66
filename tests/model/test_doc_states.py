"""Per-document KV states: switching back to a file finds its prompt in the cache, answers unchanged."""

from __future__ import annotations

import pytest

from lsp_server.model.llama_engine import LlamaEngine
from lsp_server.model.settings import ModelSettings
from lsp_server.model.types import CancelToken, ChatMessage, CompletionRequest
from tests.conftest import DEEPSEEK_MODEL
from tests.model.conftest import code_lines


def engine_with(state_cache_mb: int) -> LlamaEngine:
    return LlamaEngine(str(DEEPSEEK_MODEL), ModelSettings(n_ctx=2048, n_gpu_layers=0, state_cache_mb=state_cache_mb))


@pytest.fixture
def engine():
    made = engine_with(256)
    yield made
    made.close()


def request(path: str, start: int) -> CompletionRequest:
    return CompletionRequest(prefix=code_lines(40, start) + "def total(cart):\n    ", suffix=code_lines(8, start + 500),
                             path=path, max_tokens=8)


def test_going_back_to_a_document_restores_its_cache_and_its_answer(engine):
    a, b = request("a.py", 0), request("b.py", 1000)
    cold = engine.complete(a, CancelToken())
    engine.complete(b, CancelToken())
    back = engine.complete(a, CancelToken())
    assert back.text == cold.text  # the restored cells are the ones evaluated: same logits, same tokens
    assert back.cached_tokens >= cold.prompt_tokens - 1  # nothing of a.py's prompt evaluated again
    assert engine.states.describe()["restores"] == 1


def test_without_a_state_cache_going_back_evaluates_the_prompt_again():
    engine = engine_with(0)
    try:
        a, b = request("a.py", 0), request("b.py", 1000)
        engine.complete(a, CancelToken())
        engine.complete(b, CancelToken())
        back = engine.complete(a, CancelToken())
        assert back.cached_tokens < back.prompt_tokens // 4
        assert engine.states.describe()["documents"] == 0
    finally:
        engine.close()


def test_a_chat_in_between_does_not_cost_the_document_its_cache(engine):
    a = request("a.py", 0)
    cold = engine.complete(a, CancelToken())
    engine.chat([ChatMessage("user", "Explain this error: NameError")], CancelToken(), max_tokens=4)
    back = engine.complete(a, CancelToken())
    assert back.text == cold.text and back.cached_tokens >= cold.prompt_tokens - 1


def test_states_stay_within_the_limit_least_recently_used_first():
    engine = engine_with(1)  # 1 MiB: about one of these prompts on the tiny model
    try:
        for number, path in enumerate(("a.py", "b.py", "c.py", "d.py")):
            engine.complete(request(path, number * 1000), CancelToken())
        described = engine.states.describe()
        assert described["saves"] == 3 and 0 < described["bytes"] <= described["limitBytes"]
        assert described["documents"] < 3  # the oldest went
        assert engine.states.usable("a.py", engine.prompt_tokens(engine.build_prompt(request("a.py", 0)))) == 0
    finally:
        engine.close()


def test_the_latency_budget_counts_a_saved_state_as_cached(engine):
    a, b = request("a.py", 0), request("b.py", 1000)
    engine.complete(a, CancelToken())
    engine.complete(b, CancelToken())
    tokens = engine.prompt_tokens(engine.build_prompt(a))
    assert engine.cached_of(tokens) < len(tokens) // 4  # the live cache holds b.py
    # a.py's state would be restored: all but the prompt's end (token healing backed the last one off)
    assert engine.cached_of(tokens, "a.py") >= len(tokens) - 4


def test_a_prompt_without_a_document_is_not_kept(engine):
    engine.complete(request("", 0), CancelToken())  # an untitled buffer's prompt, say
    engine.complete(request("b.py", 1000), CancelToken())
    assert engine.states.describe()["documents"] == 0


def test_a_closed_document_s_state_goes_at_the_next_evaluation(engine):
    engine.complete(request("a.py", 0), CancelToken())
    engine.complete(request("b.py", 1000), CancelToken())  # a.py's state saved
    tokens = engine.prompt_tokens(engine.build_prompt(request("a.py", 0)))
    assert engine.states.usable("a.py", tokens) > 0
    engine.states.forget("a.py")  # didClose, from the event loop
    engine.states.forget("b.py")  # the live one: not saved when the next document comes
    engine.complete(request("c.py", 2000), CancelToken())
    assert engine.states.usable("a.py", tokens) == 0
    assert engine.states.describe()["documents"] == 0 and engine.states.bytes == 0
