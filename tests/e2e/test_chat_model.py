"""`chatModel` over real LSP with the two fixture models: DeepSeek completes, Qwen2.5 explains,
fixes and writes commit messages; the chat engine loads on first chat use; without chatModel the
main model chats; a chat model that cannot load is said once and the main model answers."""

from __future__ import annotations

from tests.commit.conftest import commit_all, git, make_repo
from tests.conftest import DEEPSEEK_MODEL, NOT_A_MODEL, QWEN_MODEL
from tests.e2e.conftest import start_server

BROKEN = "def area(width, height):\n    return width * heigth\n"
# A type error needs judgement, so the model is asked (an undefined name with a close match,
# like `heigth`, is explained from the file without any model, and no chat model would load).
TYPE_ERROR = 'Operator "*" not supported for types "int" and "str"'
DIAGNOSTIC = {"range": {"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 25}},
              "message": TYPE_ERROR, "severity": 1, "source": "pyright"}
QWEN_CHAT = {"chatModel": {"path": str(QWEN_MODEL)}, "chatMaxTokens": 40}


async def explain(session) -> str:
    uri = session.open("geometry.py", BROKEN)
    return await session.command("coderLsp.explainDiagnostic", {"uri": uri, "diagnostic": DIAGNOSTIC})


def explainers(status: dict) -> list[str]:
    """The model that answered each explain job, in order."""
    return [job.get("model", "") for job in status["jobs"] if job["kind"] == "explain"]


async def test_chat_model_explains_and_the_main_model_completes(workspace):
    async with start_server(workspace, settings={"chatMaxTokens": 40}) as session:
        by_main = await explain(session)
        status = await session.status()
        assert status["chatModel"] is None
        asked = explainers(status)
        assert len(asked) == 1 and "deepseek" in asked[0].lower(), asked  # no chatModel: the main model chats
    async with start_server(workspace, settings=QWEN_CHAT) as session:
        assert (await session.status())["chatModel"] is None  # not loaded before the first chat
        by_chat = await explain(session)
        status = await session.status()
        assert status["chatModel"].startswith("qwen2.5-coder-tiny") and "deepseek" in status["model"]["name"].lower()
        assert await explain(session) == by_chat  # the same engine, kept
        asked = explainers(await session.status())
        assert len(asked) == 2 and all(m.startswith("qwen2.5-coder-tiny") for m in asked), asked
    # The tiny models' replies are never about the error, so both answers show the tools' facts:
    # which model was asked is in the explain jobs above, not in the text.
    assert by_chat.startswith(f"### {TYPE_ERROR}") and by_main.startswith(f"### {TYPE_ERROR}")


async def test_commit_messages_use_the_chat_model(tmp_path, isolated_home, monkeypatch):
    monkeypatch.setenv("CODER_LSP_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("CODER_LSP_MODEL", str(DEEPSEEK_MODEL))  # the main model's: it must not replace chatModel
    repo = make_repo(tmp_path / "repo")
    (repo / "util.py").write_text("def add(a, b):\n    return a + b\n")
    commit_all(repo, "Add util")
    (repo / "util.py").write_text("def add(a, b, c=0):\n    return a + b + c\n")
    git(repo, "add", "-A")
    async with start_server(repo, settings=QWEN_CHAT, env={"CODER_LSP_MODEL": str(DEEPSEEK_MODEL)}) as session:
        message = await session.command("coderLsp.generateCommitMessage", {"repository": str(repo)})
        assert isinstance(message, str) and message
        assert (await session.status())["chatModel"].startswith("qwen2.5-coder-tiny")


async def test_a_chat_model_that_cannot_load_falls_back_to_the_main_model(workspace):
    settings = {"chatModel": {"path": str(NOT_A_MODEL)}, "chatMaxTokens": 40}
    async with start_server(workspace, settings=settings) as session:
        markdown = await explain(session)
        assert markdown.startswith(f"### {TYPE_ERROR}")
        assert any("chat model could not be loaded" in m.message for m in session.client.messages)
        assert (await session.status())["chatModel"] is None


def explain_cli(path, *args: str) -> tuple[str, str]:
    """The explanation (stdout) and what the CLI said about it (stderr: which model it asked)."""
    import subprocess

    from tests.conftest import CODER_LSP

    done = subprocess.run([*CODER_LSP, "explain", f"{path}:2", "--message", DIAGNOSTIC["message"], *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def test_the_cli_twins_use_the_chat_model(tmp_path, isolated_home, monkeypatch):
    import subprocess

    from lsp_server.commit import hooks
    from lsp_server.settings_files import write_user_setting

    monkeypatch.setenv("CODER_LSP_MODEL", str(DEEPSEEK_MODEL))  # the main model
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("CODER_LSP_RUNTIME_DIR", str(tmp_path / "run"))
    source = tmp_path / "geometry.py"
    source.write_text(BROKEN)
    by_main = explain_cli(source)
    assert "asked deepseek" in by_main[1].lower(), by_main[1]
    write_user_setting("chatModel", "path", str(QWEN_MODEL))
    by_chat = explain_cli(source)
    assert "asked qwen2.5-coder-tiny" in by_chat[1], by_chat[1]
    assert by_chat == explain_cli(source, "--model", str(QWEN_MODEL))
    assert by_chat[0].startswith(f"### {TYPE_ERROR}")
    repo = make_repo(tmp_path / "repo")
    hooks.install(str(repo))
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\ncp "$1" "$1.seen"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("GIT_EDITOR", str(editor))
    (repo / "main.py").write_text("print('hi')\n")
    git(repo, "add", "-A")
    result = subprocess.run(["git", "commit", "-q"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "# Generated by coder-lsp (qwen2.5-coder-tiny" in (repo / ".git" / "COMMIT_EDITMSG.seen").read_text()


async def test_the_warm_socket_answers_with_the_chat_model(tmp_path, isolated_home, monkeypatch):
    import asyncio

    from lsp_server.commit import warm_socket
    from tests.commit.test_command import wait_for

    monkeypatch.setenv("CODER_LSP_RUNTIME_DIR", str(tmp_path / "run"))
    repo = make_repo(tmp_path / "repo")
    (repo / "main.py").write_text("print('hi')\n")
    git(repo, "add", "-A")
    async with start_server(repo, settings=QWEN_CHAT):
        await wait_for(lambda: warm_socket.ask(str(repo), {"op": "ping"}, 1.0))  # the socket opens after "ready"
        request = {"op": "commit-message", "timeout": 60}
        answer = await asyncio.get_running_loop().run_in_executor(None, warm_socket.ask, str(repo), request, 60)
    assert answer and answer.get("message") and answer["model"].startswith("qwen2.5-coder-tiny"), answer
