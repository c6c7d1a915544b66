"""A completion request that arrives while the model loads is held, not dropped (issue 16, item 1).

The real server and the real DeepSeek fixture over stdio. The load is made
slow on cue by the tests' launcher (`CODER_LSP_TEST_ENGINE=load_delay_ms=...`,
`tests/scripted_engine.scripted_load`), so a test can act while it runs: the
held request is answered with the real completion once the model is ready,
answers None when superseded, stale or when the load fails, and is cancelled
by `$/cancelRequest`. One test uses the plain `coder-lsp serve` (no scripted
delay): a request sent right after `initialized` gets the real completion.
"""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.conftest import DEEPSEEK_MODEL
from tests.e2e.conftest import start_server
from tests.e2e.test_inline_completion import COMMENT_SUGGESTION, inline_jobs

SOURCE = "# a comment about the "
ONE_LINE = {"multiline": "never"}
SLOW_LOAD = {"CODER_LSP_TEST_ENGINE": "load_delay_ms=2500"}


def inline(lsp, uri: str, character: int = len(SOURCE)):
    return lsp.send(types.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.inline_params(uri, 0, character))


def states(lsp) -> list[str]:
    return [s["state"] for s in lsp.statuses]


async def test_request_sent_right_after_initialized_gets_the_real_completion(workspace):
    # The plain server and the real fixture: didOpen and the request go out before any status says
    # ready (the server is still pulling settings or loading), and the answer is the real suggestion.
    async with start_server(workspace, settings=ONE_LINE, wait_ready=False) as lsp:
        assert "ready" not in states(lsp)
        uri = lsp.open("notes.py", SOURCE)
        _, answer = inline(lsp, uri)
        result = await answer
        assert "ready" in states(lsp)
        assert result.items[0].insert_text.startswith(COMMENT_SUGGESTION)
        (job,) = inline_jobs(await lsp.status())
        assert job["outcome"] in ("stop", "length") and job["heldMs"] >= 0


async def test_held_request_is_answered_when_the_slow_load_ends(workspace):
    async with start_server(workspace, settings=ONE_LINE, env=SLOW_LOAD, wait_ready=False) as lsp:
        await lsp.wait_state("loading")
        uri = lsp.open("notes.py", SOURCE)
        _, answer = inline(lsp, uri)
        (job,) = inline_jobs(await lsp.wait_status(lambda s: inline_jobs(s)))
        assert job["outcome"] == "held" and not answer.done()  # pending, not answered null
        result = await answer
        assert states(lsp)[-1] == "ready"
        assert result.items[0].insert_text.startswith(COMMENT_SUGGESTION)
        (job,) = inline_jobs(await lsp.status())
        assert job["outcome"] in ("stop", "length") and job["heldMs"] > 0 and job["tokens"] > 0


async def test_held_requests_superseded_stale_and_cancelled(workspace):
    async with start_server(workspace, settings=ONE_LINE, env=SLOW_LOAD, wait_ready=False) as lsp:
        await lsp.wait_state("loading")
        uri = lsp.open("notes.py", SOURCE)
        other = lsp.open("other.py", SOURCE)
        cancelled_id, cancelled = inline(lsp, lsp.open("third.py", SOURCE))
        _, first = inline(lsp, uri)
        _, stale = inline(lsp, other)
        await lsp.wait_status(lambda s: len(inline_jobs(s)) == 3)
        _, second = inline(lsp, uri)
        assert await first is None  # superseded at once by the newer request for the same document
        lsp.change(other, SOURCE + "x")
        lsp.cancel(cancelled_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await cancelled
        assert not second.done() and not stale.done()
        assert (await second).items[0].insert_text  # the open documents are context: another suggestion
        assert await stale is None
        outcomes = [job["outcome"] for job in inline_jobs(await lsp.status())]
        assert outcomes[:3] == ["cancelled", "superseded", "stale"] and outcomes[3] in ("stop", "length")


async def test_held_request_answers_none_when_the_load_fails(workspace):
    env = {"CODER_LSP_TEST_ENGINE": "load_delay_ms=1500,load_fail"}
    async with start_server(workspace, settings=ONE_LINE, env=env, wait_ready=False) as lsp:
        await lsp.wait_state("loading")
        uri = lsp.open("notes.py", SOURCE)
        _, answer = inline(lsp, uri)
        assert await answer is None
        assert states(lsp)[-1] == "error"
        assert [job["outcome"] for job in inline_jobs(await lsp.status())] == ["no-model"]
        assert await lsp.inline(uri, 0, len(SOURCE)) is None  # nothing loading: answered at once
        assert len(inline_jobs(await lsp.status())) == 1


async def test_request_during_a_reload_and_the_completion_fallback_are_held(workspace):
    async with start_server(workspace, settings=ONE_LINE, env=SLOW_LOAD) as lsp:
        uri = lsp.open("notes.py", SOURCE)
        lsp.client.set_configuration({"model": {"path": str(DEEPSEEK_MODEL), "nCtx": 2048}, **ONE_LINE},
                                     section="coderLsp")
        lsp.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await lsp.wait_status(lambda s: s["state"] == "loading")
        _, answer = inline(lsp, uri)
        words = lsp.open("words.py", SOURCE + "wor")
        _, fallback = lsp.send(types.TEXT_DOCUMENT_COMPLETION, types.CompletionParams(
            types.TextDocumentIdentifier(words), types.Position(0, len(SOURCE) + 3)))
        result, listed = await answer, await fallback
        assert states(lsp).count("loading") == 2 and states(lsp)[-1] == "ready"
        assert result.items[0].insert_text  # words.py is open too: context changes the suggestion
        assert listed.items[0].text_edit.new_text.startswith("wor")
        jobs = inline_jobs(await lsp.status())
        assert len(jobs) == 2 and all(job["heldMs"] > 0 for job in jobs)
