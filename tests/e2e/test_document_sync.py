"""The server's copy of a document follows the client's under LSP's line-break rules.

Only `\\n`, `\\r\\n` and `\\r` end a line. Each case opens a document, edits it
incrementally as a client would, asks for an inline completion, and reads
the cursor offset the server computed (its job log in `coderLsp.status`):
the offset is only right when the server holds the client's text and counts
lines as the client does. Expected offsets are worked out by hand below.
"""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.e2e.conftest import start_server


def insert(lsp, uri: str, version: int, line: int, character: int, text: str) -> None:
    position = types.Position(line, character)
    lsp.client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version, uri),
        [types.TextDocumentContentChangePartial(range=types.Range(position, position), text=text)],
    ))


async def cursor_offset(lsp, uri: str, line: int, character: int) -> int:
    await asyncio.wait_for(lsp.inline(uri, line, character), 60)
    status = await lsp.status()
    job = [job for job in status["jobs"] if job["uri"] == uri][-1]
    return job["offset"]


CASES = [
    # "a = 1\x0cb = 2\n" is line 0 (the form feed is no break): 12 characters; then "Qc = 3".
    ("ff.py", "a = 1\x0cb = 2\nc = 3\n", [(1, 0, "Q")], [((1, 0), 12), ((1, 99), 18)]),
    # Bare \r endings: line 1 starts after "x = 1\r", at 6; its end is 6 + len("y = 2").
    ("cr.py", "x = 1\ry = 2\r", [], [((1, 0), 6), ((1, 99), 11)]),
    # An edit past the end of the last line lands at its end: "abc\n", so line 0 ends at 3.
    ("past.py", "abc", [(0, 10, "\n")], [((0, 99), 3), ((1, 0), 4)]),
    # U+2028, NEL, VT and FS are no breaks either: line 0 is 6 characters and its \n, so "Qz" starts at 7.
    ("sep.py", "x\u2028y\x85\x0b\x1c\nz", [(1, 0, "Q")], [((1, 0), 7), ((1, 1), 8)]),
    # A surrogate pair is two UTF-16 units: column 3 is after "a😀".
    ("pair.py", "a😀b\n", [], [((0, 3), 2), ((0, 2), 1)]),
]


@pytest.mark.parametrize("name,text,edits,requests", CASES, ids=[case[0] for case in CASES])
async def test_server_text_and_offsets_follow_the_client(workspace, name, text, edits, requests):
    async with start_server(workspace) as lsp:
        uri = (workspace / name).as_uri()
        lsp.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
        for version, (line, character, new_text) in enumerate(edits, start=2):
            insert(lsp, uri, version, line, character, new_text)
        for (line, character), expected in requests:
            assert await cursor_offset(lsp, uri, line, character) == expected, (line, character)
