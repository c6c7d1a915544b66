"""`ModelHost.wait_until_loaded`: a coroutine waits for the load in progress, whichever thread
ends it, and learns the engine, or None when the load failed (the real DeepSeek fixture)."""

from __future__ import annotations

import asyncio
import threading

from lsp_server.model.host import ModelHost
from lsp_server.model.settings import ModelSettings
from lsp_server.model.types import CancelToken
from tests.conftest import DEEPSEEK_MODEL

SETTINGS = ModelSettings(path=str(DEEPSEEK_MODEL), n_ctx=1024, n_gpu_layers=0)


async def test_waits_for_a_load_finished_on_another_thread():
    host = ModelHost()
    swap = host.load_job(SETTINGS, None)
    waiting = asyncio.ensure_future(host.wait_until_loaded())
    await asyncio.sleep(0.05)
    assert not waiting.done()  # nothing loaded yet: it waits, it does not answer None
    loader = threading.Thread(target=lambda: host.loaded_ok(swap(CancelToken())))
    loader.start()
    engine = await asyncio.wait_for(waiting, 60)
    loader.join()
    try:
        assert engine is host.engine and engine.name
        assert await host.wait_until_loaded() is engine  # loaded: at once
        host.load_job(SETTINGS, None)  # a reload: waiting again until it ends, here in failure
        again = asyncio.ensure_future(host.wait_until_loaded())
        await asyncio.sleep(0.05)
        assert not again.done()
        host.load_failed("no such model")
        assert await asyncio.wait_for(again, 5) is None and host.error == "no such model"
    finally:
        engine.close()


async def test_a_cancelled_waiter_is_forgotten():
    host = ModelHost()
    waiting = asyncio.ensure_future(host.wait_until_loaded())
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert host._waiters == []
    host.load_failed("gone")  # nothing left to wake

