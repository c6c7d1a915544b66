"""The completion pipeline on its own, no server: window, one line or several, post-processing, cache."""

from __future__ import annotations

import dataclasses

import pytest

from lsp_server.assist.pipeline import CompletionPipeline, TextSnapshot
from lsp_server.assist.prompt_window import PREFIX_CHARS, SUFFIX_CHARS
from lsp_server.config import Settings
from lsp_server.model.llama_engine import LlamaEngine
from lsp_server.model.settings import ModelSettings
from tests.conftest import DEEPSEEK_MODEL

SOURCE = "def total(values):\n    result = 0\n    for value in values:\n        result += value\n    return "


def _snapshot(text: str, offset: int) -> TextSnapshot:
    return TextSnapshot("file:///w/a.py", "/w/a.py", "python", 1, text, offset)


@pytest.fixture
def cold_deepseek():
    """An engine of its own: the session's shared one carries other tests' KV cache, and reusing
    moved cache chunks (an approximation, as llama-server's) can flip a greedy pick of random weights."""
    engine = LlamaEngine(str(DEEPSEEK_MODEL), ModelSettings(n_ctx=4096, n_gpu_layers=0))
    yield engine
    engine.close()


def test_inside_a_line_the_model_is_asked_for_one_line_and_the_text_is_trimmed(cold_deepseek):
    text = SOURCE + "result\n"
    outcome = CompletionPipeline().complete(_snapshot(text, len(SOURCE)), Settings(), cold_deepseek)
    assert outcome.request.stop == ("\n",) and outcome.request.max_tokens == 48
    # Pinned: the fixture model is deterministic; post-processing keeps the head that parses.
    assert outcome.text == "Arc" and outcome.completion.text.startswith(outcome.text)
    assert len(outcome.completion.text) > len(outcome.text)


def test_the_prompt_sees_the_window_post_processing_sees(deepseek):
    text = "x = 1\n" * 2_000 + SOURCE + "\n" + "y = 2\n" * 1_000
    offset = len(text) - 6_001
    outcome = CompletionPipeline().complete(_snapshot(text, offset), Settings(), deepseek)
    request = outcome.request
    assert text[offset - len(request.prefix) : offset + len(request.suffix)] == request.prefix + request.suffix
    assert len(request.prefix) <= PREFIX_CHARS and len(request.suffix) <= SUFFIX_CHARS


def test_typing_the_head_of_a_suggestion_is_answered_from_the_cache(deepseek):
    pipeline = CompletionPipeline()
    first = pipeline.complete(_snapshot(SOURCE, len(SOURCE)), Settings(multiline="never"), deepseek)
    assert len(first.text) >= 2  # the fixture model is deterministic: it suggests text here
    typed = SOURCE + first.text[0]
    second = pipeline.complete(_snapshot(typed, len(typed)), Settings(multiline="never"), deepseek)
    assert second.completion is None and second.text == first.text[1:]


def test_no_index_means_no_snippets_and_a_budget_of_zero_too(deepseek):
    settings = dataclasses.replace(Settings(), context_budget=0)
    outcome = CompletionPipeline().complete(_snapshot(SOURCE, len(SOURCE)), settings, deepseek, index=object())
    assert outcome.request.snippets == ()
