"""Next-edit suggestions end to end: `textDocument/copilotInlineEdit` on the real server over stdio.

The Qwen2.5-Coder tiny fixture (random weights, the `<|file_sep|>` tokens the
sweep-next-edit models use) runs the sweep format through real llama.cpp;
its gibberish never makes a whole window, so the real-model answer is
silence, with the job's tokens pinned. The scripted engine
(`rename=width>w`) still runs the real model, then answers the window with
the rename carried on, for the cases that need a real suggestion.
"""

from __future__ import annotations

import asyncio

import pytest
from pygls.exceptions import JsonRpcRequestCancelled

from tests.conftest import QWEN_MODEL
from tests.e2e.conftest import start_server

INLINE_EDIT = "textDocument/copilotInlineEdit"
SOURCE = "def area(width, height):\n    return width * height\n\n\nprint(area(2, 3))\n"
RENAMED = SOURCE.replace("(width,", "(w,")
QWEN = {"model": {"path": str(QWEN_MODEL)}}
RENAME = {"CODER_LSP_TEST_ENGINE": "rename=width>w"}
SLOW_RENAME = {"CODER_LSP_TEST_ENGINE": "rename=width>w,delay_ms=60,rename_tokens=20"}


def params(lsp, uri: str, line: int = 0, character: int = 10) -> dict:
    return {"textDocument": {"uri": uri, "version": lsp.versions[uri]},
            "position": {"line": line, "character": character}}


def plain(value):
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


async def ask(lsp, uri: str, **where):
    return plain(await lsp.send(INLINE_EDIT, params(lsp, uri, **where))[1])


def next_edit_jobs(status: dict) -> list[dict]:
    return [job for job in status["jobs"] if job["kind"] == "next-edit"]


async def renamed_file(lsp) -> str:
    uri = lsp.open("geometry.py", SOURCE)  # on disk as opened: the first change is measured from it
    lsp.change(uri, RENAMED)
    return uri


async def test_real_model_runs_the_sweep_format_and_answers_silence(workspace):
    async with start_server(workspace, settings=QWEN) as lsp:
        uri = await renamed_file(lsp)
        assert await ask(lsp, uri) == {"edits": []}
        [job] = next_edit_jobs(await lsp.status())
        assert (job["format"], job["outcome"], job["finish"]) == ("sweep", "silent", "length")
        assert job["promptTokens"] > 40 and job["tokens"] > 0
        assert job["relatedFiles"] == []  # nothing in the workspace relates to geometry.py


async def test_repository_context_reaches_the_prompt(workspace):
    async with start_server(workspace, settings=QWEN, env=RENAME) as lsp:
        await lsp.wait_status(lambda s: (s.get("index") or {}).get("ready"))
        uri = lsp.open("geometry.py", "from util import add\n\n" + SOURCE.replace("width * height", "add(width, height)"))
        lsp.change(uri, "from util import add\n\n" + RENAMED.replace("width * height", "add(width, height)"))
        await ask(lsp, uri, line=2)
        [job] = next_edit_jobs(await lsp.status())
        assert job["relatedFiles"] == ["util.py"]


async def test_a_rename_is_carried_to_its_use_in_copilots_wire_format(workspace):
    async with start_server(workspace, settings=QWEN, env=RENAME) as lsp:
        uri = await renamed_file(lsp)
        answer = await ask(lsp, uri)
        assert answer == {"edits": [{
            "text": "",
            "textDocument": {"uri": uri, "version": 2},
            "range": {"start": {"line": 1, "character": 12}, "end": {"line": 1, "character": 16}},
            "command": {"title": "Accept next edit", "command": "coderLsp.didAcceptNextEdit", "arguments": [uri]},
        }]}
        lsp.client.protocol.notify("textDocument/didShowInlineEdit", {"item": answer["edits"][0]})
        lsp.change(uri, RENAMED.replace("width *", "w *"))
        await lsp.command("coderLsp.didAcceptNextEdit", uri)
        assert await ask(lsp, uri, line=1) == {"edits": []}  # nothing left to rename
        status = await lsp.status()
        assert [job["outcome"] for job in next_edit_jobs(status)] == ["edit", "silent"]
        assert (status["jobOutcomes"]["next-edit:shown"], status["jobOutcomes"]["next-edit:accepted"]) == (1, 1)


