"""Inline completion end to end: the real server, the real llama.cpp engine, tiny models.

Random weights write gibberish, so these tests assert behaviour: structure
of the answer, which jobs ran on the model thread and how they ended,
cancellation within a token, stale and superseded answers being None.
Timing-controlled cases wrap the real engine with a per-token delay
(`CODER_LSP_TEST_ENGINE=delay_ms=...`).
"""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.conftest import DEEPSEEK_MODEL
from tests.e2e.conftest import FAILING, PYTHON_SOURCE, SLOW, start_server

LONG = {"maxTokens": 400, "multiline": "always"}


def end_of(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines) - 1, len(lines[-1])


# What the DeepSeek fixture model starts its suggestion with after "# a comment about the " (greedy
# decoding on fixed random weights: the same on every run; a change here means the prompt changed).
COMMENT_SUGGESTION = "Arc която designers"


def inline_jobs(status: dict) -> list[dict]:
    return [job for job in status["jobs"] if job["kind"] == "inline"]


async def test_happy_path_answers_at_the_cursor(workspace):
    async with start_server(workspace) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        line, character = end_of(PYTHON_SOURCE)
        result = await lsp.inline(uri, line, character)
        status = await lsp.status()
        assert status["state"] == "ready"
        jobs = inline_jobs(status)
        assert len(jobs) == 1 and jobs[0]["tokens"] > 0
        assert jobs[0]["offset"] == len(PYTHON_SOURCE)
        if result is not None:  # post-processing may reject gibberish; what it keeps must fit
            item = result.items[0]
            assert item.insert_text.strip()
            assert item.range.start == types.Position(line, character) == item.range.end


async def test_disabled_by_settings(workspace):
    # Each configuration is swapped in whole; none of them touches the model settings.
    cases = [{"enable": False}, {"languages": {"python": False}}, {"enableInlineCompletion": False}]
    async with start_server(workspace, settings=cases[0]) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        for settings in cases:
            lsp.client.set_configuration({"model": {"path": str(DEEPSEEK_MODEL)}, **settings}, section="coderLsp")
            lsp.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
            await lsp.status()
            assert await lsp.inline(uri, *end_of(PYTHON_SOURCE)) is None
            completion = await lsp.client.text_document_completion_async(
                types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(*end_of(PYTHON_SOURCE)))
            )
            assert completion is None
        status = await lsp.status()
        assert inline_jobs(status) == [] and [s["state"] for s in lsp.statuses].count("loading") == 1


