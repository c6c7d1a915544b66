"""The real llama.cpp side of next-edit: sweep prompts by token id, stepwise prefill, cancellation.

On the Qwen2.5-Coder tiny fixture (random weights, real tokenizer): the
`<|file_sep|>` markers are one token each while the same text typed in a
file stays text, a prompt prefilled in cancellable steps generates exactly
what one batch would, and a cancel during the prefill stops it.
"""

from __future__ import annotations

import pytest

from lsp_server.assist import next_edit
from lsp_server.assist.edit_history import EditHistory
from lsp_server.assist.next_edit_prompt import sweep_prompt
from lsp_server.model import background
from lsp_server.model.types import CancelToken, Cancelled
from tests.conftest import QWEN_MODEL

SOURCE = "def area(width, height):\n    return width * height\n\n\nprint(area(2, 3))\n"


@pytest.fixture(scope="module")
def qwen():
    from lsp_server.model.llama_engine import LlamaEngine
    from lsp_server.model.settings import ModelSettings

    engine = LlamaEngine(str(QWEN_MODEL), ModelSettings(n_ctx=4096, n_gpu_layers=0))
    yield engine
    engine.close()


def prepared(qwen, text: str):
    history = EditHistory()
    history.record("file:///a.py", "a.py", SOURCE)
    history.record("file:///a.py", "a.py", text)
    return next_edit.prepare(qwen, history, uri="file:///a.py", path="a.py", language="python", text=text, offset=10)


def test_the_fixture_speaks_sweep_and_markers_are_single_tokens_only_where_we_put_them(qwen):
    typed = SOURCE.replace("(width,", "(w,") + "# <|file_sep|>\n"
    ready = prepared(qwen, typed)
    assert ready.format == "sweep"
    tokens = qwen.prompt_tokens(sweep_prompt(ready.data, ready.window))
    assert tokens.count(qwen.format.ids["fim_sep"]) == 4  # diff, original, current, updated: not the comment


def test_stepwise_prefill_generates_what_one_batch_does(qwen):
    ready = prepared(qwen, SOURCE.replace("(width,", "(w,"))
    prompt = sweep_prompt(ready.data, ready.window)
    stepped = qwen.complete_prompt(prompt, CancelToken(), 12)
    qwen._llm.reset()
    tokens = qwen.prompt_tokens(prompt)
    healing = (None,) if background._takes_healing(qwen) else ()  # engines with token healing: none here
    whole = qwen._run(tokens, CancelToken(), 12, 0.0, qwen._fim_stop_ids, prompt.stop, None, *healing)
    assert stepped.text == whole.text and stepped.prompt_tokens == whole.prompt_tokens > 64
    # Pinned: greedy decoding on the fixed random weights (a change here means the prompt changed).
    assert (stepped.generated_tokens, stepped.finish_reason) == (12, "length")


def test_a_cancel_during_the_prefill_stops_it(qwen):
    ready = prepared(qwen, SOURCE.replace("(width,", "(w,"))
    cancel = CancelToken()
    steps = []
    original = qwen._llm.eval

    def counting_eval(batch):
        steps.append(len(batch))
        if len(steps) == 1:
            cancel.cancel()
        return original(batch)

    qwen._llm.reset()
    qwen._llm.eval = counting_eval
    try:
        with pytest.raises(Cancelled):
            qwen.complete_prompt(sweep_prompt(ready.data, ready.window), cancel, 12)
    finally:
        del qwen._llm.eval
    assert steps == [64]
