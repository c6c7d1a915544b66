"""No secret value reaches a model: what the engine receives over HTTP, captured and searched.

The editor points the server at a recording OpenAI-compatible server on
127.0.0.1, so every prompt the server sends (FIM and chat) is captured as
the engine sent it. The workspace holds secret values in code that
retrieval pulls into context, a `.env` file and a link to a file outside
the workspace; none of their secrets, nor the outside file, may appear.
"""

from __future__ import annotations

import json
import os
import threading

import pytest
from pygls.exceptions import JsonRpcInvalidParams

from tests.commit.test_trust_network import RecordingServer
from tests.context.test_secrets_and_links import PEM, SECRETS
from tests.e2e.conftest import start_server

MARKERS = [*SECRETS.values(), "PRIVATE KEY", "q1w2e3r4t5y6", "OUTSIDE_WORKSPACE_TEXT"]
VALUES = "\n".join(f"{name.upper()}_TOKEN = '{value}'" for name, value in SECRETS.items())
MAIN = f'from settings import connect, far_away\n{VALUES}\nKEY = """{PEM}"""\n\n\ndef run():\n    client = connect()\n    return client.\n'
LINE = MAIN.count("\n") - 2  # `client = connect()`
DIAGNOSTIC = {"range": {"start": {"line": LINE, "character": 4}, "end": {"line": LINE, "character": 10}}, "message": "unused"}


@pytest.fixture
def recorder():
    server = RecordingServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def leaked(recorder) -> list[str]:
    sent = json.dumps(recorder.bodies)
    return [marker for marker in MARKERS if marker in sent or json.dumps(marker)[1:-1] in sent]


async def test_no_secret_reaches_a_prompt(workspace, recorder, tmp_path):
    (workspace / "settings.py").write_text(f'{VALUES}\nKEY = """{PEM}"""\n\n\ndef connect():\n    return KEY\n')
    (workspace / ".env").write_text(f"AWS_KEY={SECRETS['aws']}\n")
    (tmp_path / "far.py").write_text("def far_away():\n    return 'OUTSIDE_WORKSPACE_TEXT'\n")
    os.symlink(tmp_path / "far.py", workspace / "far.py")
    backend = {"kind": "openai", "url": f"http://127.0.0.1:{recorder.server_port}/v1", "model": "x"}
    async with start_server(workspace, settings={"backend": backend, "maxTokens": 4}) as lsp:
        uri = lsp.open("main.py", MAIN)
        lsp.open("settings.py", (workspace / "settings.py").read_text())
        await lsp.inline(uri, LINE + 1, 17)
        assert await lsp.command("coderLsp.explainDiagnostic", {"uri": uri, "diagnostic": DIAGNOSTIC})
        sent_before = len(recorder.bodies)
        counts = [json.dumps(body).count("[redacted]") for body in recorder.bodies]
        assert counts[0] >= len(SECRETS) + 1 and counts[1] >= 1, counts  # the secrets were in the text sent
        env = lsp.open(".env", "AWS_KEY=\n", language="dotenv")
        assert await lsp.inline(env, 0, 8) is None
        for outside in ((tmp_path / "far.py").as_uri(), (workspace / "far.py").as_uri()):  # a file, a link out
            with pytest.raises(JsonRpcInvalidParams, match="unknown document"):
                await lsp.command("coderLsp.explainDiagnostic", {"uri": outside, "diagnostic": DIAGNOSTIC})
        assert len(recorder.bodies) == sent_before  # nothing was asked for the secret or outside file
    assert leaked(recorder) == []


async def test_no_completion_inside_secret_files_on_the_real_model(workspace):
    from lsprotocol import types

    async with start_server(workspace, settings={"secretFiles": ["deploy/*.py"], "maxTokens": 4}) as lsp:
        for name in (".env", "id_rsa", "server.pem", "credentials.json", ".env.py", "deploy/tokens.py"):
            uri = lsp.open(name, "API_KEY = 'abc'\n", language="python")
            assert await lsp.inline(uri, 0, 10) is None, name
            params = types.CompletionParams(types.TextDocumentIdentifier(uri), types.Position(0, 10))
            assert await lsp.client.text_document_completion_async(params) is None, name
        assert (await lsp.status())["jobs"] == []  # the model was never asked
        uri = lsp.open("main.py", "API_KEY = 'abc'\n")
        await lsp.inline(uri, 0, 10)
        assert [job["kind"] for job in (await lsp.status())["jobs"]] == ["inline"]
