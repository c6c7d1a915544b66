"""Bad input: unknown documents, wild positions, malformed params, huge and odd text, floods.

Each test checks the server answers exactly once, sensibly, and keeps
serving afterwards (a `coderLsp.status` round trip at the end).
"""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from tests.e2e.conftest import PYTHON_SOURCE, start_server

EMOJI_LINE = 's = "😀é中文" + x'


def inline_jobs(status: dict) -> list[dict]:
    return [job for job in status["jobs"] if job["kind"] == "inline"]


async def test_unknown_document(workspace):
    async with start_server(workspace) as lsp:
        unknown = (workspace / "never-opened.py").as_uri()
        assert await lsp.inline(unknown, 0, 0) is None
        actions = await lsp.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(unknown),
                types.Range(types.Position(0, 0), types.Position(0, 0)),
                types.CodeActionContext(diagnostics=[]),
            )
        )
        assert actions is None
        assert (await lsp.status())["state"] == "ready"


async def test_change_to_a_document_never_opened_is_ignored_quietly(workspace):
    async with start_server(workspace) as lsp:
        unknown = (workspace / "never-opened.py").as_uri()
        lsp.versions[unknown] = 1
        lsp.change(unknown, "x = 1\n")
        uri = lsp.open("main.py", PYTHON_SOURCE)
        lsp.change(uri, PYTHON_SOURCE + "\n")  # the next document still syncs
        assert (await lsp.status())["state"] == "ready"
        assert await lsp.inline(unknown, 0, 5) is None
        assert not lsp.error_messages()


async def test_positions_past_the_end_are_clamped(workspace):
    cases = [(0, 10_000, len("x = 1")), (10_000, 3, len("x = 1\ny = 2\n")), (1, 2, len("x = 1\ny "))]
    async with start_server(workspace) as lsp:
        for number, (line, character, expected_offset) in enumerate(cases):
            uri = lsp.open(f"short{number}.py", "x = 1\ny = 2\n")
            await lsp.inline(uri, line, character)
            assert [job["offset"] for job in inline_jobs(await lsp.status()) if job["uri"] == uri] == [expected_offset]


NON_ASCII_CASES = {
    "utf-16": [
        (7, 6),  # after 's = "' (5 units) and the emoji (2 units)
        (8, 7),  # after é
        (10, 9),  # after 中文
        (6, 5),  # inside the surrogate pair: rounds down to before the emoji
    ],
    "utf-8": [
        (9, 6),  # 's = "' (5 bytes) + 😀 (4 bytes)
        (11, 7),  # + é (2 bytes)
        (17, 9),  # + 中文 (3 bytes each)
        (7, 5),  # inside the emoji's bytes: rounds down
    ],
}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
async def test_non_ascii_positions_in_both_encodings(workspace, encoding):
    text = f"# header\n{EMOJI_LINE}\n"
    async with start_server(workspace, encodings=[encoding]) as lsp:
        for number, (character, expected_index) in enumerate(NON_ASCII_CASES[encoding]):
            uri = lsp.open(f"chars{number}.py", text)
            await lsp.inline(uri, 1, character)
            offsets = [job["offset"] for job in inline_jobs(await lsp.status()) if job["uri"] == uri]
            assert offsets == [len("# header\n") + expected_index], (character, expected_index)


async def test_malformed_params_get_invalid_params_and_the_server_keeps_serving(workspace):
    async with start_server(workspace) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        bad = {"textDocument": {"uri": uri}, "position": {"line": "seven"}}
        with pytest.raises(JsonRpcInvalidParams):
            await lsp.send_raw(types.TEXT_DOCUMENT_INLINE_COMPLETION, bad)
        with pytest.raises(JsonRpcInvalidParams):
            await lsp.send_raw(types.TEXT_DOCUMENT_CODE_ACTION, {"textDocument": 5})
        with pytest.raises(JsonRpcInvalidParams):
            await lsp.command("coderLsp.explainDiagnostic", {"uri": uri, "diagnostic": {"message": 3}})
        assert (await lsp.status())["state"] == "ready"
        await lsp.inline(uri, 7, 8)


async def test_ten_megabyte_document(workspace):
    block = "def f{0}(x):\n    return x * {0}\n\n"
    text = "".join(block.format(i) for i in range(10_000_000 // len(block.format(99999)) + 1))
    assert len(text) >= 10_000_000
    async with start_server(workspace) as lsp:
        uri = lsp.open("big.py", text)
        line = text.count("\n")
        result = await lsp.inline(uri, line, 0)
        middle = await lsp.inline(uri, line // 2, 4)
        status = await lsp.status()
        assert [job["outcome"] for job in inline_jobs(status)] in (["stop", "stop"], ["length", "length"], ["stop", "length"], ["length", "stop"])
        assert result.items[0].insert_text.strip()  # the fixture model is deterministic: a suggestion
        assert middle is None  # ...and mid-line, text that post-processing rejects


async def test_lone_surrogates(workspace):
    # At `value = ` the healed fixture model writes `$ont...`, which no Python parses, with or without
    # the surrogates; after `return ` it writes an identifier, so that is where a suggestion is pinned.
    text = "name = 'a\ud800b'\n# \udc00 odd\ndef odd():\n    return "
    async with start_server(workspace) as lsp:
        uri = lsp.open("odd.py", text)
        result = await lsp.inline(uri, 3, len("    return "))
        # In spite of the surrogates: the same suggestion as for this text without them (deterministic).
        assert result.items[0].insert_text == "nm"
        job = inline_jobs(await lsp.status())[0]
        assert job["outcome"] in ("stop", "length") and job["offset"] == len(text)


async def test_a_thousand_requests_in_a_second_only_the_newest_runs(workspace):
    async with start_server(workspace, settings={"maxTokens": 16}) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        before = (await lsp.status())["memoryRssMb"]
        answers = []
        for round_number in range(10):
            for _ in range(100):
                answers.append(lsp.send(types.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.inline_params(uri, 7, 8))[1])
            await asyncio.sleep(0.1)
        results = await asyncio.gather(*answers)
        status = await lsp.wait_status(lambda s: s["state"] == "ready")
        outcomes = status["jobOutcomes"]
        ran = sum(count for name, count in outcomes.items() if name in ("inline:stop", "inline:length"))
        assert sum(outcomes.values()) + status["cache"]["hits"] == 1000
        assert ran <= 20  # each newer request supersedes the queued and running older ones
        assert results[-1].items[0].insert_text  # the newest request is answered, with text
        assert status["memoryRssMb"] - before < 100
