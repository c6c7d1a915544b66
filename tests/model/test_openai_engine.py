"""OpenAIEngine against a real llama.cpp server on 127.0.0.1, and against servers that fail."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from bench import llama_cpp_server
from lsp_server.model.openai_engine import OpenAIEngine
from lsp_server.model.settings import ModelSettings
from lsp_server.model.types import CancelToken, Cancelled, ChatMessage, CompletionRequest, EngineError
from tests.conftest import DEEPSEEK_MODEL


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server_url():
    port = _free_port()
    process = subprocess.Popen(
        [*llama_cpp_server.COMMAND, "--model", str(DEEPSEEK_MODEL), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--verbose", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=1) as response:
                json.load(response)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("llama_cpp.server did not start within 60 s")
    yield url
    process.kill()  # a test server: no graceful shutdown to wait for
    process.wait(10)


def test_fim_completion_over_http(server_url):
    engine = OpenAIEngine(ModelSettings(backend="openai", url=server_url, prompt_format="deepseek", timeout_s=30))
    pieces: list[str] = []
    result = engine.complete(CompletionRequest(prefix="def f():\n    return ", suffix="\n", max_tokens=8),
                             CancelToken(), on_token=pieces.append)
    assert result.prompt_format == "deepseek" and result.text and "".join(pieces) == result.text
    assert result.ttft_ms > 0 and engine.describe()["device"] == "remote"


def test_long_lines_never_crash_the_server(server_url):
    """llama.cpp's server tokenizes the prompt whole; one 40,000-letter line would kill it."""
    engine = OpenAIEngine(ModelSettings(backend="openai", url=server_url, prompt_format="deepseek", timeout_s=60))
    line = "data = '" + "A" * 40_000 + "'\n"
    result = engine.complete(CompletionRequest(prefix=line + "x = ", suffix="\n", max_tokens=4), CancelToken())
    reply = engine.chat([ChatMessage("user", "Explain:\n" + line)], CancelToken(), max_tokens=4)
    assert result.generated_tokens == 4 and result.finish_reason == "length"  # the server answered in full
    assert reply.generated_tokens > 0
    assert engine.chat([ChatMessage("user", "Still there?")], CancelToken(), max_tokens=4).generated_tokens > 0


def test_chat_over_http(server_url):
    engine = OpenAIEngine(ModelSettings(backend="openai", url=server_url, timeout_s=30))
    reply = engine.chat([ChatMessage("user", "Explain recursion.")], CancelToken(), max_tokens=8)
    assert reply.text


def test_cancel_stops_the_stream(server_url):
    engine = OpenAIEngine(ModelSettings(backend="openai", url=server_url, timeout_s=30))
    cancel, seen = CancelToken(), []

    def on_token(piece: str) -> None:
        seen.append(piece)
        if len(seen) == 2:
            cancel.cancel()

    with pytest.raises(Cancelled):
        engine.complete(CompletionRequest(prefix="x = ", max_tokens=1500), cancel, on_token=on_token)
    assert len(seen) <= 3


def test_unreachable_server_is_a_clear_error():
    engine = OpenAIEngine(ModelSettings(backend="openai", url=f"http://127.0.0.1:{_free_port()}/v1", timeout_s=2))
    started = time.monotonic()
    with pytest.raises(EngineError, match="Cannot reach the model server"):
        engine.complete(CompletionRequest(prefix="x"), CancelToken())
    assert time.monotonic() - started < 2


def test_silent_server_times_out_within_the_setting():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    port = listener.getsockname()[1]
    engine = OpenAIEngine(ModelSettings(backend="openai", url=f"http://127.0.0.1:{port}/v1", timeout_s=0.5))
    try:
        with pytest.raises(EngineError, match="did not answer within 0.5 s"):
            engine.chat([ChatMessage("user", "hi")], CancelToken())
    finally:
        listener.close()
        for sock in accepted:
            sock.close()


def test_cancel_releases_a_request_waiting_for_a_silent_server():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    engine = OpenAIEngine(ModelSettings(backend="openai", url=f"http://127.0.0.1:{listener.getsockname()[1]}/v1",
                                        timeout_s=30))
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    started = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            engine.complete(CompletionRequest(prefix="x"), cancel)
    finally:
        listener.close()
    assert time.monotonic() - started < 5


def test_bad_url_setting():
    with pytest.raises(EngineError, match="backend.url"):
        OpenAIEngine(ModelSettings(backend="openai", url=""))
