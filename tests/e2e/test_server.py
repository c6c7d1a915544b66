"""The server as a whole: capabilities, encodings, settings, progress, model loading.

Every test starts the real `coder-lsp serve` over stdio with the tiny
DeepSeek-Coder GGUF (or a broken one) and talks LSP to it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess

import pytest
from lsprotocol import types

from tests.conftest import CODER_LSP, DEEPSEEK_MODEL, NOT_A_MODEL, STARCODER_MODEL, TRUNCATED_MODEL
from tests.e2e.conftest import PYTHON_SOURCE, start_server


async def test_capabilities(workspace):
    async with start_server(workspace) as lsp:
        capabilities = lsp.initialize_result.capabilities
        assert capabilities.inline_completion_provider is not None
        assert capabilities.completion_provider is not None
        assert capabilities.code_action_provider.resolve_provider is True
        assert {"coderLsp.explainDiagnostic", "coderLsp.fixDiagnostic", "coderLsp.status"} <= set(
            capabilities.execute_command_provider.commands
        )
        sync = capabilities.text_document_sync
        assert getattr(sync, "change", sync) == types.TextDocumentSyncKind.Incremental
        assert capabilities.position_encoding == types.PositionEncodingKind.Utf16


@pytest.mark.parametrize(
    "offered, chosen",
    [
        (None, "utf-16"),
        (["utf-16", "utf-8"], "utf-8"),
        (["utf-32", "utf-16"], "utf-16"),
    ],
)
async def test_position_encoding_is_utf16_unless_utf8_is_offered(workspace, offered, chosen):
    async with start_server(workspace, encodings=offered, wait_ready=False) as lsp:
        assert lsp.initialize_result.capabilities.position_encoding == chosen


async def test_model_load_reports_progress_and_status(workspace):
    async with start_server(workspace) as lsp:
        assert [s["state"] for s in lsp.statuses][:2] == ["loading", "ready"]
        assert lsp.statuses[1]["device"] == "cpu" and lsp.statuses[1]["model"]
        titles = [
            report.title
            for reports in lsp.client.progress_reports.values()
            for report in reports
            if isinstance(report, types.WorkDoneProgressBegin)
        ]
        assert "coder-lsp: loading model" in titles
        ends = [r for reports in lsp.client.progress_reports.values() for r in reports if isinstance(r, types.WorkDoneProgressEnd)]
        assert ends
        status = await lsp.status()
        assert status["model"]["prompt_format"] == status["promptFormat"]


@pytest.mark.parametrize("broken", [NOT_A_MODEL, TRUNCATED_MODEL, "/nonexistent/model.gguf"])
async def test_model_that_fails_to_load(workspace, broken):
    async with start_server(workspace, settings={"model": {"path": str(broken)}}) as lsp:
        state = await lsp.wait_state("error")
        assert state["message"] and state["device"] == "" and state["model"] == ""
        uri = lsp.open("main.py", PYTHON_SOURCE)
        assert await lsp.inline(uri, 7, 8) is None
        assert await lsp.inline(uri, 7, 8) is None
        status = await lsp.status()
        assert status["state"] == "error" and status["error"]
        load_messages = [m for m in lsp.error_messages() if "could not be loaded" in m]
        assert len(load_messages) == 1 and status["error"] in load_messages[0]


async def test_bad_settings_fall_back_and_name_the_key(workspace):
    settings = {"maxTokens": "lots", "nonsense": 1, "model": {"nCtx": -3, "path": str(DEEPSEEK_MODEL)}}
    async with start_server(workspace, settings=settings) as lsp:
        status = await lsp.status()
        assert status["state"] == "ready"
        assert status["settings"]["maxTokens"] == 64
        warnings = [m.message for m in lsp.client.messages if m.type == types.MessageType.Warning]
        assert len(warnings) == 1
        assert all(key in warnings[0] for key in ("coderLsp.maxTokens", "coderLsp.nonsense", "coderLsp.model.nCtx"))


async def test_configuration_change_reloads_the_model_only_when_model_settings_change(workspace):
    async with start_server(workspace, configuration={"model": {"path": str(workspace / "x")}}) as lsp:
        # The pulled section wins over initializationOptions: that path fails to load.
        await lsp.wait_state("error")
        lsp.client.set_configuration({"model": {"path": str(STARCODER_MODEL)}, "maxTokens": 12}, section="coderLsp")
        lsp.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        status = await lsp.wait_status(lambda s: s["state"] == "ready")
        assert status["promptFormat"] == "starcoder" and status["settings"]["maxTokens"] == 12
        loads = len([s for s in lsp.statuses if s["state"] == "loading"])
        lsp.client.set_configuration({"model": {"path": str(STARCODER_MODEL)}, "maxTokens": 20}, section="coderLsp")
        lsp.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        status = await lsp.wait_status(lambda s: s["settings"]["maxTokens"] == 20)
        assert status["state"] == "ready"
        assert len([s for s in lsp.statuses if s["state"] == "loading"]) == loads


async def test_cli_model_flag(workspace):
    async with start_server(workspace, settings={"model": {}}, args=("--model", str(STARCODER_MODEL))) as lsp:
        assert (await lsp.status())["promptFormat"] == "starcoder"


async def test_client_disconnect_mid_generation_exits_cleanly(workspace):
    async with start_server(workspace, settings={"maxTokens": 400}, env={"CODER_LSP_TEST_ENGINE": "delay_ms=40"}) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        lsp.send(types.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.inline_params(uri, 7, 8))
        await lsp.wait_status(lambda s: any(j["tokens"] >= 1 for j in s["jobs"]))
        process = lsp.client._server
        process.stdin.close()
        returncode = await asyncio.wait_for(process.wait(), 30)
        assert returncode == 0


NOISY_SERVER = (
    "import os, lsp_server.protocol_io as io_;"
    "NOISE = b'Content-Length: 2\\r\\n\\r\\n{]';"  # what would break a client reading fd 1
    "claim = io_.claim_stdout;"
    "io_.claim_stdout = lambda: (claim(), os.write(1, NOISE), print('python print'))[0];"
    "from lsp_server.cli import main; raise SystemExit(main(['serve']))"
)


async def test_prints_to_stdout_do_not_corrupt_the_protocol(workspace, monkeypatch):
    import tests.e2e.conftest as e2e

    monkeypatch.setattr(e2e, "CODER_LSP", [e2e.CODER_LSP[0], "-c", NOISY_SERVER, "--"])
    async with start_server(workspace, args=()) as lsp:
        uri = lsp.open("main.py", PYTHON_SOURCE)
        await lsp.inline(uri, 7, 8)
        assert (await lsp.status())["state"] == "ready"


def _frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


SESSION = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
    {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
    {"jsonrpc": "2.0", "method": "exit"},
]


def _replies(stdout: bytes) -> dict:
    replies = {}
    while stdout:
        header, _, rest = stdout.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        message, stdout = json.loads(rest[:length]), rest[length:]
        if "id" in message and "method" not in message:
            replies[message["id"]] = message
    return replies


def test_stdin_from_a_file_is_served(workspace, tmp_path):
    """A regular file on stdin (no pipe for the event loop to watch) is read the thread way."""
    messages = tmp_path / "messages"
    messages.write_bytes(b"".join(map(_frame, SESSION)))
    with messages.open("rb") as stdin:
        done = subprocess.run([*CODER_LSP, "serve", "--model", str(DEEPSEEK_MODEL)], stdin=stdin,
                              capture_output=True, cwd=workspace, timeout=60)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    replies = _replies(done.stdout)
    assert replies[1]["result"]["serverInfo"]["name"] == "coder-lsp"
    assert replies[2]["result"] is None


async def test_messages_split_across_pipe_writes(workspace):
    """The event loop reads the pipe in whatever pieces arrive: headers and bodies cut anywhere."""
    process = await asyncio.create_subprocess_exec(
        *CODER_LSP, "serve", "--model", str(DEEPSEEK_MODEL), cwd=workspace,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    data = b"".join(map(_frame, SESSION))
    for start in range(0, len(data), 7):  # 7-byte pieces, each its own write
        process.stdin.write(data[start : start + 7])
        await process.stdin.drain()
        await asyncio.sleep(0.001)
    stdout, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    assert set(_replies(stdout)) == {1, 2}


async def test_junk_without_newlines_on_the_pipe_is_dropped(workspace):
    """Two megabytes without a newline (no header line is that long) are dropped; the session goes on."""
    process = await asyncio.create_subprocess_exec(
        *CODER_LSP, "serve", "--model", str(DEEPSEEK_MODEL), cwd=workspace,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    process.stdin.write(b"x" * (2 << 20) + b"\r\n" + b"".join(map(_frame, SESSION)))
    stdout, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    assert set(_replies(stdout)) == {1, 2}


async def test_tcp_transport(workspace, unused_tcp_port):
    from pygls.lsp.client import LanguageClient

    from tests.conftest import CODER_LSP, DEEPSEEK_MODEL

    process = await asyncio.create_subprocess_exec(
        *CODER_LSP, "serve", "--tcp", f"127.0.0.1:{unused_tcp_port}", "--model", str(DEEPSEEK_MODEL),
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        client = LanguageClient("tcp-test", "1")
        for _ in range(100):
            try:
                await client.start_tcp("127.0.0.1", unused_tcp_port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        result = await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
        assert result.server_info.name == "coder-lsp"
        await client.shutdown_async(None)
        client.exit(None)
        await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()


async def test_indexing_reports_progress_and_follows_file_changes(workspace):
    async with start_server(workspace) as lsp:
        status = await lsp.wait_status(lambda s: (s["index"] or {}).get("ready"))
        assert status["index"]["files"] == 1  # util.py

        def titles():
            return [
                report.title
                for reports in lsp.client.progress_reports.values()
                for report in reports
                if isinstance(report, types.WorkDoneProgressBegin)
            ]

        # The index can be ready before the client has answered the progress
        # token's create request, so the begin report may trail the status.
        for _ in range(50):
            if "coder-lsp: indexing workspace" in titles():
                break
            await asyncio.sleep(0.1)
        assert "coder-lsp: indexing workspace" in titles()
        new_file = workspace / "shapes.py"
        new_file.write_text("def circle(radius):\n    return 3.14 * radius * radius\n", encoding="utf-8")
        lsp.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams([types.FileEvent(new_file.as_uri(), types.FileChangeType.Created)])
        )
        status = await lsp.wait_status(lambda s: s["index"]["files"] == 2)
        assert status["index"]["definitions"] >= 4


async def test_requests_after_shutdown_get_an_error_and_exit_is_clean(workspace):
    from pygls.exceptions import JsonRpcInvalidRequest

    async with start_server(workspace) as lsp:
        await lsp.client.shutdown_async(None)
        with pytest.raises(JsonRpcInvalidRequest):
            await lsp.status()
        lsp.client.exit(None)
        assert await asyncio.wait_for(lsp.client._server.wait(), 30) == 0


@pytest.mark.parametrize("pulled", [{}, []])
async def test_an_empty_pulled_section_keeps_the_initialization_options(workspace, pulled):
    async with start_server(workspace, settings={"maxTokens": 11}, configuration=pulled) as lsp:
        status = await lsp.status()
        assert status["state"] == "ready" and status["settings"]["maxTokens"] == 11
        assert status["promptFormat"] == "deepseek"  # the model from initializationOptions, not the default
        assert not [m for m in lsp.client.messages if m.type == types.MessageType.Warning]
