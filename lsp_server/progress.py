"""Work-done progress, the one way every feature shows it.

`progress(ls, title)` is an async context manager yielding a `Progress`:
call it with a message (and a percentage) to report. When the client offers
no progress support, or does not answer the create request within five
seconds, reports go nowhere and the work goes on. With `cancellable=True`
the client shows a Cancel button; pressing it cancels every `CancelToken`
linked to the progress (`Progress.link`).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import AsyncIterator

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from lsp_server.model.types import CancelToken

CREATE_TIMEOUT_S = 5


class Progress:
    """Report into one progress bar; the Cancel button, if any, reaches the linked tokens."""

    def __init__(self, ls: LanguageServer | None = None, token: str | None = None) -> None:
        self._ls, self._token = ls, token
        self.cancelled = False
        self._linked: list[CancelToken] = []

    def __call__(self, message: str, percent: int | None = None) -> None:
        if self._ls is not None and self._token is not None:
            self._ls.work_done_progress.report(self._token, types.WorkDoneProgressReport(message=message,
                                                                                         percentage=percent))

    def link(self, cancel: CancelToken) -> None:
        self._linked.append(cancel)
        if self.cancelled:
            cancel.cancel()

    def cancel(self) -> None:
        self.cancelled = True
        for token in self._linked:
            token.cancel()


@contextlib.asynccontextmanager
async def progress(ls: LanguageServer, title: str, *, cancellable: bool = False) -> AsyncIterator[Progress]:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        yield Progress()
        return
    token = f"coder-lsp/{uuid.uuid4()}"
    try:
        await asyncio.wait_for(ls.work_done_progress.create_async(token), timeout=CREATE_TIMEOUT_S)
    except Exception:
        yield Progress()
        return
    report = Progress(ls, token)
    if cancellable:
        ls.work_done_progress.tokens[token].add_done_callback(lambda future: future.cancelled() and report.cancel())
    ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
        title=title, cancellable=cancellable or None, percentage=0 if cancellable else None))
    try:
        yield report
    finally:
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd())
        ls.work_done_progress.tokens.pop(token, None)
