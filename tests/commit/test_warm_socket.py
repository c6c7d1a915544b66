"""The warm-model socket: private folder, same-user only, and the hook using it instead of loading."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from lsp_server.commit import hooks, warm_socket
from lsp_server.commit.hook_server import answer_hook
from lsp_server.model.host import ModelHost
from lsp_server.model.runner import ModelRunner
from lsp_server.model.settings import ModelSettings
from tests.commit.conftest import git
from tests.conftest import DEEPSEEK_MODEL, NOT_A_MODEL


def test_runtime_folder_is_private_and_sockets_are_per_repository(repo, tmp_path):
    folder = warm_socket.runtime_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    other = tmp_path / "other"
    assert warm_socket.socket_path(str(repo)) != warm_socket.socket_path(str(other))
    assert warm_socket.socket_path(str(repo / ".")) == warm_socket.socket_path(str(repo))


def test_loose_permissions_are_tightened(repo):
    folder = warm_socket.runtime_dir()
    folder.chmod(0o755)
    assert stat.S_IMODE(warm_socket.runtime_dir().stat().st_mode) == 0o700


def test_no_server_means_no_answer(repo):
    assert warm_socket.ask(str(repo), {"op": "ping"}, 1.0) is None


def test_one_server_per_repository_and_clean_stop(repo):
    first = warm_socket.WarmSocketServer(str(repo), lambda request: {"message": "x"})
    second = warm_socket.WarmSocketServer(str(repo), lambda request: {"message": "y"})
    assert first.start()
    try:
        assert not second.start()  # a live server keeps its socket
        assert warm_socket.ask(str(repo), {"op": "ping"}, 2.0)["ok"] is True
        assert warm_socket.ask(str(repo), {"op": "commit-message"}, 2.0) == {"message": "x"}
    finally:
        first.stop()
    assert not first.path.exists()
    assert warm_socket.ask(str(repo), {"op": "ping"}, 1.0) is None


def test_stale_socket_file_is_replaced(repo):
    path = warm_socket.socket_path(str(repo))
    path.write_text("stale")
    server = warm_socket.WarmSocketServer(str(repo), lambda request: {"message": "fresh"})
    assert server.start()
    try:
        assert warm_socket.ask(str(repo), {"op": "x"}, 2.0) == {"message": "fresh"}
    finally:
        server.stop()


@pytest.fixture
def engine():
    from lsp_server.model.loader import load_engine

    loaded = load_engine(ModelSettings(), cli_model=str(DEEPSEEK_MODEL))
    yield loaded
    loaded.close()


def test_hook_asks_the_running_server_instead_of_loading(repo, engine, monkeypatch):
    """The hook's own model path is broken, so a generated message can only come from the socket.

    `git commit -a` stages into a temporary index: the server must read that one.
    """
    monkeypatch.setenv("CODER_LSP_MODEL", str(NOT_A_MODEL))
    (repo / "tracked.txt").write_text("one\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Add tracked")
    runner = ModelRunner()
    model = ModelHost()
    model.loaded_ok(engine)
    asked, answers = [], []

    def handler(request):
        asked.append(request)
        answers.append(answer_hook(model, runner, request))
        return answers[-1]

    server = warm_socket.WarmSocketServer(str(repo), handler)
    assert server.start()
    try:
        hooks.install(str(repo))
        (repo / "tracked.txt").write_text("two\n")  # not staged: `commit -a` stages it
        result = subprocess.run(["git", "commit", "-a", "-q"], cwd=repo, capture_output=True, text=True)
    finally:
        server.stop()
        runner.shutdown()
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert len(asked) == 1 and asked[0]["repo"] == os.path.realpath(repo)
    assert answers[0]["message"] and answers[0]["model"] == engine.name
    assert git(repo, "show", "--stat", "--format=", "HEAD").stdout.decode().strip().startswith("tracked.txt")
