"""Bad input: unknown documents, wild positions, malformed params, huge and odd text, floods.

Each test checks the server answers exactly once, sensibly, and keeps
serving afterwards (a `coderLsp.status` round trip at the end). The protocol
tests at the end talk bytes (`bench/rawlsp.py`), so they can send what no
well-behaved client would and read what comes back strictly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from bench.rawlsp import RawServer, initialize_params
from lsp_server.protocol_io import BODY_LIMIT
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
    # Plain decoding: steered towards `add`, the random-weight model writes text no parse accepts here.
    async with start_server(workspace, settings={"maxTokens": 16, "contextGuidance": False}) as lsp:
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


# --- the protocol itself, byte by byte (bench/rawlsp.py: strict about what comes back) ---------------

RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}


@contextlib.asynccontextmanager
async def raw_server(workspace, initialize: bool = True):
    server = RawServer(workspace)
    await server.start(initialize=initialize)
    if initialize:
        await server.wait_ready()
    try:
        yield server
    finally:
        await server.stop()


async def still_serving(server: RawServer) -> None:
    status = await server.request("workspace/executeCommand", {"command": "coderLsp.status"}, timeout=30)
    assert status["state"] in ("loading", "ready")
    assert server.alive and not server.bad_frames


async def test_non_finite_numbers_never_go_out_as_non_json(workspace):
    async with raw_server(workspace) as server:
        uri = (workspace / "util.py").as_uri()
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": "x = 1\n"}})
        asked = []
        for literal in (b"1e400", b"-1e400", b"NaN", b"Infinity"):  # Python's json reads all four
            msg_id = f"nan-{len(asked)}"
            body = (b'{"jsonrpc": "2.0", "id": "%s", "method": "textDocument/codeAction", "params": {"textDocument":'
                    b' {"uri": "%s"}, "range": %s, "context": {"diagnostics": [{"range": %s, "message": "m",'
                    b' "data": %s}]}}}') % (msg_id.encode(), uri.encode(), json.dumps(RANGE).encode(),
                                           json.dumps(RANGE).encode(), literal)
            server.expect(msg_id)
            server.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            asked.append(msg_id)
        for msg_id in asked:
            answer = await server.wait(msg_id, 30)
            assert [action["diagnostics"][0]["data"] for action in answer["result"]] == [None, None]
        await still_serving(server)


INVALID_REQUESTS = {
    "no jsonrpc": {"id": "bad-1", "method": "coderLsp/anything"},
    "jsonrpc 1.0": {"jsonrpc": "1.0", "id": "bad-2", "method": "textDocument/completion", "params": {}},
    "an error we did not ask for": {"jsonrpc": "2.0", "id": "bad-3", "error": {"code": 1, "message": "x"}},
    "no method": {"jsonrpc": "2.0", "id": "bad-4"},
    "a method that is not a string": {"jsonrpc": "2.0", "id": "bad-5", "method": 7, "params": {}},
    "a request with a result": {"jsonrpc": "2.0", "id": 16_000_000, "method": "shutdown", "result": 1},
    "a notification sent with an id": {"jsonrpc": "2.0", "id": "bad-7", "method": "window/workDoneProgress/cancel",
                                       "params": {"token": "t"}},
}


async def test_every_message_with_an_id_is_answered_invalid_request(workspace):
    async with raw_server(workspace) as server:
        for message in INVALID_REQUESTS.values():
            server.expect(message["id"])
            server.send_message(message)
        server.send_message({"jsonrpc": "2.0", "id": {"an": "object"}, "method": "shutdown"})  # no usable id
        for name, message in INVALID_REQUESTS.items():
            answer = await server.wait(message["id"], 10)
            assert answer["error"]["code"] == -32600, name
            assert len(server.answers[message["id"]]) == 1
        assert (await server.wait(None, 10))["error"]["code"] == -32600
        await still_serving(server)


async def test_requests_before_initialize_get_server_not_initialized(workspace):
    async with raw_server(workspace, initialize=False) as server:
        server.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x.py", "languageId": "python",
                                                                "version": 1, "text": "x"}})  # dropped
        early = server.send("workspace/executeCommand", {"command": "coderLsp.status"})
        answer = await server.wait(early, 10)
        assert answer["error"]["code"] == -32002 and "data" not in answer["error"]
        await server.request("initialize", initialize_params(workspace, server.settings), timeout=60)
        server.notify("initialized", {})
        await still_serving(server)
        assert not server.error_popups()


async def test_only_the_first_initialize_and_initialized_count(workspace):
    async with raw_server(workspace) as server:
        uri = (workspace / "util.py").as_uri()
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": "x = 1\n"}})
        async def settled():
            while not ((await server.request("workspace/executeCommand", {"command": "coderLsp.status"}))
                       .get("index") or {}).get("ready"):
                await asyncio.sleep(0.05)
            await asyncio.sleep(1)  # the grammar warm-up thread ends

        await asyncio.wait_for(settled(), 30)
        before = server.proc_stats()
        for _ in range(10):
            server.notify("initialized", {})
        again = server.send("initialize", initialize_params(workspace, server.settings))
        assert (await server.wait(again, 10))["error"]["code"] == -32600
        await asyncio.sleep(2)
        await still_serving(server)
        assert server.server_requests.count("client/registerCapability") == 1  # one watcher registration
        after = server.proc_stats()
        assert (after["threads"], after["fds"]) == (before["threads"], before["fds"])
        actions = await server.request("textDocument/codeAction", {  # the open document is still there
            "textDocument": {"uri": uri}, "range": RANGE, "context": {"diagnostics": [{"range": RANGE, "message": "m"}]}})
        assert len(actions) == 2


async def test_positions_at_and_past_two_to_the_31_answer_cleanly(workspace):
    async with raw_server(workspace) as server:
        uri = (workspace / "util.py").as_uri()
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": "x = 1\n"}})
        for big in (2**31 - 1, 2**31, 2**32, 2**63):
            position = {"line": big, "character": big}
            diagnostic = {"range": {"start": position, "end": position}, "message": "m"}
            server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                     "contentChanges": [{"range": diagnostic["range"], "text": "Q"}]})
            for command in ("coderLsp.explainDiagnostic", "coderLsp.fixDiagnostic"):
                answer = await server.wait(server.send("workspace/executeCommand", {
                    "command": command, "arguments": [{"uri": uri, "diagnostic": diagnostic}]}), 30)
                assert answer.get("error", {}).get("code") in (None, -32602), (big, command, answer)
        await still_serving(server)
        assert not server.error_popups()


async def test_malformed_notifications_and_bodies_are_logged_not_shown(workspace):
    async with raw_server(workspace) as server:
        server.notify("textDocument/didOpen", {"textDocument": {"uri": 5}})
        server.notify("textDocument/didChange", {"textDocument": {"uri": "file:///nowhere.py", "version": "x"}})
        server.notify("textDocument/didClose", None)
        server.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": None, "type": 99}]})
        for body in (b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'"text"', b"{}", b"[" * 100_000):
            server.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await still_serving(server)
        assert not server.error_popups()


async def test_an_oversized_message_is_dropped_and_the_server_keeps_serving(workspace):
    async with raw_server(workspace) as server:
        size = BODY_LIMIT + 1
        server.write(b"Content-Length: %d\r\n\r\n" % size)
        chunk = b"x" * (1 << 20)
        for start in range(0, size, len(chunk)):
            server.write(chunk[: size - start])
            await server.process.stdin.drain()
        await still_serving(server)
        assert not server.error_popups()
        assert server.proc_stats()["rssMb"] < 400
