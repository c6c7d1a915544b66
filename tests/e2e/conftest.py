"""End-to-end fixtures: the real `coder-lsp serve` over stdio, driven by pytest-lsp.

`start_server(...)` starts the server with chosen settings, environment and
client capabilities (inline completion declared, since pytest-lsp's editor
snapshots predate it), initializes it, and waits for the model to be ready
(or to fail). `Session` wraps the client with the few calls every test uses:
open a document, ask for an inline completion, run a command, read
`coderLsp.status`, and wait for a condition on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import CODER_LSP, DEEPSEEK_MODEL, SCRIPTED_ENV, SCRIPTED_SERVER, env_without_model

STATUS = "coderLsp/status"
_ids = itertools.count(1)


def capabilities(*, encodings: list[str] | None = None, resolve_edits: bool = True) -> types.ClientCapabilities:
    resolve = types.ClientCodeActionResolveOptions(properties=["edit"]) if resolve_edits else None
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=encodings) if encodings else None,
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(),
            inline_completion=types.InlineCompletionClientCapabilities(),
            completion=types.CompletionClientCapabilities(),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=["quickfix", "quickfix.explain"])
                ),
                resolve_support=resolve,
                data_support=True,
            ),
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
        ),
    )


def plain(value):
    """pygls hands custom-method params over as namedtuples; tests read dicts."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


class Session:
    """A started, initialized server and the client talking to it."""

    def __init__(self, client: LanguageClient, workspace: Path) -> None:
        self.client = client
        self.workspace = workspace
        self.statuses: list[dict] = []
        self.applied_edits: list[types.ApplyWorkspaceEditParams] = []
        self._status_event = asyncio.Event()
        self.versions: dict[str, int] = {}

    # documents
    def open(self, name: str, text: str, language: str = "python") -> str:
        path = self.workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        uri = path.as_uri()
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text))
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(self.versions[uri], uri),
                [types.TextDocumentContentChangeWholeDocument(text)],
            )
        )

    # requests
    def inline_params(self, uri: str, line: int, character: int) -> types.InlineCompletionParams:
        return types.InlineCompletionParams(
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Automatic),
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(line, character),
        )

    def send(self, method: str, params: Any) -> tuple[str, asyncio.Future]:
        """Send a request now; its id (for $/cancelRequest) and the future of its answer."""
        msg_id = f"test-{next(_ids)}"
        future = asyncio.ensure_future(self.client.protocol.send_request_async(method, params, msg_id=msg_id))
        return msg_id, future

    def send_raw(self, method: str, params: Any) -> asyncio.Future:
        """Send params as plain JSON, unchecked (for malformed-input tests)."""
        import concurrent.futures

        msg_id = f"raw-{next(_ids)}"
        future: concurrent.futures.Future = concurrent.futures.Future()
        self.client.protocol._request_futures[msg_id] = future
        self.client.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return asyncio.wrap_future(future)

    def cancel(self, msg_id: str) -> None:
        self.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    async def inline(self, uri: str, line: int, character: int):
        return await self.client.text_document_inline_completion_async(self.inline_params(uri, line, character))

    async def command(self, name: str, *arguments):
        params = types.ExecuteCommandParams(command=name, arguments=list(arguments) or None)
        return await self.client.workspace_execute_command_async(params)

    async def status(self) -> dict:
        return await self.command("coderLsp.status")

    async def wait_status(self, predicate, timeout: float = 60.0) -> dict:
        """Poll coderLsp.status until predicate(status) holds (a wait, not a timed assert)."""
        async def poll():
            while True:
                status = await self.status()
                if predicate(status):
                    return status
                await asyncio.sleep(0.05)

        return await asyncio.wait_for(poll(), timeout)

    async def wait_state(self, *states: str, timeout: float = 60.0) -> dict:
        async def wait():
            while not any(s.get("state") in states for s in self.statuses):
                self._status_event.clear()
                await self._status_event.wait()
            return next(s for s in reversed(self.statuses) if s.get("state") in states)

        return await asyncio.wait_for(wait(), timeout)

    def on_status(self, params) -> None:
        self.statuses.append(plain(params))
        self._status_event.set()

    def error_messages(self) -> list[str]:
        return [m.message for m in self.client.messages if m.type == types.MessageType.Error]


@contextlib.asynccontextmanager
async def start_server(
    workspace: Path,
    *,
    settings: dict | None = None,
    env: dict[str, str] | None = None,
    encodings: list[str] | None = None,
    resolve_edits: bool = True,
    configuration: dict | None = None,
    wait_ready: bool = True,
    args: tuple[str, ...] = (),
):
    """A server on `workspace` with `settings` as initializationOptions (model: the DeepSeek tiny GGUF)."""
    options = {"model": {"path": str(DEEPSEEK_MODEL)}, "speculative": False, **(settings or {})}
    server_env = env_without_model(**(env or {}))
    server_env.setdefault("PYTHONUNBUFFERED", "1")
    launcher = SCRIPTED_SERVER if SCRIPTED_ENV in server_env else CODER_LSP  # tests/scripted_server.py
    config = ClientServerConfig(server_command=[*launcher, "serve", *args], server_env=server_env)
    client = await config.start()
    session = Session(client, workspace)
    client.feature(STATUS)(lambda params: session.on_status(params))

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams):
        session.applied_edits.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    if configuration is not None:
        client.set_configuration(configuration, section="coderLsp")
    session.initialize_result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(encodings=encodings, resolve_edits=resolve_edits),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(workspace.as_uri(), workspace.name)],
            initialization_options=options,
        )
    )
    try:
        if wait_ready:
            await session.wait_state("ready", "error")
        yield session
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), 20)
        with contextlib.suppress(Exception):
            await client.stop()


@pytest.fixture
def workspace(tmp_path, isolated_home) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "util.py").write_text(
        "def add(a, b):\n    return a + b\n\n\nclass Point:\n    def __init__(self, x, y):\n"
        "        self.x = x\n        self.y = y\n",
        encoding="utf-8",
    )
    return folder


SLOW = {"CODER_LSP_TEST_ENGINE": "delay_ms=40"}
FAILING = {"CODER_LSP_TEST_ENGINE": "fail"}
PYTHON_SOURCE = "from util import add\n\n\ndef total(values):\n    result = 0\n    # add every value to the running total\n    for value in values:\n        "
os.environ.setdefault("PYTHONUNBUFFERED", "1")
