"""Freed heap goes back to the OS when the model thread goes idle: once per stretch of work, off the loop."""

from __future__ import annotations

import threading
import time

import pytest

from lsp_server.features import create_server
from lsp_server.model import heap
from lsp_server.model.runner import ModelRunner


class Calls:
    def __init__(self, fail: bool = False) -> None:
        self.threads: list[str] = []
        self.fail = fail
        self.seen = threading.Event()

    def __call__(self) -> None:
        self.threads.append(threading.current_thread().name)
        self.seen.set()
        if self.fail:
            raise RuntimeError("housekeeping broke")


@pytest.fixture
def calls():
    return Calls()


def _runner(calls, idle_after=0.05):
    return ModelRunner(name="idle-test", on_idle=calls, idle_after=idle_after)


def test_called_once_on_the_model_thread_after_work_then_not_again(calls):
    runner = _runner(calls)
    try:
        time.sleep(0.2)
        assert calls.threads == []  # no work yet: nothing to give back
        assert runner.submit("doc", lambda cancel: 1).future.result(timeout=5) == 1
        assert calls.seen.wait(5)
        time.sleep(0.3)
        assert calls.threads == ["idle-test"]  # once per idle period, not every idle_after
        runner.submit("doc", lambda cancel: 2).future.result(timeout=5)
        time.sleep(0.3)
        assert calls.threads == ["idle-test"] * 2
    finally:
        runner.shutdown()


def test_not_called_while_keys_keep_coming(calls):
    runner = _runner(calls, idle_after=0.2)
    try:
        end = time.monotonic() + 0.8
        while time.monotonic() < end:  # a key every 20 ms: never idle for 0.2 s
            runner.submit("doc", lambda cancel: None)
            time.sleep(0.02)
        assert calls.threads == []
        assert calls.seen.wait(5) and len(calls.threads) == 1
    finally:
        runner.shutdown()


def test_a_failing_hook_never_stops_the_model_thread():
    calls = Calls(fail=True)
    runner = _runner(calls)
    try:
        runner.submit(None, lambda cancel: None).future.result(timeout=5)
        assert calls.seen.wait(5)
        assert runner.submit(None, lambda cancel: "still here").future.result(timeout=5) == "still here"
    finally:
        runner.shutdown()


def test_shutdown_while_waiting_to_trim_is_prompt(calls):
    runner = _runner(calls, idle_after=30)
    runner.submit(None, lambda cancel: None).future.result(timeout=5)
    started = time.monotonic()
    runner.shutdown()
    assert time.monotonic() - started < 5 and calls.threads == []


def test_release_free_heap_is_harmless_and_a_no_op_without_glibc(monkeypatch):
    before, glibc = heap.trims, heap._TRIM is not None
    assert heap.release_free_heap() in (True, False)
    assert heap.trims == before + glibc
    monkeypatch.setattr(heap, "_TRIM", None)  # macOS, Windows, musl
    assert heap.release_free_heap() is False and heap.trims == before + glibc


def test_release_free_heap_returns_freed_pages_on_glibc():
    if heap._TRIM is None:
        pytest.skip("not glibc: release_free_heap does nothing here (tested above)")
    blocks = [bytearray(4096) for _ in range(20_000)]  # ~80 MB of small blocks in the heap, then freed
    del blocks
    assert heap.release_free_heap() is True


def test_the_server_trims_from_its_model_thread():
    server = create_server()
    try:
        assert server.runner._on_idle is heap.release_free_heap
        assert server.runner._idle_after == heap.IDLE_SECONDS >= 0.5  # a pause, not the gap between keys
    finally:
        server.runner.shutdown()
