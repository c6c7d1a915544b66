"""The one model thread: jobs run one at a time, newest-per-key wins, everything is cancellable.

llama.cpp contexts are not thread-safe and one CPU or GPU runs one
generation well, so every model call goes through a `ModelRunner`. A job is
a callable taking a `CancelToken`; it returns a value or raises `Cancelled`.
Submitting a job under a key (say, a document URI) cancels the older job for
that key: a queued one is dropped, a running one sees its token set and stops
at the next token. A cancelled or superseded job's future resolves to None;
any other exception is set on the future. `shutdown` cancels everything and
joins the thread. An idle job (`submit_idle`: prefilling a document's prompt
into the KV cache) runs only when no other job is queued, one at a time (a
newer one replaces it), and any real `submit` cancels it, so it never holds
up a keystroke for longer than its current prompt chunk. `on_idle` (freeing
heap, `heap.release_free_heap`) runs on the model thread once after each
stretch of work, when no job has come for `idle_after` seconds.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Generic, TypeVar

from lsp_server.model.types import CancelToken, Cancelled

T = TypeVar("T")
log = logging.getLogger(__name__)
# A key that starts with BACKGROUND marks background work (next-edit suggestions): it runs only when
# no other job waits, and any other job cancels it while it runs (at its next token or prompt
# step), so it never delays a keystroke's completion.
BACKGROUND = "background:"
_QUIET = object()  # what _take returns when the thread has been idle for idle_after seconds


@dataclass(eq=False)
class RunnerJob(Generic[T]):
    key: str | None
    job: Callable[[CancelToken], T]
    token: CancelToken = field(default_factory=CancelToken)
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _started: bool = field(default=False, repr=False)
    idle: bool = False  # set when it runs as an idle job, so a real submit cancels it

    def cancel(self) -> None:
        """Stop this job: if queued it never runs (future -> None); if running it stops at the next token."""
        with self._lock:
            self.token.cancel()
            if not self._started and not self.future.done():
                self.future.set_result(None)

    def _start(self) -> bool:
        """Called on the model thread: True if the job should run now."""
        with self._lock:
            if self.future.done() or self.token.cancelled:
                if not self.future.done():
                    self.future.set_result(None)
                return False
            self._started = True
            return self.future.set_running_or_notify_cancel()

    @property
    def background(self) -> bool:
        return bool(self.key) and self.key.startswith(BACKGROUND)


class ModelRunner:
    def __init__(self, name: str = "coder-lsp-model", *, on_idle: Callable[[], object] | None = None,
                 idle_after: float = 1.0) -> None:
        self._queue: deque[RunnerJob] = deque()
        self._lock = threading.Condition()
        self._running: RunnerJob | None = None
        self._idle: RunnerJob | None = None  # the one lowest-priority job waiting
        self._closed = False
        self._on_idle, self._idle_after, self._worked = on_idle, idle_after, False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, key: str | None, job: Callable[[CancelToken], T]) -> RunnerJob[T]:
        entry: RunnerJob[T] = RunnerJob(key, job)
        with self._lock:
            if self._closed:
                entry.token.cancel()
                entry.future.set_result(None)
                return entry
            if not entry.background and self._running is not None and self._running.background:
                self._running.token.cancel()  # background work yields to this job
            if key is not None:
                self._supersede(key)
            self._drop_idle()  # real work first: an idle job queued or running stops
            self._queue.append(entry)
            if not entry.background:  # ahead of queued background work, in order among the rest
                self._queue = deque(sorted(self._queue, key=lambda e: e.background))
            self._lock.notify()
        return entry

    def submit_idle(self, key: str | None, job: Callable[[CancelToken], T]) -> RunnerJob[T]:
        """Run `job` when nothing else is queued; replaced by a newer idle job, cancelled by any `submit`."""
        entry: RunnerJob[T] = RunnerJob(key, job)
        with self._lock:
            if self._closed:
                entry.cancel()
                return entry
            self._drop_idle()
            self._idle = entry
            self._lock.notify()
        return entry

    def _drop_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._running is not None and self._running.idle:
            self._running.token.cancel()

    def cancel_all(self) -> None:
        with self._lock:
            for entry in list(self._queue):
                self._drop(entry)
            self._queue.clear()
            self._drop_idle()
            if self._running is not None:
                self._running.token.cancel()

    def shutdown(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self.cancel_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _supersede(self, key: str) -> None:
        for entry in [e for e in self._queue if e.key == key]:
            self._queue.remove(entry)
            self._drop(entry)
        if self._running is not None and self._running.key == key:
            self._running.token.cancel()

    @staticmethod
    def _drop(entry: RunnerJob) -> None:
        entry.cancel()

    def _loop(self) -> None:
        while True:
            entry = self._take()
            if entry is None:
                return
            if entry is _QUIET:
                self._quiet()
                continue
            try:
                self._run(entry)
            finally:
                with self._lock:
                    self._running = None

    def _take(self) -> RunnerJob | object | None:
        """The next job; `_QUIET` once `idle_after` seconds pass with none after some work; None when closed."""
        with self._lock:
            while not self._queue and self._idle is None and not self._closed:
                if not (self._worked and self._on_idle):
                    self._lock.wait()
                elif not self._lock.wait(self._idle_after) and not self._queue and self._idle is None:
                    self._worked = False
                    return _QUIET
            if self._closed and not self._queue:
                return None
            if self._queue:
                entry = self._queue.popleft()
            else:
                entry, self._idle = self._idle, None
                entry.idle = True
            self._running, self._worked = entry, True
            return entry

    def _quiet(self) -> None:
        try:
            self._on_idle()
        except Exception:  # noqa: BLE001 - housekeeping must never stop the model thread
            log.exception("idle housekeeping failed")

    @staticmethod
    def _run(entry: RunnerJob) -> None:
        if not entry._start():
            return
        try:
            result = entry.job(entry.token)
        except Cancelled:
            entry.future.set_result(None)
        except BaseException as err:  # noqa: BLE001 - the caller gets it through the future
            entry.future.set_exception(err)
        else:
            entry.future.set_result(result)
