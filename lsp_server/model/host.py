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
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Callable

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
        self.engine, self.error = engine, ""
        self.device = _describe(engine).get("device", "")
        self._set_loaded()

    def load_failed(self, reason: str) -> None:
        self.engine, self.error, self.device = None, reason, ""
        self._set_loaded()

    def _set_loaded(self) -> None:
        self.loaded.set()
        for waiter in list(self._waiters):  # each on its own loop's thread: a load may end on any thread
            with contextlib.suppress(RuntimeError):  # that loop has closed (shutdown)
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)

    def close(self) -> None:
        engine, self.engine = self.engine, None
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
