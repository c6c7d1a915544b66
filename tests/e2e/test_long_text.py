"""Hostile text over LSP: very long names, lines and runs of letters never kill or hang the server.

A 30,000-letter run reaching llama.cpp's tokenizer crashed the process; a
completion after a long run of word characters took quadratic time in the
context ranking. The server runs in its own process, so a crash shows here
as a failed request, and every later request must still be answered.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from tests.e2e.conftest import start_server

CHAT = {"chatMaxTokens": 8}


async def still_alive(lsp) -> None:
    status = await asyncio.wait_for(lsp.status(), 30)
    assert status["state"] == "ready"


def open_raw(lsp, uri: str, text: str) -> None:
    lsp.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))


async def test_completion_in_an_untitled_document_with_a_huge_name(workspace):
    async with start_server(workspace) as lsp:
        uri = "untitled:" + "a" * 100_000
        open_raw(lsp, uri, "def f():\n    return ")
        result = await asyncio.wait_for(lsp.inline(uri, 1, 11), 60)
        assert result is None or isinstance(result, (list, types.InlineCompletionList))
        await still_alive(lsp)


async def test_explain_on_a_forty_thousand_letter_line(workspace):
    async with start_server(workspace, settings=CHAT) as lsp:
        text = "data = '" + "A" * 40_000 + "'\nprint(dat)\n"
        uri = lsp.open("big.py", text)
        diagnostic = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 40_009}},
                      "message": "line too long", "severity": 1, "source": "ruff"}
        markdown = await asyncio.wait_for(lsp.command("coderLsp.explainDiagnostic", uri, diagnostic), 120)
        assert markdown.startswith("### line too long")
        await still_alive(lsp)


async def test_completion_at_the_end_of_long_runs_of_word_characters(workspace):
    async with start_server(workspace) as lsp:
        for name, line in (("run.py", "x = " + "a" * 40_000), ("huge.py", "y = " + "b" * 5_000_000),
                           ("dotted.py", "import os\nz = " + "os." * 20_000)):
            uri = lsp.open(name, line)
            result = await asyncio.wait_for(lsp.inline(uri, line.count("\n"), len(line.rsplit("\n", 1)[-1])), 60)
            assert result is None or isinstance(result, (list, types.InlineCompletionList))
        await still_alive(lsp)
