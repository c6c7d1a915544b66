"""The latency budget applied to prompts: cut a cold prompt to fit, and grow it in idle time.

`fitted_prompt` builds the request's prompt and, when more of it is missing
from the KV cache than the machine evaluates within the request's
`latency_budget_ms` (`Throughput.new_tokens`), builds it again with a token
budget of what the cache holds plus what fits, and marks it `budget_cut`.
`prefill` (an idle job) grows the cached prompt toward the whole one in steps
of about 0.3 s of evaluation, each step a prompt in itself, so a real request
that cancels it finds the last finished step in the cache.
"""

from __future__ import annotations

import dataclasses

from lsp_server.model.prompts import Prompt
from lsp_server.model.throughput import MIN_PROMPT_TOKENS
from lsp_server.model.types import CancelToken, CompletionRequest

STEP_S = 0.3  # evaluation time a prefill step adds to the cached prompt
CHUNK_S = 0.1  # evaluation between two cancel checks of a prefill


def fitted_prompt(engine, request: CompletionRequest, order: str | None) -> tuple[Prompt, list[int]]:
    """The prompt and its tokens, cut so that what the cache lacks evaluates within the budget."""
    prompt = engine.build_prompt(request, order=order)
    tokens = engine.prompt_tokens(prompt)
    allowed = engine.throughput.new_tokens(request.latency_budget_ms, request.max_tokens)
    if allowed is None or len(tokens) <= allowed:
        return prompt, tokens
    cached = engine.cached_of(tokens, request.path)
    if len(tokens) - cached <= allowed:
        return prompt, tokens
    prompt = dataclasses.replace(engine.build_prompt(request, order=order, budget=cached + allowed), budget_cut=True)
    return prompt, engine.prompt_tokens(prompt)


def prefill(engine, request: CompletionRequest, cancel: CancelToken) -> int:
    """Grow the cached prompt for `request` to the whole one; tokens evaluated (Cancelled if cancelled)."""
    request, _ = engine._heal(request)
    full = engine.prompt_tokens(engine.build_prompt(request))
    rate = engine.throughput.prompt_tps
    step = max(MIN_PROMPT_TOKENS, int(rate * STEP_S))
    chunk = max(16, min(512, int(rate * CHUNK_S) or 512))
    evaluated, size = 0, -1
    while size < len(full):
        cached = engine.cached_of(full, request.path)
        tokens = full if len(full) - cached <= step else engine.prompt_tokens(
            engine.build_prompt(request, budget=cached + step))
        if len(tokens) <= size:
            tokens = full  # the cut did not grow (it moves by whole blocks of lines): the rest at once
        size = len(tokens)
        evaluated += engine.evaluate(tokens, cancel, chunk, request.path)
    return evaluated
