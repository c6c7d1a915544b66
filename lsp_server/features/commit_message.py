"""The `coderLsp.generateCommitMessage` command and the warm socket for the git hook.

The command takes an optional repository (a path, a file URI, or
`{"repository": ...}`; default: the workspace root), runs the commit
generator on the model thread with cancellable work-done progress, and
returns the message as a string (None when nothing is staged, cancelled or
superseded; the user is told why). At start-up the server also listens on
a warm socket for each git repository among the workspace folders, so
`git commit` there, with the hook installed, reuses the model it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import uuid
from urllib.parse import unquote, urlparse

from lsprotocol import types

from lsp_server.commit.generate import generate_commit_message
from lsp_server.commit.staged import NotARepository, NothingStaged
from lsp_server.commit.warm_socket import WarmSocketServer

COMMAND = "coderLsp.generateCommitMessage"
PROGRESS_TITLE = "coder-lsp: commit message"
log = logging.getLogger(__name__)


def register(server) -> None:
    @server.command(COMMAND)
    async def generate_commit_message_command(ls, *arguments):
        ls.link_cancellation()
        repo = repository_argument(ls, arguments)
        engine = await ready_engine(ls)
        if repo is None or engine is None:
            return None
        loop = asyncio.get_running_loop()
        async with cancellable_progress(ls, PROGRESS_TITLE) as (report, user_cancel):
            def job(cancel):
                user_cancel.link(cancel)
                on_progress = lambda message, percent: loop.call_soon_threadsafe(report, message, percent)
                return generate_commit_message(repo, engine, cancel, on_progress=on_progress)

            try:
                return await ls.run_model_job(f"commit-message:{repo}", job, kind="commit-message")
            except (NothingStaged, NotARepository) as error:
                ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info,
                                                               message=f"coder-lsp: {error}"))
                return None

    server.startup_hooks.append(start_warm_sockets)
    server.shutdown_hooks.append(stop_warm_sockets)


def repository_argument(ls, arguments: tuple) -> str | None:
    """The folder named by the command's first argument, else the workspace root."""
    value = arguments[0] if arguments else None
    if isinstance(value, dict):
        value = value.get("repository") or value.get("rootUri") or value.get("uri")
    if isinstance(value, str) and value.startswith("file:"):
        value = unquote(urlparse(value).path)
    folder = value if isinstance(value, str) and value else ls.workspace_root()
    if not folder:
        ls.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Warning, message="coder-lsp: no repository to write a commit message for"))
    return folder


async def ready_engine(ls):
    """The loaded engine, waiting for a load in progress; None (user told once) if there is none."""
    if ls.engine is None and not ls.model_loaded.is_set():
        await asyncio.get_running_loop().run_in_executor(None, ls.model_loaded.wait, 600)
    if ls.engine is None:
        ls.show_once("commit:no-model", f"coder-lsp: no model for commit messages: {ls.engine_error}")
    return ls.engine


class UserCancel:
    """The progress bar's Cancel button, linked to the model job's cancel token."""

    def __init__(self) -> None:
        self.cancelled, self.tokens = False, []

    def link(self, token) -> None:
        self.tokens.append(token)
        if self.cancelled:
            token.cancel()

    def cancel(self) -> None:
        self.cancelled = True
        for token in self.tokens:
            token.cancel()


@contextlib.asynccontextmanager
async def cancellable_progress(ls, title: str):
    """Yields (report(message, percent), UserCancel) for a progress the user can cancel."""
    user_cancel = UserCancel()
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        yield (lambda message, percent: None), user_cancel
        return
    token = f"coder-lsp/{uuid.uuid4()}"
    try:
        await asyncio.wait_for(ls.work_done_progress.create_async(token), timeout=5)
    except Exception:
        yield (lambda message, percent: None), user_cancel
        return
    ls.work_done_progress.tokens[token].add_done_callback(
        lambda future: future.cancelled() and user_cancel.cancel())
    ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0))

    def report(message: str, percent: int | None) -> None:
        ls.work_done_progress.report(token, types.WorkDoneProgressReport(message=message, percentage=percent))

    try:
        yield report, user_cancel
    finally:
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd())
        ls.work_done_progress.tokens.pop(token, None)


# --- the warm socket for the prepare-commit-msg hook ---------------------------------


def start_warm_sockets(server) -> None:
    """One socket per git repository among the workspace folders, so `git commit` there reuses our model."""
    server.commit_warm_sockets = []
    toplevels = {top for folder in _workspace_folders(server) if (top := _git_toplevel(folder))}
    for toplevel in sorted(toplevels):
        warm = WarmSocketServer(toplevel, lambda request: answer_hook(server, request))
        try:
            if warm.start():
                server.commit_warm_sockets.append(warm)
        except OSError as error:  # another user's folder, a path too long: the hook loads the model itself
            log.warning("commit-message socket for %s not started: %s", toplevel, error)


def _workspace_folders(server) -> list[str]:
    folders = [server.workspace_root()]
    with contextlib.suppress(Exception):
        folders += [unquote(urlparse(f.uri).path) for f in server.workspace.folders.values()]
    return [folder for folder in dict.fromkeys(folders) if folder and os.path.isdir(folder)]


def stop_warm_sockets(server) -> None:
    for warm in getattr(server, "commit_warm_sockets", []):
        warm.stop()


def answer_hook(server, request: dict) -> dict:
    """Runs on a socket thread: one commit message on the model thread, or why not."""
    timeout = float(request.get("timeout") or 60)
    if not server.model_loaded.wait(timeout) or server.engine is None:
        return {"error": server.engine_error or "the model is still loading", "kind": "no-model"}
    engine, repo = server.engine, request["repo"]
    index_file = request.get("index_file") if isinstance(request.get("index_file"), str) else None
    job = server.runner.submit(f"commit-message:{repo}", lambda cancel: generate_commit_message(
        repo, engine, cancel, index_file=index_file))
    try:
        message = job.future.result(timeout)
    except NothingStaged as error:
        return {"error": str(error), "kind": "nothing-staged"}
    except TimeoutError:
        job.cancel()
        return {"error": f"no message within {timeout:g}s", "kind": "timeout"}
    if message is None:
        return {"error": "superseded or cancelled", "kind": "cancelled"}
    return {"message": message, "model": engine.name}


def _git_toplevel(folder: str) -> str | None:
    result = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True)
    return result.stdout.strip() or None if result.returncode == 0 else None
