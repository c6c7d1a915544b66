"""Idle unload over real LSP on the tiny DeepSeek fixture: after `model.keepAliveMinutes` without
requests the server frees the model and says "unloaded"; the next request reloads it and answers
with the same completion as before; 0 never unloads."""

from __future__ import annotations

import asyncio

from tests.conftest import DEEPSEEK_MODEL
from tests.e2e.conftest import start_server

SOURCE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return "
KEEP_ALIVE = {"model": {"path": str(DEEPSEEK_MODEL), "keepAliveMinutes": 0.01}, "maxTokens": 8}  # 0.6 s


async def test_idle_model_unloads_and_the_next_request_reloads_it(workspace):
    async with start_server(workspace, settings=KEEP_ALIVE) as session:
        uri = session.open("calc.py", SOURCE)
        before = await session.inline(uri, 5, len("    return "))
        await session.wait_state("unloaded", timeout=30)
        status = await session.status()
        assert status["state"] == "unloaded" and status["model"] is None
        assert any("unloaded after 0.01 min idle" in m.message for m in session.client.log_messages)
        after = await session.inline(uri, 5, len("    return "))  # reloads, then answers
        assert (await session.status())["state"] == "ready"
        assert before is not None and after is not None
        assert after.items[0].insert_text == before.items[0].insert_text == PINNED


async def test_zero_keeps_the_model_loaded(workspace):
    settings = {"model": {"path": str(DEEPSEEK_MODEL), "keepAliveMinutes": 0}}
    async with start_server(workspace, settings=settings) as session:
        await asyncio.sleep(1.0)
        assert (await session.status())["state"] == "ready"
        assert not any(s.get("state") == "unloaded" for s in session.statuses)


# Greedy decoding on the random-weight fixture: deterministic. The cursor is after `return `, and
# token healing retypes that space inside the model's first token and strips it, so no leading space.
PINNED = "Arc子的____功хай"


async def test_the_git_hook_reloads_an_idle_model_through_the_warm_socket(tmp_path, isolated_home, monkeypatch):
    from lsp_server.commit import warm_socket
    from tests.commit.conftest import commit_all, git, make_repo

    monkeypatch.setenv("CODER_LSP_RUNTIME_DIR", str(tmp_path / "run"))
    repo = make_repo(tmp_path / "repo")
    (repo / "util.py").write_text("def add(a, b):\n    return a + b\n")
    commit_all(repo, "Add util")
    (repo / "util.py").write_text("def add(a, b, c=0):\n    return a + b + c\n")
    git(repo, "add", "-A")
    async with start_server(repo, settings=KEEP_ALIVE) as session:
        await session.wait_state("unloaded", timeout=30)
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(None, warm_socket.ask, str(repo), {"op": "commit-message", "timeout": 60}, 60)
        assert answer and answer.get("message") and "deepseek" in answer["model"].lower(), answer
        assert (await session.status())["state"] == "ready"


async def test_the_completion_fallback_reloads_too(workspace):
    from lsprotocol import types

    async with start_server(workspace, settings=KEEP_ALIVE) as session:
        uri = session.open("calc.py", SOURCE)
        await session.wait_state("unloaded", timeout=30)
        params = types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(5, len("    return ")))
        result = await session.client.text_document_completion_async(params)
        items = result.items if isinstance(result, types.CompletionList) else result
        assert items and items[0].label == PINNED and items[0].text_edit.new_text == PINNED
        assert (await session.status())["state"] == "ready"
