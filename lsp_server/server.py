"""The pygls server object and the state every feature shares.

`CoderServer` holds the frozen `settings`, the `engine` (None until loaded,
or when loading failed), the one model thread (`runner`), the repository
`index`, and the `startup_hooks` / `shutdown_hooks` other parts add. It
loads the model off the event loop with work-done progress, reports its
state with `coderLsp/status`, shows each kind of error to the user once, and
runs model work through `run_model_job`, which ties `$/cancelRequest` to the
model's cancel flag. `create_server` registers every module in
`features.FEATURES`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sys
import threading
import uuid
from collections import Counter, deque
from typing import Any, Callable

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from lsp_server import __version__
from lsp_server.config import Settings
from lsp_server.model.types import Cancelled, EngineError
from lsp_server.protocol import CoderProtocol

log = logging.getLogger(__name__)
STATUS_NOTIFICATION = "coderLsp/status"
BUSY_AFTER_S = 0.25


class CoderServer(LanguageServer):
    def __init__(self, *, cli_model: str | None = None) -> None:
        super().__init__(
            name="coder-lsp",
            version=__version__,
            protocol_cls=CoderProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        from lsp_server.model.runner import ModelRunner

        self.settings = Settings()
        self.cli_model = cli_model
        self.engine: Any = None
        self.engine_error = ""
        self.device = ""  # "cpu" / "gpu" / "remote", from the loaded engine
        self.runner = ModelRunner()
        self.index: Any = None
        self.startup_hooks: list[Callable[[CoderServer], Any]] = []
        self.shutdown_hooks: list[Callable[[CoderServer], Any]] = []
        self.state = "loading"
        self.latencies_ms: deque[float] = deque(maxlen=50)
        self.job_log: deque[dict] = deque(maxlen=50)  # what the model thread did, for coderLsp.status
        self.job_outcomes: Counter[str] = Counter()
        self.model_loaded = threading.Event()  # set once a load finished, ok or not
        self._shown_errors: set[str] = set()
        self._jobs_in_flight = 0
        self._busy_timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._background: set[asyncio.Task] = set()

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
        engine = self.engine
        model = getattr(engine, "name", "") if engine is not None else ""
        params = {"state": state, "message": message, "model": model, "device": self.device}
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

    async def run_model_job(self, key: str | None, job: Callable, *, kind: str = "job") -> Any:
        """Run `job(cancel)` on the model thread; None if superseded or cancelled.

        `$/cancelRequest` cancels the awaiting task; its CancelledError sets the
        job's cancel flag, so the engine stops within one token.
        """
        runner_job = self.runner.submit(key, job)
        self._job_started()
        try:
            return await asyncio.wrap_future(runner_job.future)
        except asyncio.CancelledError:
            runner_job.cancel()
            raise
        except Cancelled:
            return None
        finally:
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

    def record_job(self, kind: str, uri: str, **details: Any) -> dict:
        """A job_log entry the job fills in (tokens) and `finish_job` closes."""
        stats = {"kind": kind, "uri": uri, "tokens": 0, "outcome": "queued", **details}
        self.job_log.append(stats)
        return stats

    async def run_logged_job(self, key: str | None, job: Callable, stats: dict) -> Any:
        """`run_model_job` for a `record_job` entry, with the bookkeeping features share.

        A cancelled request is logged and re-raised (pygls answers it); an engine
        failure is logged, shown once per kind, and answers None. Otherwise the
        caller closes `stats` with its own outcome.
        """
        try:
            return await self.run_model_job(key, job, kind=stats["kind"])
        except asyncio.CancelledError:
            self.finish_job(stats, "cancelled")
            raise
        except EngineError as exc:
            self.finish_job(stats, "error")
            self.show_once("engine", f"coder-lsp: the model failed: {exc}")
            return None

    def finish_job(self, stats: dict, outcome: str) -> None:
        """Close a job_log entry; the first outcome stands (an error stays an error)."""
        if stats.get("finished"):
            return
        stats["finished"] = True
        stats["outcome"] = outcome
        self.job_outcomes[f"{stats['kind']}:{outcome}"] += 1

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
        model_settings = self.settings.model
        old_engine, self.engine, self.device = self.engine, None, ""
        self.model_loaded.clear()
        self.set_state("loading", "loading the model")
        workspace = self.workspace_root()

        def swap(cancel) -> Any:
            if old_engine is not None:
                old_engine.close()
            cancel.raise_if_cancelled()
            engine = self._load_engine(model_settings, workspace)
            if cancel.cancelled:  # a newer load superseded this one while it loaded
                engine.close()
                raise Cancelled()
            return engine

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
        self.engine, self.engine_error = engine, ""
        self.device = _describe(engine).get("device", "")
        self.model_loaded.set()
        self.set_state("ready", f"model {engine.name} ready")

    def _load_engine(self, model_settings, workspace: str | None) -> Any:
        from lsp_server.assist.scripted import wrap_for_tests
        from lsp_server.model.loader import load_engine

        engine = load_engine(model_settings, cli_model=self.cli_model, workspace=workspace)
        return wrap_for_tests(engine)

    def _model_failed(self, reason: str) -> None:
        self.engine, self.engine_error, self.device = None, reason, ""
        self.model_loaded.set()
        self.set_state("error", reason)
        self.show_once("model-load", f"coder-lsp: the model could not be loaded: {reason}")

    # --- settings ----------------------------------------------------------------

    def apply_settings(self, settings: Settings, bad_keys: tuple[str, ...]) -> None:
        """Swap the settings whole; reload the model only when its settings changed."""
        old, self.settings = self.settings, settings
        if bad_keys:
            names = ", ".join(f"coderLsp.{key}" for key in bad_keys)
            self.show_once(
                f"settings:{names}",
                f"coder-lsp: ignored invalid setting {names}; using the default",
                types.MessageType.Warning,
            )
        if old.model != settings.model:
            self.spawn(self.load_model())

    # --- progress ----------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def progress(self, title: str):
        """Work-done progress when the client supports it; yields report(message)."""
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            yield lambda message: None
            return
        token = f"coder-lsp/{uuid.uuid4()}"
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), timeout=5)
        except Exception:
            yield lambda message: None
            return
        self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title))

        def report(message: str) -> None:
            self.work_done_progress.report(token, types.WorkDoneProgressReport(message=message))

        try:
            yield report
        finally:
            self.work_done_progress.end(token, types.WorkDoneProgressEnd())

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
            if self.engine is not None:
                with contextlib.suppress(Exception):
                    self.engine.close()
        super().shutdown()


def _describe(engine) -> dict:
    try:
        return engine.describe()
    except Exception:
        return {}


def create_server(*, cli_model: str | None = None) -> CoderServer:
    """A server with every feature module in `features.FEATURES` registered."""
    from lsp_server.features import FEATURES

    server = CoderServer(cli_model=cli_model)
    for name in FEATURES:
        try:
            importlib.import_module(f"lsp_server.features.{name}").register(server)
        except Exception:  # one broken feature must not take completions down with it
            log.exception("feature %s failed to register", name)
    return server


def invalid_params(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams.of(ValueError(message))
