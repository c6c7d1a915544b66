"""The model thread: newest request per key wins, cancel stops a running job, errors reach the caller."""

from __future__ import annotations

import threading

import pytest

from lsp_server.model.runner import ModelRunner
from lsp_server.model.types import CompletionRequest


@pytest.fixture
def runner():
    runner = ModelRunner()
    yield runner
    runner.shutdown()


def _long_job(engine, started: threading.Event | None = None):
    def job(cancel):
        return engine.complete(CompletionRequest(prefix="x = ", max_tokens=100_000), cancel,
                               on_token=lambda _: started and started.set())
    return job


def test_newer_request_for_a_key_supersedes_the_running_one(runner, deepseek):
    started = threading.Event()
    first = runner.submit("doc", _long_job(deepseek, started))
    assert started.wait(10)
    second = runner.submit("doc", lambda cancel: deepseek.complete(CompletionRequest(prefix="y = ", max_tokens=3), cancel))
    assert first.future.result(timeout=10) is None
    assert second.future.result(timeout=10).generated_tokens == 3


def test_queued_request_is_dropped_when_superseded(runner, deepseek):
    started = threading.Event()
    blocker = runner.submit("other", _long_job(deepseek, started))
    assert started.wait(10)
    queued = runner.submit("doc", lambda cancel: "never")
    newer = runner.submit("doc", lambda cancel: "newest")
    assert queued.future.result(timeout=1) is None
    blocker.cancel()
    assert blocker.future.result(timeout=10) is None
    assert newer.future.result(timeout=10) == "newest"


def test_different_keys_both_run(runner):
    jobs = [runner.submit(key, lambda cancel, n=n: n) for n, key in enumerate(("a", "b", None, None))]
    assert [job.future.result(timeout=5) for job in jobs] == [0, 1, 2, 3]


def test_errors_reach_the_future(runner):
    job = runner.submit(None, lambda cancel: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        job.future.result(timeout=5)


def test_shutdown_cancels_the_running_job(deepseek):
    runner, started = ModelRunner(), threading.Event()
    job = runner.submit("doc", _long_job(deepseek, started))
    assert started.wait(10)
    runner.shutdown()
    assert job.future.result(timeout=1) is None
    assert runner.submit("late", lambda cancel: 1).future.result(timeout=1) is None


def _wait_for_cancel(started: threading.Event):
    def job(cancel):
        started.set()
        cancel.wait(10)
        cancel.raise_if_cancelled()
        return "finished"
    return job


def test_an_idle_job_runs_when_nothing_else_does(runner):
    assert runner.submit_idle("doc", lambda cancel: "prefilled").future.result(timeout=10) == "prefilled"


def test_a_real_request_cancels_the_running_idle_job(runner):
    started = threading.Event()
    idle = runner.submit_idle("doc", _wait_for_cancel(started))
    assert started.wait(10)
    real = runner.submit("other", lambda cancel: "answer")
    assert idle.future.result(timeout=10) is None and real.future.result(timeout=10) == "answer"


def test_idle_jobs_wait_for_real_ones_and_the_newest_replaces_the_queued_one(runner):
    started, order = threading.Event(), []
    blocker = runner.submit("doc", _wait_for_cancel(started))
    assert started.wait(10)
    older = runner.submit_idle("a", lambda cancel: order.append("older"))
    newer = runner.submit_idle("b", lambda cancel: order.append("newer") or "newer")
    queued = runner.submit("c", lambda cancel: order.append("real") or "real")  # drops the queued idle job
    blocker.cancel()
    assert queued.future.result(timeout=10) == "real"
    assert older.future.result(timeout=10) is None and newer.future.result(timeout=10) is None
    assert order == ["real"]
    again = runner.submit_idle("b", lambda cancel: order.append("idle") or "idle")
    assert again.future.result(timeout=10) == "idle" and order == ["real", "idle"]


def test_shutdown_drops_a_waiting_idle_job():
    runner = ModelRunner()
    started = threading.Event()
    runner.submit("doc", _wait_for_cancel(started))
    assert started.wait(10)
    idle = runner.submit_idle("x", lambda cancel: "never")
    runner.shutdown()
    assert idle.future.result(timeout=10) is None
