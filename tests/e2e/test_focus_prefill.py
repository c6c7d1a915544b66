"""`coderLsp/didFocus` end to end: the prompt where the user looks is evaluated while idle, and each
document's cache survives a visit to another file."""

from __future__ import annotations

from lsprotocol import types

from tests.e2e.conftest import start_server

SOURCE = "".join(f"def helper_{i}(value):\n    return value * {i} + {i % 7}\n\n\n" for i in range(40))
SOURCE += "def total(values):\n    result = 0\n    for value in values:\n        \n    return result\n"
LINE = SOURCE.split("\n").index("    for value in values:") + 1  # the empty line in the loop
OTHER = "".join(f"class Shape{i}:\n    sides = {i}\n\n    def area(self):\n        return {i} * {i}\n\n" for i in range(30))


def focus(lsp, uri: str, line: int, character: int) -> None:
    lsp.client.protocol.notify("coderLsp/didFocus", {"textDocument": {"uri": uri, "version": 1},
                                                     "position": {"line": line, "character": character}})


def jobs(status: dict, kind: str) -> list[dict]:
    return [job for job in status["jobs"] if job["kind"] == kind]


def prefilled(count: int):
    return lambda status: len([j for j in jobs(status, "prefill") if j["outcome"] == "prefilled"]) >= count


async def test_focus_prefills_the_prompt_so_the_first_key_there_is_warm(workspace):
    async with start_server(workspace, settings={"contextBudget": 0}) as lsp:
        uri = lsp.open("main.py", SOURCE)
        focus(lsp, uri, LINE, 8)
        status = await lsp.wait_status(prefilled(1))
        await lsp.inline(uri, LINE, 8)
        inline = jobs(await lsp.status(), "inline")[-1]
    prefill = [j for j in jobs(status, "prefill") if j["outcome"] == "prefilled"][-1]
    assert prefill["reason"] == "focus" and prefill["evaluatedTokens"] > 400
    assert inline["promptTokens"] - inline["cachedTokens"] <= 4, inline  # found it all evaluated


async def test_going_back_to_a_file_finds_its_prompt_still_evaluated(workspace):
    async with start_server(workspace, settings={"contextBudget": 0}) as lsp:
        main, other = lsp.open("main.py", SOURCE), lsp.open("shapes.py", OTHER)
        await lsp.inline(main, LINE, 8)
        await lsp.inline(other, 20, 0)  # another file's prompt replaces main.py's in the cache
        lines = SOURCE.split("\n")
        lines[LINE] += "t"  # back in main.py, one key typed
        lsp.change(main, "\n".join(lines))
        await lsp.inline(main, LINE, 9)
        status = await lsp.status()
        lsp.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(main)))
        await lsp.inline(other, 21, 0)  # the model thread drops the closed file's state before this job
        after_close = (await lsp.status())["model"]["document_states"]
    first, _, back = jobs(status, "inline")[-3:]
    assert first["cachedTokens"] < first["promptTokens"] // 4  # cold
    assert back["promptTokens"] - back["cachedTokens"] <= 8, back  # main.py's state was restored
    assert status["model"]["document_states"]["restores"] >= 1
    assert after_close["documents"] == 0, after_close  # main.py closed: its saved state went with it


async def test_bad_focus_params_are_ignored_and_the_server_keeps_serving(workspace):
    async with start_server(workspace) as lsp:
        uri = lsp.open("main.py", SOURCE)
        for params in (None, [], {"textDocument": 3}, {"textDocument": {"uri": uri}, "position": {"line": -1}},
                       {"textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": 0, "character": 0}},
                       {"textDocument": {"uri": uri}, "position": {"line": 2**40, "character": 0}}):
            lsp.client.protocol.notify("coderLsp/didFocus", params)
        status = await lsp.status()
    assert status["state"] == "ready" and not lsp.error_messages()


async def test_a_focus_while_the_model_loads_is_prefilled_once_it_is_loaded(workspace):
    slow = {"CODER_LSP_TEST_ENGINE": "load_delay_ms=1500"}
    async with start_server(workspace, settings={"contextBudget": 0}, env=slow, wait_ready=False) as lsp:
        uri = lsp.open("main.py", SOURCE)
        focus(lsp, uri, 3, 0)  # looked at first, then here: only the last counts
        focus(lsp, uri, LINE, 8)
        assert (await lsp.status())["state"] == "loading"
        status = await lsp.wait_status(prefilled(1))
    done = [j for j in jobs(status, "prefill") if j["outcome"] == "prefilled"]
    assert len(done) == 1 and done[0]["offset"] == SOURCE.index("    for value in values:\n") + 25 + 8


async def test_closing_an_untitled_document_drops_its_state(workspace):
    untitled = "untitled:Untitled-1"  # no file path: its state key is the URI's path part
    async with start_server(workspace, settings={"contextBudget": 0}) as lsp:
        lsp.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=untitled, language_id="python", version=1, text=SOURCE)))
        other = lsp.open("shapes.py", OTHER)
        await lsp.inline(untitled, LINE, 8)
        await lsp.inline(other, 20, 0)  # the untitled document's cells are saved
        saved = (await lsp.status())["model"]["document_states"]
        lsp.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(untitled)))
        await lsp.inline(other, 21, 0)
        after_close = (await lsp.status())["model"]["document_states"]
    assert saved["documents"] == 1, saved
    assert after_close["documents"] == 0, after_close
