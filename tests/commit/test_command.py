"""`coderLsp.generateCommitMessage` on the real server over stdio, and its warm socket for the hook."""

from __future__ import annotations

import asyncio
import subprocess

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from lsp_server.commit import hooks, warm_socket
from tests.commit.conftest import commit_all, git, head_message
from tests.commit.test_generate import assert_well_formed
from tests.conftest import NOT_A_MODEL
from tests.e2e.conftest import SLOW, start_server

COMMAND = "coderLsp.generateCommitMessage"
VERY_SLOW = {"CODER_LSP_TEST_ENGINE": "delay_ms=200"}  # 200 tokens take 40 s: still running when cancelled


@pytest.fixture
def staged_repo(repo):
    (repo / "util.py").write_text("def add(a, b):\n    return a + b\n")
    commit_all(repo, "Add util")
    (repo / "util.py").write_text("def add(a, b, c=0):\n    return a + b + c\n")
    git(repo, "add", "-A")
    return repo


async def test_command_returns_a_message_with_progress(staged_repo, commit_env):
    async with start_server(staged_repo, env={"CODER_LSP_RUNTIME_DIR": commit_env["CODER_LSP_RUNTIME_DIR"]}) as session:
        message = await session.command(COMMAND, {"repository": str(staged_repo)})
        assert isinstance(message, str)
        assert_well_formed(message)
        reports = [r for values in session.client.progress_reports.values() for r in values
                   if isinstance(r, types.WorkDoneProgressBegin) and "commit" in r.title]
        assert reports and reports[0].cancellable


async def test_nothing_staged_says_so_and_returns_none(repo, commit_env):
    (repo / "a.txt").write_text("a\n")
    commit_all(repo, "Add a")
    async with start_server(repo, env={"CODER_LSP_RUNTIME_DIR": commit_env["CODER_LSP_RUNTIME_DIR"]}) as session:
        assert await session.command(COMMAND) is None
        assert any("Nothing is staged" in m.message for m in session.client.messages)


async def test_cancel_request_stops_generation_and_server_stays_responsive(staged_repo, commit_env):
    env = {**SLOW, "CODER_LSP_RUNTIME_DIR": commit_env["CODER_LSP_RUNTIME_DIR"]}
    async with start_server(staged_repo, env=env) as session:
        params = types.ExecuteCommandParams(command=COMMAND, arguments=[str(staged_repo)])
        msg_id, future = session.send(types.WORKSPACE_EXECUTE_COMMAND, params)
        token = await wait_for(lambda: commit_progress_token(session))
        reports = session.client.progress_reports[token]
        await wait_for(lambda: _generating(reports) >= 3)  # the model is generating (one report a token)
        session.cancel(msg_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wait_for(future, 30)
        stopped_at = _generating(reports)
        await asyncio.sleep(0.5)  # SLOW is 40 ms a token: a dozen more reports if generation went on
        # Within one token: the one being generated when the flag was set, and its report on the way.
        assert _generating(reports) <= stopped_at + 2
        assert isinstance(await session.command(COMMAND, str(staged_repo)), str)


def _generating(reports) -> int:
    return sum(isinstance(r, types.WorkDoneProgressReport) and r.message == "Generating the message" for r in reports)


def commit_progress_token(session):
    return next((t for t, values in session.client.progress_reports.items()
                 if any(isinstance(v, types.WorkDoneProgressBegin) and "commit" in v.title for v in values)), None)


async def wait_for(condition, timeout: float = 60.0):
    async def poll():
        while not (value := condition()):
            await asyncio.sleep(0.05)
        return value

    return await asyncio.wait_for(poll(), timeout)


async def test_progress_cancel_button_returns_none(staged_repo, commit_env):
    env = {**VERY_SLOW, "CODER_LSP_RUNTIME_DIR": commit_env["CODER_LSP_RUNTIME_DIR"]}
    async with start_server(staged_repo, env=env) as session:
        params = types.ExecuteCommandParams(command=COMMAND, arguments=[str(staged_repo)])
        _, future = session.send(types.WORKSPACE_EXECUTE_COMMAND, params)
        token = await wait_for(lambda: commit_progress_token(session))
        await wait_for(lambda: any(isinstance(v, types.WorkDoneProgressReport) and v.message == "Generating the message"
                                   for v in session.client.progress_reports[token]))
        session.client.protocol.notify(types.WINDOW_WORK_DONE_PROGRESS_CANCEL,
                                       types.WorkDoneProgressCancelParams(token=token))
        assert await asyncio.wait_for(future, 30) is None


async def test_git_commit_uses_the_running_server(staged_repo, commit_env, monkeypatch):
    """The hook's own model is broken: a generated message proves the server answered over the socket."""
    monkeypatch.setenv("CODER_LSP_MODEL", str(NOT_A_MODEL))
    hooks.install(str(staged_repo))
    async with start_server(staged_repo, env={"CODER_LSP_RUNTIME_DIR": commit_env["CODER_LSP_RUNTIME_DIR"]}):
        await wait_for(lambda: warm_socket.ask(str(staged_repo), {"op": "ping"}, 1.0))  # hooks run after "ready"
        result = await asyncio.to_thread(
            subprocess.run, ["git", "commit", "-q"], cwd=staged_repo, capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert head_message(staged_repo) not in ("", "Add util")
