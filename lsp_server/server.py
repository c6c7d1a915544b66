"""The pygls server object: the state features share, each part with one owner.

`CoderServer` holds the frozen `settings`, the model (`model`: a
`ModelHost` that loads, switches and reports the engine), the one model
thread (`runner`), the `jobs` log, the repository `index` (None until
indexing starts), the inline completion state (`completions`) and the
`startup_hooks` / `shutdown_hooks` features add. It loads the model off the
event loop with work-done progress, reports its state with
`coderLsp/status`, shows each kind of error to the user once, and runs model
work through `run_model_job`, which ties `$/cancelRequest` to the model's
cancel flag. It knows no feature: `features.create_server` registers them.
The attributes older code reads (`engine`, `engine_error`, `completion_cache`,
...) are properties over those owners.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from lsp_server import __version__
from lsp_server.assist.pipeline import CompletionState
from lsp_server.config import Settings
from lsp_server.jobs import JobLog
from lsp_server.model import heap
from lsp_server.model.host import Loader, ModelHost
from lsp_server.model.runner import ModelRunner
from lsp_server.model.types import Cancelled, EngineError
from lsp_server.progress import progress
from lsp_server.protocol import CoderProtocol

if TYPE_CHECKING:
    from context.index import RepositoryIndex
    from lsp_server.commit.warm_socket import WarmSocketServer

log = logging.getLogger(__name__)
STATUS_NOTIFICATION = "coderLsp/status"
BUSY_AFTER_S = 0.25
Hook = Callable[["CoderServer"], Any]


class CoderServer(LanguageServer):
    def __init__(self, *, cli_model: str | None = None, loader: Loader | None = None) -> None:
        super().__init__(
            name="coder-lsp",
            version=__version__,
            protocol_cls=CoderProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.settings = Settings()
        self.model = ModelHost(cli_model=cli_model, loader=loader)
        self.runner = ModelRunner(on_idle=heap.release_free_heap, idle_after=heap.IDLE_SECONDS)
        self.jobs = JobLog()
        self.index: RepositoryIndex | None = None
        self.completions = CompletionState()
        self.commit_warm_sockets: list[WarmSocketServer] = []
        self.startup_hooks: list[Hook] = []
        self.shutdown_hooks: list[Hook] = []
        self.initialization_options: Any = None  # the lifecycle feature's, from `initialize`
        self.shutdown_started = self.exit_requested = False
        self.state = "loading"
        self._shown_errors: set[str] = set()
        self._jobs_in_flight = 0
        self._busy_timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._background: set[asyncio.Task] = set()

    # --- what older code reads, over the owners above ------------------------------

    engine = property(lambda self: self.model.engine, doc="The loaded engine, None while loading or failed.")
    engine_error = property(lambda self: self.model.error)
    device = property(lambda self: self.model.device)
    model_loaded = property(lambda self: self.model.loaded)
    latencies_ms = property(lambda self: self.jobs.latencies_ms)
    job_log = property(lambda self: self.jobs.records)
    job_outcomes = property(lambda self: self.jobs.outcomes)
    completion_cache = property(lambda self: self.completions.pipeline.cache)
    sticky_context = property(lambda self: self.completions.pipeline.sticky)
    inline_pending = property(lambda self: self.completions.pending)

    record_job = property(lambda self: self.jobs.record)
    finish_job = property(lambda self: self.jobs.finish)

    def start_io(self, stdin=None, stdout=None) -> None:
        """Serve on stdio; a piped stdin is read by the event loop itself (`PipeReader`)."""
        from pygls.io_ import StdoutWriter

        from lsp_server.protocol_io import PipeReader, is_pipe
        from lsp_server.protocol_io import read_messages as run_async

        stdin = stdin or sys.stdin.buffer
        if not is_pipe(stdin):
            return super().start_io(stdin, stdout)
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(run_async(stop_event=self._stop_event, reader=PipeReader(stdin), protocol=self.protocol,
                                  logger=log, error_handler=self.report_server_error))
        except BrokenPipeError:
            log.error("the client closed the connection; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    # --- telling the user --------------------------------------------------------

    def show_once(self, kind: str, message: str, level=types.MessageType.Error) -> None:
        """Show `message` the first time an error of this kind happens; log it every time."""
        log.warning("%s: %s", kind, message)
        if kind in self._shown_errors:
            return
        self._shown_errors.add(kind)
        self.window_show_message(types.ShowMessageParams(type=level, message=message))

    def log_to_client(self, message: str, level=types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(type=level, message=message))

    def set_state(self, state: str, message: str = "") -> None:
        """Send `coderLsp/status` when the state changes (loading, ready, busy, error)."""
        if state == self.state and not message:
            return
        self.state = state
        params = {"state": state, "message": message, "model": self.model.name, "device": self.model.device}
        with contextlib.suppress(Exception):
            self.protocol.notify(STATUS_NOTIFICATION, params)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Request errors already reach the client in the response; bad input from the
        # client (a malformed message or notification) is the client's bug: log only.
        # The rest go to the user once per kind, never on every keystroke.
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)
        if getattr(source, "__name__", "") not in ("FeatureRequestError", "FeatureNotificationError", "JsonRpcException"):
            self.show_once(f"server:{type(error).__name__}", f"coder-lsp: internal error: {error}")

    def spawn(self, coroutine) -> asyncio.Task:
        """Run a background coroutine on the loop, keeping a reference until it ends."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background_done)
        return task

    def _background_done(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    # --- the model thread (hop 3) ------------------------------------------------

    async def run_model_job(self, key: str | None, job: Callable) -> Any:
        """Run `job(cancel)` on the model thread; None if superseded or cancelled.

        `$/cancelRequest` cancels the awaiting task; its CancelledError sets the
        job's cancel flag, so the engine stops within one token.
        """
        runner_job = self.runner.submit(key, job)
        self.model.touch()  # model use: the idle-unload clock starts again (model.keepAliveMinutes)
        self._job_started()
        try:
            return await asyncio.wrap_future(runner_job.future)
        except asyncio.CancelledError:
            runner_job.cancel()
            raise
        except Cancelled:
            return None
        finally:
            self.model.touch()
            self._job_finished()

    def link_cancellation(self) -> None:
        """Tie the current request's cancellation to this task (for executeCommand).

        pygls runs a command handler as an inner task while the request itself
        waits on another future; cancelling that future would leave our task, and
        the model, running.
        """
        request_future = self.protocol._request_futures.get(self.protocol.msg_id)
        task = asyncio.current_task()
        if request_future is None or task is None:
            return
        request_future.add_done_callback(lambda f: f.cancelled() and task.cancel())

    async def run_logged_job(self, key: str | None, job: Callable, stats: dict) -> Any:
        """`run_model_job` for a `jobs` entry: a cancelled request is logged and re-raised (pygls
        answers it); an engine failure is logged, shown once, and answers None; else the caller
        closes `stats` with its own outcome."""
        try:
            return await self.run_model_job(key, job)
        except asyncio.CancelledError:
            self.jobs.finish(stats, "cancelled")
            raise
        except EngineError as exc:
            self.jobs.finish(stats, "error")
            self.show_once("engine", f"coder-lsp: the model failed: {exc}")
            return None

    def _job_started(self) -> None:
        # "busy" only once work has lasted a moment: a status bar that flips on every
        # keystroke is noise, and two notifications per completion cost time.
        self._jobs_in_flight += 1
        if self._busy_timer is None:
            self._busy_timer = asyncio.get_running_loop().call_later(BUSY_AFTER_S, self._show_busy)

    def _show_busy(self) -> None:
        self._busy_timer = None
        if self._jobs_in_flight and self.state == "ready":
            self.set_state("busy")

    def _job_finished(self) -> None:
        self._jobs_in_flight -= 1
        if self._jobs_in_flight:
            return
        if self._busy_timer is not None:
            self._busy_timer.cancel()
            self._busy_timer = None
        if self.state == "busy":
            self.set_state("ready")

    # --- model loading -----------------------------------------------------------

    async def load_model(self) -> None:
        """(Re)load the engine on the model thread, with progress; failures say why once."""
        swap = self.model.load_job(self.settings.model, self.workspace_root())
        self.set_state("loading", "loading the model")
        async with self.progress("coder-lsp: loading model") as report:
            try:
                engine = await self.run_model_job("model:load", swap)
            except EngineError as exc:
                return self._model_failed(str(exc))
            except Exception as exc:  # a loader bug must not take the server down
                log.exception("model load failed")
                return self._model_failed(f"{type(exc).__name__}: {exc}")
            if engine is None:  # superseded by a newer load
                return
            report(f"{engine.name} ({engine.prompt_format})")
        self.model.loaded_ok(engine)
        self.set_state("ready", f"model {engine.name} ready")

    def _model_failed(self, reason: str) -> None:
        self.model.load_failed(reason)
        self.set_state("error", reason)
        self.show_once("model-load", f"coder-lsp: the model could not be loaded: {reason}")

    def apply_settings(self, settings: Settings, bad_keys: tuple[str, ...]) -> None:
        """Swap the settings whole; reload the model only when its settings changed."""
        old, self.settings = self.settings, settings
        if bad_keys:
            names = ", ".join(f"coderLsp.{key}" for key in bad_keys)
            self.show_once(f"settings:{names}", f"coder-lsp: ignored invalid setting {names}; using the default",
                           types.MessageType.Warning)
        if old.model != settings.model:
            self.spawn(self.load_model())

    def progress(self, title: str, *, cancellable: bool = False):
        """Work-done progress (`lsp_server.progress`); yields report(message, percent=None)."""
        return progress(self, title, cancellable=cancellable)

    # --- workspace and shutdown --------------------------------------------------

    def workspace_root(self) -> str | None:
        try:
            return self.workspace.root_path
        except RuntimeError:
            return None

    def shutdown(self) -> None:
        """Stop everything we started; safe to call twice (exit, then end of stdin)."""
        if not self._closed:
            self._closed = True
            for hook in self.shutdown_hooks:
                with contextlib.suppress(Exception):
                    hook(self)
            if self.index is not None:
                with contextlib.suppress(Exception):
                    self.index.stop()
            with contextlib.suppress(Exception):
                self.runner.shutdown()
            with contextlib.suppress(Exception):
                self.model.close()
        super().shutdown()


def invalid_params(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams.of(ValueError(message))
