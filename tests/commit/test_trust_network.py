"""A cloned repository's project file cannot send code anywhere until the user trusts the folder.

A real HTTP server on 127.0.0.1 answers like an OpenAI-compatible model
server and records every connection. A repository's `.coder-lsp.toml` points
`[backend]` at it: `coder-lsp complete`, `coder-lsp commit-msg` and a real
`git commit` through the installed hook make no connection and name the
command that would allow it, once; after `coder-lsp trust` all three use it.
"""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lsp_server.commit import hooks
from tests.commit.conftest import git, head_message
from tests.conftest import CODER_LSP

REPLY = "greet(name)"  # a completion the editor keeps whole after `return `
SUBJECT = "Add greet and handler"  # a commit subject that names what the tests' diffs change


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections: list[str] = []
        self.bodies: list[dict] = []

    def verify_request(self, request, client_address) -> bool:
        self.connections.append(f"{client_address[0]}:{client_address[1]}")
        return True


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.bodies.append(body)
        reply = SUBJECT if self.path.endswith("/chat/completions") else REPLY
        choice = {"index": 0, "text": reply, "delta": {"content": reply}, "finish_reason": "stop"}
        stream = f"data: {json.dumps({'choices': [choice]})}\n\ndata: [DONE]\n\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(stream)))
        self.end_headers()
        self.wfile.write(stream)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def recorder():
    server = RecordingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hostile_repo(repo: Path, recorder) -> Path:
    url = f"http://127.0.0.1:{recorder.server_port}/v1"
    (repo / ".coder-lsp.toml").write_text(f'[backend]\nkind = "openai"\nurl = "{url}"\nmodel = "x"\n')
    (repo / "main.py").write_text("def greet(name):\n    return \n")
    git(repo, "add", "-A")
    return repo


def coder_lsp(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CODER_LSP, *args], cwd=repo, capture_output=True, text=True, timeout=120)


def trust_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "coder-lsp trust" in line]


def test_complete_and_commit_msg_make_no_connection_until_trusted(hostile_repo, recorder):
    for args in (["complete", "main.py:2:12", "--max-tokens", "4"], ["commit-msg"]):
        result = coder_lsp(hostile_repo, *args)
        assert result.returncode == 0, result.stderr
        assert recorder.connections == []
        assert len(trust_lines(result.stderr)) == 1, result.stderr
        assert "backend.url" in trust_lines(result.stderr)[0]
    assert coder_lsp(hostile_repo, "trust").returncode == 0
    completed = coder_lsp(hostile_repo, "complete", "main.py:2:12", "--max-tokens", "4")
    assert completed.returncode == 0 and completed.stdout.strip() == REPLY, completed.stderr
    message = coder_lsp(hostile_repo, "commit-msg")
    assert message.returncode == 0 and message.stdout.strip() == SUBJECT, message.stderr
    assert len(recorder.connections) == 2 and trust_lines(completed.stderr + message.stderr) == []


def test_git_commit_through_the_hook_makes_no_connection_until_trusted(hostile_repo, recorder):
    hooks.install(str(hostile_repo))
    result = subprocess.run(["git", "commit", "-q"], cwd=hostile_repo, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert recorder.connections == [] and head_message(hostile_repo) != SUBJECT
    assert len(trust_lines(result.stderr)) == 1, result.stderr
    (hostile_repo / "main.py").write_text("def greet(name):\n    return name\n")
    git(hostile_repo, "add", "-A")
    assert coder_lsp(hostile_repo, "trust").returncode == 0
    result = subprocess.run(["git", "commit", "-q"], cwd=hostile_repo, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(recorder.connections) == 1 and head_message(hostile_repo) == SUBJECT


def test_a_commit_prompt_names_secret_files_but_never_shows_a_secret(repo, recorder):
    from lsp_server.settings_files import write_user_setting
    from tests.context.test_secrets_and_links import PEM, SECRETS

    write_user_setting("backend", "kind", "openai")  # the user's own file may choose the backend
    write_user_setting("backend", "url", f"http://127.0.0.1:{recorder.server_port}/v1")
    write_user_setting("", "secretFiles", ["deploy/*.cfg"])  # the user's own secret-file patterns count too
    files = {".env": f"AWS_KEY={SECRETS['aws']}\nDB_PASSWORD=hunter2-SECRET-PASSWORD\n", "id_rsa": PEM + "\n",
             "server.pem": PEM + "\n", "credentials.json": '{"password": "CREDENTIALS-FILE-SECRET"}\n',
             "deploy/prod.cfg": "password = PROD-CFG-SECRET\n", "app.py": f"TOKEN = '{SECRETS['github']}'\n\n\ndef handler():\n    return TOKEN\n"}
    for name, text in files.items():
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    result = coder_lsp(repo, "commit-msg")
    assert result.returncode == 0 and result.stdout.strip() == SUBJECT, result.stderr
    [body] = recorder.bodies
    prompt = json.dumps(body)
    assert all(name in prompt for name in files) and "def handler" in prompt and "[redacted]" in prompt
    for marker in (*SECRETS.values(), "PRIVATE KEY", "q1w2e3r4t5y6", "hunter2", "CREDENTIALS-FILE-SECRET", "PROD-CFG"):
        assert marker not in prompt, marker


def test_the_cli_completes_and_explains_nothing_in_a_secret_file(repo, recorder):
    from lsp_server.settings_files import write_user_setting

    write_user_setting("backend", "kind", "openai")
    write_user_setting("backend", "url", f"http://127.0.0.1:{recorder.server_port}/v1")
    (repo / ".env").write_text("AWS_KEY=\n")
    completed = coder_lsp(repo, "complete", ".env:1:9")
    explained = coder_lsp(repo, "explain", ".env:1", "--message", "bad")
    assert (completed.returncode, explained.returncode) == (1, 2) and recorder.connections == []
    assert "holds secrets" in completed.stderr and "holds secrets" in explained.stderr
