"""Background (next-edit) generation on a `LlamaEngine`: a prompt the caller laid out, its prompt
evaluated in cancellable steps first.

A next-edit job runs at the runner's background priority and is cancelled by any keystroke's job,
but a prompt batch cannot be interrupted; so the prompt goes into the KV cache `STEP` tokens at a
time, a cancel check before each step, and only then does generation run, finding the prompt
cached. `LlamaEngine.complete_prompt` and `prefill_chat` call these; they live beside the engine so
that it stays small, and reach into it (`_run`, `_llm`) as a part of it.
"""

from __future__ import annotations

import inspect

from lsp_server.model.chat import chat_prompt
from lsp_server.model.generation import generate
from lsp_server.model.prompts import Prompt
from lsp_server.model.types import CancelToken, ChatMessage, Completion, EngineError, TokenCallback

STEP = 64  # prompt tokens per cancel check


def complete_prompt(engine, prompt: Prompt, cancel: CancelToken, max_tokens: int,
                    on_token: TokenCallback | None = None) -> Completion:
    """`prompt` (special parts by id), greedy, stopping at its stops or the format's markers."""
    tokens = engine.prompt_tokens(prompt)
    evaluate(engine, tokens, cancel)
    extra = (None,) if _takes_healing(engine) else ()  # an engine with token healing: none for a rewrite
    result = engine._run(tokens, cancel, max_tokens, 0.0, engine._fim_stop_ids, prompt.stop, on_token, *extra)
    return Completion(result.text, engine.name, prompt.format, result.prompt_tokens, result.cached_tokens,
                      result.generated_tokens, result.ttft_ms, result.total_ms, result.finish_reason)


def prefill_chat(engine, messages: list[ChatMessage], cancel: CancelToken) -> None:
    """Evaluate the prompt `engine.chat(messages)` will use, in steps; `chat` then finds it cached."""
    prompt = chat_prompt(engine._llm, engine.chat_template, messages)
    evaluate(engine, [*(engine._bos if prompt.add_bos else ()), *engine._tokenize(prompt.text, special=True)], cancel)


def evaluate(engine, tokens: list[int], cancel: CancelToken) -> None:
    """All but the last of `tokens` into the cache, `STEP` at a time (the engine's own chunked
    `evaluate` where it has one). A prompt too long for the context is left to `_run` to cut."""
    if len(tokens) >= engine.n_ctx:
        return
    if hasattr(engine, "evaluate"):
        engine.evaluate(tokens, cancel, STEP)
        return
    with engine._lock:
        try:
            for end in range(STEP, len(tokens) - 1, STEP):
                generate(engine._llm, tokens[:end], cancel, max_tokens=0)
        except RuntimeError as err:  # as in `_run`: start from a clean cache next time
            engine._llm.reset()
            raise EngineError(f"llama.cpp failed while generating: {err}") from err


def _takes_healing(engine) -> bool:
    return "healing" in inspect.signature(engine._run).parameters
