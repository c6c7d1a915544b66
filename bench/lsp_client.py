"""A minimal JSON-RPC client for a language server over stdio, for timing.

Benchmarks need what an editor does and a clock on every message: send a
request, cancel it with `$/cancelRequest`, and know when each answer arrived.
pytest-lsp is built for assertions, not timestamps, so this client keeps its
own reader task that stamps each message with `time.perf_counter()` as it is
parsed. Requests from the server (`workspace/configuration`, progress
creation, capability registration) get the answers an editor would give.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Reply:
    id: int
    method: str
    sent: float
    received: float | None = None
    result: Any = None
    error: dict | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ms(self) -> float | None:
        return None if self.received is None else (self.received - self.sent) * 1000


class LspClient:
    def __init__(self, settings: dict | None = None) -> None:
        self.settings = settings or {}
        self.notifications: list[tuple[float, str, Any]] = []
        self.on_notification: Callable[[str, Any], None] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, Reply] = {}
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task | None = None

    async def start(self, command: list[str], cwd: str, env: dict[str, str], stderr) -> None:
        self._process = await asyncio.create_subprocess_exec(
            *command, cwd=cwd, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=stderr, limit=1 << 24,
        )
        self._reader = asyncio.create_task(self._read_loop())

    def _write(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self._process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def send(self, method: str, params: Any) -> Reply:
        reply = Reply(next(self._ids), method, time.perf_counter())
        self._pending[reply.id] = reply
        self._write({"jsonrpc": "2.0", "id": reply.id, "method": method, "params": params})
        return reply

    async def request(self, method: str, params: Any, timeout: float = 120) -> Any:
        reply = self.send(method, params)
        await asyncio.wait_for(reply.done.wait(), timeout)
        if reply.error:
            raise RuntimeError(f"{method}: {reply.error}")
        return reply.result

    def cancel(self, reply: Reply) -> None:
        if not reply.done.is_set():
            self.notify("$/cancelRequest", {"id": reply.id})

    async def _read_loop(self) -> None:
        stream = self._process.stdout
        while True:
            length = 0
            while True:
                line = await stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            message = json.loads(await stream.readexactly(length))
            self._dispatch(message, time.perf_counter())

    def _dispatch(self, message: dict, now: float) -> None:
        if "id" in message and "method" not in message:
            reply = self._pending.pop(message["id"], None)
            if reply is not None:
                reply.received, reply.result, reply.error = now, message.get("result"), message.get("error")
                reply.done.set()
        elif "id" in message:
            self._write({"jsonrpc": "2.0", "id": message["id"], "result": self._answer(message)})
        else:
            self.notifications.append((now, message["method"], message.get("params")))
            if self.on_notification:
                self.on_notification(message["method"], message.get("params"))

    def _answer(self, message: dict) -> Any:
        if message["method"] == "workspace/configuration":
            items = message.get("params", {}).get("items", [])
            return [self.settings if item.get("section") in (None, "coderLsp") else None for item in items]
        return None

    async def stop(self, timeout: float = 10) -> int | None:
        if self._process is None:
            return None
        try:
            await asyncio.wait_for(self.request("shutdown", None), timeout)
            self.notify("exit", None)
            await asyncio.wait_for(self._process.wait(), timeout)
        except (asyncio.TimeoutError, RuntimeError, ConnectionError, BrokenPipeError):
            if self._process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    self._process.kill()
                await self._process.wait()
        if self._reader:
            self._reader.cancel()
        return self._process.returncode


def initialize_params(root: str, settings: dict) -> dict:
    uri = "file://" + root
    return {
        "processId": None,
        "rootUri": uri,
        "workspaceFolders": [{"uri": uri, "name": "workspace"}],
        "initializationOptions": settings,
        "capabilities": {
            "general": {"positionEncodings": ["utf-16"]},
            "workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": True},
                          "workspaceFolders": True},
            "window": {"workDoneProgress": True},
            "textDocument": {
                "synchronization": {"didSave": True},
                "inlineCompletion": {"dynamicRegistration": False},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}},
                               "resolveSupport": {"properties": ["edit"]}},
            },
        },
    }
