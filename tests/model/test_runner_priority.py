"""Background jobs (next-edit) on the model thread: they wait for, and yield to, keystroke jobs."""

from __future__ import annotations

import threading

from lsp_server.model.runner import BACKGROUND
from lsp_server.model.types import CompletionRequest
from tests.model.test_runner import _long_job, runner  # noqa: F401 - the fixture


def test_a_keystroke_job_cancels_a_running_background_job(runner, deepseek):  # noqa: F811
    started = threading.Event()
    background = runner.submit(BACKGROUND + "next-edit:doc", _long_job(deepseek, started))
    assert started.wait(10)
    inline = runner.submit("doc", lambda cancel: deepseek.complete(CompletionRequest(prefix="y = ", max_tokens=3),
                                                                    cancel))
    assert background.future.result(timeout=10) is None
    assert inline.future.result(timeout=10).generated_tokens == 3


def test_queued_keystroke_jobs_run_before_queued_background_jobs(runner, deepseek):  # noqa: F811
    started, release = threading.Event(), threading.Event()
    order: list[str] = []

    def blocker(cancel):
        started.set()
        release.wait(10)

    runner.submit("blocker", blocker)
    assert started.wait(10)
    background = runner.submit(BACKGROUND + "next-edit:doc", lambda cancel: order.append("next-edit"))
    inline = runner.submit("doc", lambda cancel: order.append("inline"))
    release.set()
    inline.future.result(timeout=10)
    background.future.result(timeout=10)
    assert order == ["inline", "next-edit"]


def test_a_background_job_does_not_cancel_a_running_keystroke_job(runner, deepseek):  # noqa: F811
    started = threading.Event()
    inline = runner.submit("doc", _long_job(deepseek, started))
    assert started.wait(10)
    background = runner.submit(BACKGROUND + "next-edit:doc", lambda cancel: "ran")
    assert not inline.token.cancelled
    inline.cancel()
    assert background.future.result(timeout=10) == "ran"
