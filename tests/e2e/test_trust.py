"""The server over stdio: an untrusted project file cannot choose the backend, and says so once."""

from __future__ import annotations

import threading

from lsprotocol import types

from lsp_server import trust
from tests.commit.test_trust_network import RecordingServer
from tests.e2e.conftest import PYTHON_SOURCE, start_server


def trust_messages(lsp) -> list[str]:
    return [m.message for m in lsp.client.messages if "coder-lsp trust" in m.message]


async def test_untrusted_backend_is_ignored_until_the_folder_is_trusted(workspace):
    recorder = RecordingServer()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{recorder.server_port}/v1"
        (workspace / ".coder-lsp.toml").write_text(f'[backend]\nkind = "openai"\nurl = "{url}"\n')
        async with start_server(workspace, settings={"maxTokens": 4}) as lsp:
            status = await lsp.status()
            assert status["state"] == "ready" and status["model"]["device"] != "remote"
            uri = lsp.open("main.py", PYTHON_SOURCE)
            await lsp.inline(uri, 7, 8)
            lsp.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
            await lsp.status()
            assert recorder.connections == []
            [message] = trust_messages(lsp)
            assert "backend.url" in message and f"coder-lsp trust {workspace.resolve()}" in message
        trust.trust_folder(workspace)
        async with start_server(workspace, settings={"maxTokens": 4}) as lsp:
            assert (await lsp.status())["model"]["device"] == "remote"
            uri = lsp.open("main.py", PYTHON_SOURCE)
            await lsp.inline(uri, 7, 8)
            assert len(recorder.connections) >= 1 and trust_messages(lsp) == []
    finally:
        recorder.shutdown()
        recorder.server_close()
