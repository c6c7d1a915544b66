"""The running server's side of the git hook: which repositories get a warm socket, and the answers.

`serve_repositories` starts one `WarmSocketServer` per git repository among
the given folders, so `git commit` there, with the hook installed, reuses
the model the server holds. `answer_hook` runs on a socket thread: it waits
for a load in progress, then writes one commit message on the model thread
(the staged changes of the request's index file, for `git commit -a`), or
says why not.
"""

from __future__ import annotations

import logging
import subprocess
from typing import Iterable

from lsp_server.commit.generate import generate_commit_message
from lsp_server.commit.staged import NothingStaged
from lsp_server.commit.warm_socket import Handler, WarmSocketServer
from lsp_server.model.host import ModelHost
from lsp_server.model.runner import ModelRunner

log = logging.getLogger(__name__)


def serve_repositories(folders: Iterable[str], handler: Handler) -> list[WarmSocketServer]:
    """A started socket for each distinct repository the folders belong to."""
    started = []
    for toplevel in sorted({top for folder in folders if (top := git_toplevel(folder))}):
        warm = WarmSocketServer(toplevel, handler)
        try:
            if warm.start():
                started.append(warm)
        except OSError as error:  # another user's folder, a path too long: the hook loads the model itself
            log.warning("commit-message socket for %s not started: %s", toplevel, error)
    return started


def answer_hook(model: ModelHost, runner: ModelRunner, request: dict, chat=None) -> dict:
    """One commit message on the model thread (from the `chat` ModelSettings' engine when given), or why not."""
    timeout = float(request.get("timeout") or 60)
    model.ensure_loaded()  # a model unloaded for idleness reloads for the hook
    if not model.loaded.wait(timeout) or model.engine is None:
        return {"error": model.error or "the model is still loading", "kind": "no-model"}
    engine, repo = model.engine, request["repo"]
    if chat is not None:
        try:
            engine = runner.submit("model:chat", model.chat_job(chat, repo)).future.result(timeout) or engine
        except Exception:  # noqa: BLE001 - a chat model that cannot load: the main model answers
            pass
    index_file = request.get("index_file") if isinstance(request.get("index_file"), str) else None
    job = runner.submit(f"commit-message:{repo}", lambda cancel: generate_commit_message(
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


def git_toplevel(folder: str) -> str | None:
    result = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True)
    return result.stdout.strip() or None if result.returncode == 0 else None