async def test_a_request_for_an_old_version_or_with_bad_params_gets_no_edit(workspace):
    async with start_server(workspace, settings=QWEN, env=RENAME) as lsp:
        uri = await renamed_file(lsp)
        old = params(lsp, uri)
        old["textDocument"]["version"] = 1
        assert plain(await lsp.send(INLINE_EDIT, old)[1]) == {"edits": []}
        for bad in ({}, {"textDocument": {"uri": 5}, "position": {}}, {"textDocument": {"uri": uri},
                                                                        "position": {"line": -1, "character": 0}}):
            with pytest.raises(Exception, match="copilotInlineEdit needs"):
                await lsp.send_raw(INLINE_EDIT, bad)
        unopened = {"textDocument": {"uri": "file:///nowhere.py", "version": 1}, "position": {"line": 0, "character": 0}}
        assert plain(await lsp.send(INLINE_EDIT, unopened)[1]) == {"edits": []}
        far = params(lsp, uri, line=10_000, character=10_000)  # clamped to the end, like every position
        [edit] = plain(await lsp.send(INLINE_EDIT, far)[1])["edits"]
        assert edit["range"] == {"start": {"line": 1, "character": 12}, "end": {"line": 1, "character": 16}}
        assert [job["outcome"] for job in next_edit_jobs(await lsp.status())] == ["edit"]
        await lsp.inline(uri, 0, 0)  # still serving


async def test_cancel_stale_and_superseded(workspace):
    async with start_server(workspace, settings=QWEN, env=SLOW_RENAME) as lsp:
        uri = await renamed_file(lsp)
        msg_id, cancelled = lsp.send(INLINE_EDIT, params(lsp, uri))
        await lsp.wait_status(lambda s: any(j["outcome"] == "running" for j in next_edit_jobs(s)))
        lsp.cancel(msg_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await cancelled
        _, first = lsp.send(INLINE_EDIT, params(lsp, uri))
        _, second = lsp.send(INLINE_EDIT, params(lsp, uri))
        assert plain(await first) == {"edits": []}  # superseded by the newer request for the document
        _, stale = lsp.send(INLINE_EDIT, params(lsp, uri))
        await asyncio.sleep(0.3)
        lsp.change(uri, RENAMED + "# more\n")
        assert plain(await stale) == {"edits": []}
        await second
        outcomes = [job["outcome"] for job in next_edit_jobs(await lsp.status())]
        assert outcomes[0] == "cancelled" and outcomes[1] == "superseded" and outcomes[-1] == "stale", outcomes


async def test_ghost_text_outranks_a_running_next_edit(workspace):
    async with start_server(workspace, settings={**QWEN, "maxTokens": 4}, env=SLOW_RENAME) as lsp:
        uri = await renamed_file(lsp)
        _, suggestion = lsp.send(INLINE_EDIT, params(lsp, uri))
        await lsp.wait_status(lambda s: any(j["outcome"] == "running" for j in next_edit_jobs(s)))
        await lsp.inline(uri, 4, 0)
        assert plain(await suggestion) == {"edits": []}
        status = await lsp.status()
        assert next_edit_jobs(status)[0]["outcome"] == "superseded"
        assert [j["outcome"] for j in status["jobs"] if j["kind"] == "inline"] != ["superseded"]


async def test_next_edit_can_be_switched_off(workspace):
    async with start_server(workspace, settings={**QWEN, "nextEdit": {"enable": False}}, env=RENAME) as lsp:
        uri = await renamed_file(lsp)
        assert await ask(lsp, uri) == {"edits": []}
        assert next_edit_jobs(await lsp.status()) == []
