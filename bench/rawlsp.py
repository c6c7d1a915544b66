"""A byte-level LSP client for hostile-input runs (the fuzz test, bench/fuzz.py, bench/soak.py).

pytest-lsp and `lsp_client.py` only send well-formed JSON-RPC; a fuzzer must
send anything (broken headers, junk bodies, wrong shapes) and still check
what comes back strictly. `RawServer` starts `coder-lsp serve` on pipes,
writes raw bytes or framed messages, and reads every frame the server sends
with a strict parser: a body that is not UTF-8 JSON (NaN and Infinity
included) is counted in `bad_frames`. It counts the answers per request id,
answers the server's own requests as an editor would, and keeps the
notifications (so error pop-ups can be counted).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEEPSEEK_MODEL = ROOT / "fixtures" / "models" / "deepseek-tiny.gguf"


def _no_constants(name: str):
    raise ValueError(f"non-JSON constant {name}")


def strict_loads(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"), parse_constant=_no_constants)


def frame(message: Any) -> bytes:
    body = json.dumps(message).encode("utf-8", "surrogatepass")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def capabilities() -> dict:
    return {
        "general": {"positionEncodings": ["utf-16"]},
        "workspace": {"configuration": True, "applyEdit": True, "workspaceEdit": {"documentChanges": True},
                      "didChangeWatchedFiles": {"dynamicRegistration": True}},
        "window": {"workDoneProgress": True},
        "textDocument": {
            "synchronization": {}, "inlineCompletion": {}, "completion": {},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}},
                           "resolveSupport": {"properties": ["edit"]}, "dataSupport": True},
        },
    }


def initialize_params(root: Path, settings: dict) -> dict:
    uri = root.as_uri()
    return {"processId": None, "rootUri": uri, "workspaceFolders": [{"uri": uri, "name": root.name}],
            "initializationOptions": settings, "capabilities": capabilities()}


class RawServer:
    """One `coder-lsp serve` process and strict bookkeeping of what it sends."""

    def __init__(self, root: Path, settings: dict | None = None, env: dict | None = None,
                 command: list[str] | None = None) -> None:
        self.root = root
        self.command = command or [sys.executable, "-m", "lsp_server", "serve"]
        self.settings = {"model": {"path": str(DEEPSEEK_MODEL)}, "speculative": False, **(settings or {})}
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.env.pop("CODER_LSP_MODEL", None)
        self.answers: dict[Any, list[dict]] = {}
        self.notifications: list[tuple[str, Any]] = []
        self.server_requests: list[str] = []
        self.bad_frames: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._waiters: dict[Any, asyncio.Event] = {}
        self._reader: asyncio.Task | None = None

    async def start(self, stderr=None, initialize: bool = True) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command, cwd=str(self.root), env=self.env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=stderr if stderr is not None else asyncio.subprocess.DEVNULL, limit=1 << 26)
        self._reader = asyncio.create_task(self._read_loop())
        if initialize:
            await self.request("initialize", initialize_params(self.root, self.settings), timeout=60)
            self.notify("initialized", {})

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def write(self, data: bytes) -> None:
        self.process.stdin.write(data)

    def send_message(self, message: Any) -> None:
        self.write(frame(message))

    def notify(self, method: str, params: Any = None) -> None:
        self.send_message({"jsonrpc": "2.0", "method": method, "params": params})

    def send(self, method: str, params: Any = None, msg_id: Any = None) -> Any:
        msg_id = next(self._ids) if msg_id is None else msg_id
        self.expect(msg_id)
        self.send_message({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id

    def expect(self, msg_id: Any) -> None:
        self._waiters.setdefault(_key(msg_id), asyncio.Event())

    async def wait(self, msg_id: Any, timeout: float = 10) -> dict:
        """The first answer to `msg_id`; TimeoutError if none came within `timeout` seconds."""
        event = self._waiters.setdefault(_key(msg_id), asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout)
        return self.answers[_key(msg_id)][0]

    async def request(self, method: str, params: Any = None, timeout: float = 10) -> Any:
        answer = await self.wait(self.send(method, params), timeout)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result")

    async def wait_ready(self, timeout: float = 60) -> dict:
        """Poll coderLsp.status until the model is loaded (or failed to load)."""
        async def poll() -> dict:
            while True:
                status = await self.request("workspace/executeCommand", {"command": "coderLsp.status"})
                if status["state"] in ("ready", "error"):
                    return status
                await asyncio.sleep(0.05)

        return await asyncio.wait_for(poll(), timeout)

    def error_popups(self) -> list[str]:
        return [p.get("message", "") for m, p in self.notifications
                if m == "window/showMessage" and isinstance(p, dict) and p.get("type") == 1]

    async def _read_loop(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = await stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if length is None:
                self.bad_frames.append("a frame without Content-Length")
                continue
            body = await stream.readexactly(length)
            try:
                message = strict_loads(body)
            except ValueError as exc:
                self.bad_frames.append(f"{exc}: {body[:200]!r}")
                continue
            self._dispatch(message)

    def _dispatch(self, message: dict) -> None:
        if "method" not in message:
            key = _key(message.get("id"))
            self.answers.setdefault(key, []).append(message)
            self._waiters.setdefault(key, asyncio.Event()).set()
        elif "id" in message:
            self.server_requests.append(message["method"])
            self.send_message({"jsonrpc": "2.0", "id": message["id"], "result": self._answer(message)})
        else:
            self.notifications.append((message["method"], message.get("params")))

    def _answer(self, message: dict) -> Any:
        if message["method"] == "workspace/configuration":
            return [self.settings for _ in (message.get("params") or {}).get("items", [])]
        if message["method"] == "workspace/applyEdit":
            return {"applied": False}
        return None

    def proc_stats(self) -> dict:
        """RSS (MB), threads and open descriptors of the server process, from /proc."""
        pid = self.process.pid
        stats = {"rssMb": None, "threads": None, "fds": None}
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    stats["rssMb"] = round(int(line.split()[1]) / 1024, 1)
                elif line.startswith("Threads:"):
                    stats["threads"] = int(line.split()[1])
            stats["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
        return stats

    async def stop(self, timeout: float = 10) -> int | None:
        if self.process is None:
            return None
        with contextlib.suppress(Exception):
            if self.alive:
                await self.request("shutdown", None, timeout=timeout)
                self.notify("exit")
                await asyncio.wait_for(self.process.wait(), timeout)
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        if self._reader:
            self._reader.cancel()
        return self.process.returncode


def _key(msg_id: Any) -> Any:
    """Ids as dict keys: JSON numbers 1 and 1.0 are the same id; unhashable ids by their JSON."""
    if isinstance(msg_id, float) and msg_id.is_integer():
        return int(msg_id)
    if isinstance(msg_id, (dict, list)):
        return json.dumps(msg_id, sort_keys=True)
    return msg_id


def now() -> float:
    return time.perf_counter()


def write_results(out: str, text: str, result: dict) -> None:
    """`out`.md (the tables) and `out`.json (the figures) for a benchmark run."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out + ".md").write_text(text)
    Path(out + ".json").write_text(json.dumps(result, indent=1))
