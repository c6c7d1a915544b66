"""A 1 MB, 45,000-line document over LSP: opening and editing it never stalls the event loop.

The fuzzer found the server silent for over 10 s after such a didOpen:
tree-sitter held the GIL for a whole parse of the document (the index and the
completion's context both parse it), so every request queued behind waited.
Here the document is opened, edited key by key, and completed in, with a
status request and a code action in the middle: each is answered (generous
timeouts, so a slow machine passes and a hang fails), and the server's cursor
offset for the last version is the one the edits lead to.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from tests.e2e.conftest import start_server

BLOCK = "def f(x):\n    return x + 1  # a line of about twenty-two bytes\n"


def big_text() -> str:
    text = BLOCK * 22_500
    assert text.count("\n") == 45_000 and len(text) > 1_000_000
    return text


def insert(lsp, uri: str, line: int, character: int, text: str) -> None:
    lsp.versions[uri] += 1
    where = types.Range(types.Position(line, character), types.Position(line, character))
    lsp.client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(lsp.versions[uri], uri),
        [types.TextDocumentContentChangePartial(range=where, text=text)]))


async def test_a_megabyte_document_is_opened_edited_and_completed_in(workspace):
    async with start_server(workspace, settings={"maxTokens": 8}) as lsp:
        text = big_text()
        uri = lsp.open("big.py", text)
        for column, key in enumerate("total"):  # typed at the start of line 30,001's body
            insert(lsp, uri, 30_001, 11 + column, key)
        _, completion = lsp.send(types.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.inline_params(uri, 30_001, 16))
        status = await asyncio.wait_for(lsp.status(), 60)  # not stuck behind the big document's work
        assert status["state"] == "ready"
        actions = await asyncio.wait_for(lsp.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), types.Range(types.Position(10, 0), types.Position(10, 5)),
            types.CodeActionContext(diagnostics=[]))), 60)
        assert actions is None or isinstance(actions, list)
        result = await asyncio.wait_for(completion, 240)
        assert result is None or isinstance(result, (list, types.InlineCompletionList))
        status = await asyncio.wait_for(lsp.status(), 60)
        jobs = [job for job in status["jobs"] if job.get("kind") == "inline" and job.get("version") == 6]
        expected = len(BLOCK) * 15_000 + len("def f(x):\n") + 11 + 5  # line 30,001 is a block's second line
        assert jobs and jobs[-1]["offset"] == expected
