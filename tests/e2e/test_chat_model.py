"""`chatModel` over real LSP with the two fixture models: DeepSeek completes, Qwen2.5 explains,
fixes and writes commit messages; the chat engine loads on first chat use; without chatModel the
main model chats; a chat model that cannot load is said once and the main model answers."""

from __future__ import annotations

from tests.commit.conftest import commit_all, git, make_repo
from tests.conftest import DEEPSEEK_MODEL, NOT_A_MODEL, QWEN_MODEL
from tests.e2e.conftest import start_server

BROKEN = "def area(width, height):\n    return width * heigth\n"
DIAGNOSTIC = {"range": {"start": {"line": 1, "character": 19}, "end": {"line": 1, "character": 25}},
              "message": '"heigth" is not defined', "severity": 1, "source": "pyright"}
QWEN_CHAT = {"chatModel": {"path": str(QWEN_MODEL)}, "chatMaxTokens": 40}


async def explain(session) -> str:
    uri = session.open("geometry.py", BROKEN)
    return await session.command("coderLsp.explainDiagnostic", {"uri": uri, "diagnostic": DIAGNOSTIC})


async def test_chat_model_explains_and_the_main_model_completes(workspace):
    async with start_server(workspace, settings={"chatMaxTokens": 40}) as session:
        by_main = await explain(session)
        assert (await session.status())["chatModel"] is None
    async with start_server(workspace, settings=QWEN_CHAT) as session:
        assert (await session.status())["chatModel"] is None  # not loaded before the first chat
        by_chat = await explain(session)
        status = await session.status()
        assert status["chatModel"].startswith("qwen2.5-coder-tiny") and "deepseek" in status["model"]["name"].lower()
        assert await explain(session) == by_chat  # the same engine, kept
    assert by_chat.startswith('### "heigth" is not defined') and by_main.startswith('### "heigth"')
    assert by_chat != by_main


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
        assert markdown.startswith('### "heigth" is not defined')
        assert any("chat model could not be loaded" in m.message for m in session.client.messages)
        assert (await session.status())["chatModel"] is None
