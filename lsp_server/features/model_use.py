"""How features get a model: idle unload and wake-up, and the chat engine.

After `model.keepAliveMinutes` without model requests (0 = never) a watcher
on the event loop frees the model's memory: the engines are closed on the
model thread, in turn after any job already queued, and the status says
"unloaded". `wake(ls)` is what a request calls first: it reloads an
idle-unloaded model (through `ModelHost.ensure_loaded`, one load however
many requests ask) and waits for it. `chat_engine(ls)` is the engine
explain, fix and commit messages use: the `chatModel` one when set (loaded
lazily on first use, through the host, on the model thread), else the main
model; a chat model that fails to load is said once and the main model
answers instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import threading
import logging

from lsprotocol import types

from lsp_server.model.types import EngineError

log = logging.getLogger(__name__)
CHECK_EVERY_S = 5.0  # how often the watcher looks; a tiny keep-alive (tests) looks more often


def register(server) -> None:
    server.startup_hooks.append(_start)


def _start(ls) -> None:
    loop, loop_thread = asyncio.get_running_loop(), threading.get_ident()

    def begin() -> None:
        if ls.model.reloading is None:
            ls.model.reloading = ls.spawn(ls.load_model())

    def reload() -> None:  # from the loop (a request) or a warm-socket thread (the git hook)
        begin() if threading.get_ident() == loop_thread else loop.call_soon_threadsafe(begin)

    ls.model.reload = reload
    ls.spawn(_watch(ls))


async def _watch(ls) -> None:
    while not (ls._closed or ls.shutdown_started):
        limit_s = ls.settings.model.keep_alive_minutes * 60
        await asyncio.sleep(min(CHECK_EVERY_S, max(limit_s / 4, 0.05)) if limit_s else CHECK_EVERY_S)
        if limit_s and ls.model.engine is not None and ls.model.idle_for() >= limit_s:
            await unload(ls)


async def unload(ls) -> None:
    """Free the engines now; the next request reloads."""
    free = ls.model.unload_idle_job()
    minutes = ls.settings.model.keep_alive_minutes
    with contextlib.suppress(Exception):
        await ls.run_model_job(None, free)
    ls.set_state("unloaded", f"model unloaded after {minutes:g} min without requests; the next one reloads it")
    ls.log_to_client(f"coder-lsp: model unloaded after {minutes:g} min idle (coderLsp.model.keepAliveMinutes)")


async def wake(ls) -> bool:
    """Reload an idle-unloaded model and wait for it; True if an engine is loaded now."""
    if ls.model.ensure_loaded():
        return True
    reloading = ls.model.reloading
    if reloading is not None:
        with contextlib.suppress(Exception):
            await asyncio.shield(reloading)
    return ls.model.engine is not None


async def chat_engine(ls):
    """The engine for explain, fix and commit messages, or None when there is no model at all."""
    await wake(ls)
    chat_settings = ls.settings.chat_model()
    if chat_settings is None or ls.model.engine is None:
        return ls.model.engine
    root = ls.workspace_root()
    if chat_settings.path and root:  # an editor's relative path means the workspace's file, as model.path does
        chat_settings = dataclasses.replace(chat_settings, path=os.path.join(root, os.path.expanduser(chat_settings.path)))
    try:
        engine = await ls.run_model_job("model:chat", ls.model.chat_job(chat_settings, ls.workspace_root()))
    except EngineError as err:
        ls.show_once("chat-model", f"coder-lsp: the chat model could not be loaded ({err}); using the main model",
                     types.MessageType.Warning)
        return ls.model.engine
    return engine if engine is not None else ls.model.engine
