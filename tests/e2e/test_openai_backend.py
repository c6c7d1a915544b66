"""The OpenAI-compatible backend end to end: llama-cpp-python's own server on the tiny model.

The same inline completion and explanation as with the in-process engine,
then the model server goes away mid-session: a real engine failure, which
answers None and is shown to the user once.
"""

from __future__ import annotations

import asyncio
import socket
import sys

import pytest

from bench import llama_cpp_server
from tests.conftest import DEEPSEEK_MODEL
from tests.e2e.conftest import PYTHON_SOURCE, start_server

DIAGNOSTIC = {"range": {"start": {"line": 4, "character": 4}, "end": {"line": 4, "character": 10}}, "message": "unused"}


async def wait_for_port(port: int, process) -> None:
    for _ in range(600):
        if process.returncode is not None:
            pytest.skip("llama_cpp.server did not start (is llama-cpp-python[server] installed?)")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    pytest.fail("llama_cpp.server did not open its port")


async def test_openai_backend_then_the_server_goes_away(workspace, unused_tcp_port):
    model_server = await asyncio.create_subprocess_exec(
        *llama_cpp_server.COMMAND, "--model", str(DEEPSEEK_MODEL),
        "--host", "127.0.0.1", "--port", str(unused_tcp_port), "--n_ctx", "2048",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await wait_for_port(unused_tcp_port, model_server)
        backend = {"kind": "openai", "url": f"http://127.0.0.1:{unused_tcp_port}/v1", "model": "tiny"}
        settings = {"backend": backend, "model": {"promptFormat": "deepseek"}, "maxTokens": 12, "chatMaxTokens": 24}
        async with start_server(workspace, settings=settings) as lsp:
            status = await lsp.status()
            assert status["state"] == "ready" and status["model"]["device"] == "remote"
            assert lsp.statuses[-1]["state"] == "ready" and lsp.statuses[-1]["device"] == "remote"
            uri = lsp.open("main.py", PYTHON_SOURCE)
            await lsp.inline(uri, 7, 8)
            markdown = await lsp.command("coderLsp.explainDiagnostic", {"uri": uri, "diagnostic": DIAGNOSTIC})
            assert markdown.startswith("### unused")
            jobs = (await lsp.status())["jobs"]
            assert [(j["kind"], j["outcome"] in ("stop", "length", "done")) for j in jobs] == [("inline", True), ("explain", True)]
            assert jobs[0]["tokens"] > 0
            model_server.kill()
            await model_server.wait()
            for line in (5, 6):  # not the cached position
                assert await lsp.inline(uri, line, 4) is None
            assert await lsp.command("coderLsp.explainDiagnostic", {"uri": uri, "diagnostic": DIAGNOSTIC}) is None
            failures = [m for m in lsp.error_messages() if "model failed" in m]
            assert len(failures) == 1
    finally:
        if model_server.returncode is None:
            model_server.kill()
            await model_server.wait()
