"""Smoke test on the real embedded model (SmolLM2-135M-Instruct, ~100 MB): words, not gibberish.

Marked slow: it loads a real model on the CPU. The tiny random-weight
models cover behaviour everywhere else.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import start_server

pytestmark = pytest.mark.slow

SOURCE = "def area(width, height):\n    return width * heigth\n"
# A type error needs judgement, so the model explains it (`"heigth" is not defined` would be
# answered from the file by the tools alone, without the model).
DIAGNOSTIC = {
    "range": {"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 25}},
    "message": 'Operator "*" not supported for types "int" and "str"',
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
        assert not body.startswith("The model could not explain this"), body  # the model's own reply
        assert sum(word.isalpha() for word in body.split()) >= 5  # prose, in words
        explained_by = [job.get("model", "") for job in (await lsp.status())["jobs"] if job["kind"] == "explain"]
        assert len(explained_by) == 1 and "smollm2" in explained_by[0].lower(), explained_by
        result = await lsp.inline(uri, 1, len("    return "))
        # Pinned: greedy decoding on a fixed model is deterministic, and this one writes code.
        # (Token healing changed it from "0.5 * width * height": the prompt no longer ends in a lone space.)
        assert result.items[0].insert_text == "width * height"
