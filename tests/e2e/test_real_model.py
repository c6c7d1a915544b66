"""Smoke test on the real embedded model (SmolLM2-135M-Instruct, ~100 MB): words, not gibberish.

Marked slow: it loads a real model on the CPU. The tiny random-weight
models cover behaviour everywhere else.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import start_server

pytestmark = pytest.mark.slow

SOURCE = "def area(width, height):\n    return width * heigth\n"
DIAGNOSTIC = {
    "range": {"start": {"line": 1, "character": 19}, "end": {"line": 1, "character": 25}},
    "message": '"heigth" is not defined',
    "source": "pyright",
}


async def test_embedded_model_explains_and_completes(workspace):
    async with start_server(workspace, settings={"model": {}, "chatMaxTokens": 80, "maxTokens": 16}) as lsp:
        status = await lsp.status()
        assert status["state"] == "ready", status["error"]
        assert status["promptFormat"] == "none"  # a chat model: prefix-only completion
        uri = lsp.open("geometry.py", SOURCE)
        markdown = await lsp.command("coderLsp.explainDiagnostic", {"uri": uri, "diagnostic": DIAGNOSTIC})
        body = markdown.split("\n\n", 2)[2]
        assert sum(word.isalpha() for word in body.split()) >= 5  # prose, in words
        result = await lsp.inline(uri, 1, len("    return "))
        # Pinned: greedy decoding on a fixed model is deterministic, and this one writes code.
        assert result.items[0].insert_text == "0.5 * width * height"
