"""ModelHost's idle life on the real tiny engines, without a server: unload frees the engines,
ensure_loaded asks for one reload however often it is called, and the chat engine loads once
per chat settings."""

from __future__ import annotations

from dataclasses import replace

from lsp_server.model.host import ModelHost
from lsp_server.model.settings import ModelSettings
from lsp_server.model.types import CancelToken
from tests.conftest import DEEPSEEK_MODEL, QWEN_MODEL

MAIN = ModelSettings(path=str(DEEPSEEK_MODEL))


def loaded_host() -> ModelHost:
    host = ModelHost()
    host.loaded_ok(host.load_job(MAIN, None)(CancelToken()))
    return host


def test_unload_frees_the_engines_and_one_reload_is_asked():
    host = loaded_host()
    chat = host.chat_job(replace(MAIN, path=str(QWEN_MODEL)), None)(CancelToken())
    engine = host.engine
    assert host.state == "ready" and host.usable and host.ensure_loaded()
    free = host.unload_idle_job()
    assert (host.state, host.engine, host.chat, host.usable) == ("unloaded", None, None, True)
    free(CancelToken())
    assert engine._llm is None and chat._llm is None  # llama.cpp's memory is released
    asked: list[int] = []
    host.reload = lambda: asked.append(1)
    assert not host.ensure_loaded() and not host.ensure_loaded()
    assert asked == [1] and not host.loaded.is_set()
    host.loaded_ok(host.load_job(MAIN, None)(CancelToken()))
    assert host.state == "ready" and host.loaded.is_set() and not host.idle
    host.close()


def test_the_chat_engine_is_loaded_once_per_settings():
    host = loaded_host()
    qwen = replace(MAIN, path=str(QWEN_MODEL))
    first = host.chat_job(qwen, None)(CancelToken())
    assert host.chat_job(qwen, None)(CancelToken()) is first and first.name.startswith("qwen2.5-coder-tiny")
    other = host.chat_job(replace(qwen, n_ctx=1024), None)(CancelToken())
    assert other is not first and first._llm is None  # the old chat engine was closed
    host.close()
    assert host.engine is None and host.chat is None
