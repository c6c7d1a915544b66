"""The model a server holds: which engine is loaded, on what device, or why none is.

`ModelHost` owns the engine's life: a load (or a switch to new model
settings) closes the old engine and loads the new one as one job on the
model thread, and a newer load supersedes an older one still running. It
keeps the engine, its device ("cpu", "gpu", "remote"), the last load error
for users, and `loaded`, an event set once a load has finished, ok or not,
that threads without an event loop (the git hook's socket) wait on, and
`wait_until_loaded`, the same wait for a coroutine (a completion request
held while the model loads). The loader is `load_engine` unless the host is
given another (tests wrap the real engine to slow it down or break it on cue).

Idle unload: `touch()` marks model use; `unload_idle_job()` frees the
engine (and the chat engine) on the model thread and leaves `idle` set, so
`ensure_loaded()` on the next request asks the server (through `reload`, a
callback the keep-alive feature installs) to load it again. `state` names
all of it for the status display: loading, ready, error, or unloaded. The
optional chat engine (the `chatModel` setting) is loaded lazily by
`chat_job` on first chat use and kept beside the main one.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Any, Callable

from lsp_server.model.loader import load_engine
from lsp_server.model.settings import ModelSettings
from lsp_server.model.types import CancelToken, Cancelled, Engine

Loader = Callable[..., Engine]


class ModelHost:
    def __init__(self, *, cli_model: str | None = None, loader: Loader | None = None) -> None:
        self.cli_model = cli_model
        self.loader: Loader = loader or load_engine
        self.engine: Engine | None = None
        self.error = ""
        self.device = ""
        self.loaded = threading.Event()
        self._waiters: list[asyncio.Future] = []
        self.idle = False  # unloaded after model.keepAliveMinutes without requests; reloads on demand
        self.last_used = time.monotonic()
        # Starts a load on the server (the keep-alive feature's; callable from any thread), and that
        # load while it runs, for requests on the event loop to await.
        self.reload: Callable[[], Any] | None = None
        self.reloading: Any = None
        self._reload_asked = False
        self.chat: Engine | None = None  # the chatModel engine, once a chat asked for it
        self.chat_settings: ModelSettings | None = None

    @property
    def state(self) -> str:
        if self.engine is not None:
            return "ready"
        if self.idle:
            return "unloaded"
        return "loading" if not self.loaded.is_set() else "error"

    @property
    def usable(self) -> bool:
        """A model is loaded, or was unloaded for idleness and reloads on the next request."""
        return self.engine is not None or self.idle

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def idle_for(self) -> float:
        return time.monotonic() - self.last_used

    def ensure_loaded(self) -> bool:
        """True if the engine is loaded now; else start the reload of an idle-unloaded one (once).

        From any thread; `loaded` is set again when the reload ends (the git hook's socket waits on it)."""
        self.touch()
        if self.engine is not None:
            return True
        if self.idle and not self._reload_asked and self.reload is not None:
            self._reload_asked = True
            self.loaded.clear()
            self.reload()
        return False

    def unload_idle_job(self) -> Callable[[CancelToken], None]:
        """Forget the engines now (requests see "unloaded"); the job that frees them, for the model thread."""
        engines = [e for e in (self.engine, self.chat) if e is not None]
        self.engine, self.chat, self.chat_settings, self.device, self.idle = None, None, None, "", True

        def free(_cancel: CancelToken) -> None:
            for engine in engines:
                engine.close()

        return free

    def chat_job(self, model_settings: ModelSettings, workspace: str | None) -> Callable[[CancelToken], Engine]:
        """The job (model thread) that returns the chat engine for these settings, loading it if needed."""
        def load(_cancel: CancelToken) -> Engine:
            if self.chat is not None and self.chat_settings == model_settings:
                return self.chat
            old, self.chat, self.chat_settings = self.chat, None, None
            if old is not None:
                old.close()
            self.chat = self.loader(model_settings, cli_model=None, workspace=workspace)
            self.chat_settings = model_settings
            return self.chat

        return load

    @property
    def name(self) -> str:
        return self.engine.name if self.engine is not None else ""

    def load_job(self, model_settings: ModelSettings, workspace: str | None) -> Callable[[CancelToken], Engine]:
        """Unload now; the job that closes the old engine and loads the new one, for the model thread."""
        old_engine, self.engine, self.device = self.engine, None, ""
        self.loaded.clear()

        def swap(cancel: CancelToken) -> Engine:
            if old_engine is not None:
                old_engine.close()
            cancel.raise_if_cancelled()
            engine = self.loader(model_settings, cli_model=self.cli_model, workspace=workspace)
            if cancel.cancelled:  # a newer load superseded this one while it loaded
                engine.close()
                raise Cancelled()
            return engine

        return swap

    async def wait_until_loaded(self) -> Engine | None:
        """Wait for the load in progress (or the next one) to finish: the engine, None if it failed."""
        if not self.loaded.is_set():
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
        return self.engine

    def loaded_ok(self, engine: Engine) -> None:
        self.engine, self.error, self.idle, self.reloading, self._reload_asked = engine, "", False, None, False
        self.touch()
        self.device = _describe(engine).get("device", "")
        self._set_loaded()

    def load_failed(self, reason: str) -> None:
        self.engine, self.error, self.device, self.idle, self.reloading, self._reload_asked = None, reason, "", False, None, False
        self._set_loaded()

    def _set_loaded(self) -> None:
        self.loaded.set()
        for waiter in list(self._waiters):  # each on its own loop's thread: a load may end on any thread
            with contextlib.suppress(RuntimeError):  # that loop has closed (shutdown)
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)

    def close(self) -> None:
        engines, self.engine, self.chat = (self.engine, self.chat), None, None
        for engine in engines:
            if engine is not None:
                engine.close()


def _wake(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _describe(engine: Engine) -> dict:
    try:
        return engine.describe()
    except Exception:
        return {}
