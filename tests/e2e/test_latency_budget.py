"""The latency budget end to end: a cut cold prompt is evaluated whole in idle time, so the next key is warm."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import start_server

SOURCE = "".join(f"def helper_{i}(value):\n    return value * {i} + {i % 7}\n\n\n" for i in range(40))
SOURCE += "def total(values):\n    result = 0\n    for value in values:\n        "


def end_of(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines) - 1, len(lines[-1])


async def test_a_prompt_cut_to_the_budget_is_prefilled_while_idle(workspace):
    # A 1 ms budget allows only the minimum prompt (128 tokens) on any machine.
    async with start_server(workspace, settings={"latencyBudgetMs": 1, "contextBudget": 0}) as lsp:
        uri = lsp.open("main.py", SOURCE)
        await lsp.inline(uri, *end_of(SOURCE))
        first = [job for job in (await lsp.status())["jobs"] if job["kind"] == "inline"][-1]
        await asyncio.sleep(1.5)  # the idle prefill of the whole prompt (milliseconds on the tiny model)
        typed = SOURCE + "r"
        lsp.change(uri, typed)
        await lsp.inline(uri, *end_of(typed))
        second = [job for job in (await lsp.status())["jobs"] if job["kind"] == "inline"][-1]
    assert first["promptTokens"] <= 140 < 600 < second["promptTokens"], (first, second)
    assert second["promptTokens"] - second["cachedTokens"] <= 8  # the whole prompt was already in the cache
