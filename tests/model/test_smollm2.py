"""Smoke test on the real embedded model (SmolLM2-135M-Instruct): prefix-only completion and chat."""

from __future__ import annotations

import pytest

from lsp_server.model.types import CancelToken, ChatMessage, CompletionRequest

pytestmark = pytest.mark.slow


def test_smollm2_completes_and_chats(smollm2):
    result = smollm2.complete(CompletionRequest(prefix="def add(a, b):\n    return", suffix="\n", max_tokens=8),
                              CancelToken())
    assert result.prompt_format == "none" and 0 < result.generated_tokens <= 8
    reply = smollm2.chat([ChatMessage("user", "Say hello.")], CancelToken(), max_tokens=16)
    assert reply.text and reply.generated_tokens <= 16


def test_smollm2_heals_the_space_after_return(smollm2):
    before = smollm2.token_healing
    try:
        smollm2.token_healing = True
        for prefix in ("def total(cart):\n    return ", "def area(w, h):\n    return ", "def name(user):\n    return "):
            text = smollm2.complete(CompletionRequest(prefix=prefix, max_tokens=8), CancelToken()).text
            assert text and not text.startswith(" "), (prefix, text)
        healed = smollm2.complete(CompletionRequest(prefix="items = cart.it", max_tokens=4), CancelToken()).text
        assert healed.startswith("ems"), healed  # cart.items, not cart.it + a new token
    finally:
        smollm2.token_healing = before