async def test_cancel_request_stops_generation_within_a_token(workspace):
    async with start_server(workspace, settings=LONG, env=SLOW) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        msg_id, answer = lsp.send(types.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.inline_params(uri, *end_of(PYTHON_SOURCE)))
        await lsp.wait_status(lambda s: any(j["tokens"] >= 2 for j in inline_jobs(s)))
        lsp.cancel(msg_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await answer
        status = await lsp.wait_status(lambda s: s["state"] == "ready")
        job = inline_jobs(status)[0]
        assert job["outcome"] == "cancelled"
        tokens_at_cancel = job["tokens"]
        await asyncio.sleep(0.3)  # had generation gone on, tokens would keep counting
        assert inline_jobs(await lsp.status())[0]["tokens"] <= tokens_at_cancel + 1 < LONG["maxTokens"]


async def test_newer_request_supersedes_older(workspace):
    async with start_server(workspace, settings=LONG, env=SLOW) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        position = end_of(PYTHON_SOURCE)
        _, first = lsp.send(types.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.inline_params(uri, *position))
        await lsp.wait_status(lambda s: any(j["tokens"] >= 1 for j in inline_jobs(s)))
        second_id, second = lsp.send(types.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.inline_params(uri, *position))
        assert await first is None
        lsp.cancel(second_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await second
        outcomes = [job["outcome"] for job in inline_jobs(await lsp.status())]
        assert outcomes[0] == "superseded"


async def test_other_requests_answered_while_generating(workspace):
    async with start_server(workspace, settings=LONG, env=SLOW) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        other = lsp.open("other.py", "x = 1\n")
        msg_id, answer = lsp.send(types.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.inline_params(uri, *end_of(PYTHON_SOURCE)))
        await lsp.wait_status(lambda s: s["state"] == "busy")  # busy once it lasts a moment
        actions = await lsp.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(other),
                types.Range(types.Position(0, 0), types.Position(0, 1)),
                types.CodeActionContext(diagnostics=[]),
            )
        )
        assert actions is None and any(s["state"] == "busy" for s in lsp.statuses)
        assert not answer.done()
        lsp.cancel(msg_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await answer


async def test_edit_while_generating_answers_none(workspace):
    async with start_server(workspace, settings={"maxTokens": 40, "multiline": "always"}, env=SLOW) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        _, answer = lsp.send(types.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.inline_params(uri, *end_of(PYTHON_SOURCE)))
        await lsp.wait_status(lambda s: any(j["tokens"] >= 1 for j in inline_jobs(s)))
        lsp.change(uri, PYTHON_SOURCE + "total += value\n")
        assert await answer is None
        assert inline_jobs(await lsp.status())[0]["outcome"] in ("stop", "length")


async def test_engine_failure_answers_none_and_tells_once(workspace):
    async with start_server(workspace, env=FAILING) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        for _ in range(3):
            assert await lsp.inline(uri, *end_of(PYTHON_SOURCE)) is None
        await lsp.status()
        failures = [m for m in lsp.error_messages() if "model failed" in m]
        assert len(failures) == 1 and "scripted engine failure" in failures[0]
        assert [job["outcome"] for job in inline_jobs(await lsp.status())] == ["error"] * 3


async def test_typed_ahead_suggestion_comes_from_the_cache(workspace):
    source = "# a comment about the "
    async with start_server(workspace, settings={"multiline": "never"}) as lsp:
        uri = lsp.open("notes.py", source)
        first = await lsp.inline(uri, 0, len(source))
        shown = first.items[0].insert_text
        assert shown.startswith(COMMENT_SUGGESTION)  # the fixture model is deterministic
        lsp.change(uri, source + shown[0])
        second = await lsp.inline(uri, 0, len(source) + 1)
        assert second.items[0].insert_text == shown[1:]
        status = await lsp.status()
        assert status["cache"]["hits"] == 1 and len(inline_jobs(status)) == 1


async def test_speculative_completion_is_served_once_the_suggestion_is_accepted(workspace):
    source = "# a comment about the "
    async with start_server(workspace, settings={"multiline": "never", "speculative": True}) as lsp:
        uri = lsp.open("notes.py", source)
        first = await lsp.inline(uri, 0, len(source))
        shown = first.items[0].insert_text
        assert shown.startswith(COMMENT_SUGGESTION)
        finished = lambda s: [j for j in s["jobs"] if j["kind"] == "speculative" and "chars" in j]  # noqa: E731
        (speculative,) = finished(await lsp.wait_status(finished))
        assert speculative["offset"] == len(source + shown)
        lsp.change(uri, source + shown)  # the user accepts the suggestion
        second = await lsp.inline(uri, 0, len(source + shown))
        status = await lsp.status()
        assert speculative["chars"] > 0  # the model continues the accepted text (deterministically)
        assert second.items[0].insert_text and status["cache"]["hits"] == 1
        assert len(inline_jobs(status)) == 1  # no model call for the accepted continuation


async def test_completion_fallback_replaces_the_word_before_the_cursor(workspace):
    source = "# a comment about the wor"
    async with start_server(workspace, settings={"multiline": "never"}) as lsp:
        uri = lsp.open("notes.py", source)
        result = await lsp.client.text_document_completion_async(
            types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(0, len(source)))
        )
        assert inline_jobs(await lsp.status())[0]["tokens"] > 0
        (item,) = result.items  # the fixture model is deterministic: it suggests text here
        assert result.is_incomplete
        assert item.text_edit.range == types.Range(types.Position(0, len(source) - 3), types.Position(0, len(source)))
        assert item.text_edit.new_text.startswith("wor") and len(item.text_edit.new_text) > 3
