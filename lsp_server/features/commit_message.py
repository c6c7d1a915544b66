"""The `coderLsp.generateCommitMessage` command, and warm sockets for the git hook.

The command takes an optional repository (a path, a file URI, or
`{"repository": ...}`; default: the workspace root), runs the commit
generator on the model thread with cancellable work-done progress, and
returns the message as a string (None when nothing is staged, cancelled or
superseded; the user is told why). At start-up the server also listens on a
warm socket for each git repository among the workspace folders
(`commit.hook_server`), so `git commit` there reuses the model it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from urllib.parse import unquote, urlparse

from lsprotocol import types

from lsp_server.commit.generate import generate_commit_message
from lsp_server.commit.hook_server import answer_hook, serve_repositories
from lsp_server.commit.staged import NotARepository, NothingStaged
from lsp_server.features import model_use
from lsp_server.model.types import Engine
from lsp_server.server import CoderServer

COMMAND = "coderLsp.generateCommitMessage"
PROGRESS_TITLE = "coder-lsp: commit message"
log = logging.getLogger(__name__)


def register(server: CoderServer) -> None:
    @server.command(COMMAND)
    async def generate_commit_message_command(ls: CoderServer, *arguments):
        ls.link_cancellation()
        repo = repository_argument(ls, arguments)
        engine = await ready_engine(ls)
        if repo is None or engine is None:
            return None
        loop = asyncio.get_running_loop()
        async with ls.progress(PROGRESS_TITLE, cancellable=True) as report:
            def job(cancel):
                report.link(cancel)
                on_progress = lambda message, percent: loop.call_soon_threadsafe(report, message, percent)
                return generate_commit_message(repo, engine, cancel, on_progress=on_progress)

            try:
                return await ls.run_model_job(f"commit-message:{repo}", job)
            except (NothingStaged, NotARepository) as error:
                ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info,
                                                               message=f"coder-lsp: {error}"))
                return None

    server.startup_hooks.append(start_warm_sockets)
    server.shutdown_hooks.append(stop_warm_sockets)


def repository_argument(ls: CoderServer, arguments: tuple) -> str | None:
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


async def ready_engine(ls: CoderServer) -> Engine | None:
    """The loaded engine, waiting for a load in progress; None (user told once) if there is none."""
    if ls.model.engine is None and not ls.model.loaded.is_set():
        await asyncio.get_running_loop().run_in_executor(None, ls.model.loaded.wait, 600)
    engine = await model_use.chat_engine(ls)
    if engine is None:
        ls.show_once("commit:no-model", f"coder-lsp: no model for commit messages: {ls.model.error}")
    return engine


def start_warm_sockets(server: CoderServer) -> None:
    """One socket per git repository among the workspace folders, so `git commit` there reuses our model."""
    handler = lambda request: answer_hook(server.model, server.runner, request, server.settings.chat_model())  # noqa: E731
    server.commit_warm_sockets = serve_repositories(_workspace_folders(server), handler)


def _workspace_folders(server: CoderServer) -> list[str]:
    folders = [server.workspace_root()]
    with contextlib.suppress(Exception):
        folders += [unquote(urlparse(f.uri).path) for f in server.workspace.folders.values()]
    return [folder for folder in dict.fromkeys(folders) if folder and os.path.isdir(folder)]


def stop_warm_sockets(server: CoderServer) -> None:
    for warm in server.commit_warm_sockets:
        warm.stop()
