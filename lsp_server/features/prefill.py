"""`coderLsp/didFocus`: where the user is looking; the model evaluates that prompt while nothing else runs.

The clients send it when a file is opened or focused and when the cursor
settles in another region of it (debounced, never once per keystroke):
`{textDocument: {uri, version}, position}`. The prompt a completion there
would use (repository context, the path, the lines around the cursor) goes
into the KV cache as an idle job (`runner.submit_idle`: lowest priority,
replaced by a newer one, cancelled by any real job), so the first keystroke
there finds it evaluated; each document's cache is then kept for its return
(`model.doc_states`). Nothing runs while a completion is in flight,
without a local model, or where completion would not run (off for the
language, a secret file); a focus while the model loads waits for it, unless
the user looks elsewhere meanwhile; bad params are logged, never answered (a
notification). Jobs show in `coderLsp.status` as kind "prefill".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from lsp_server.features.documents import take_snapshot
from lsp_server.features.inline_completion import HOLD_LIMIT_S, prefill_when_idle, should_complete
from lsp_server.features.next_edit import read_params
from lsp_server.model.types import CompletionRequest
from lsp_server.server import CoderServer

log = logging.getLogger(__name__)
DID_FOCUS = "coderLsp/didFocus"


def register(server: CoderServer) -> None:
    @server.feature(DID_FOCUS)
    async def did_focus(ls: CoderServer, params) -> None:
        try:
            uri, _version, position = read_params(params)
        except Exception:
            log.info("coderLsp/didFocus with bad params ignored")
            return
        mine = ls.completions.focused = (uri, position)
        if ls.engine is None and not ls.model.loaded.is_set():  # opened while the model loads: then
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(ls.model.wait_until_loaded(), HOLD_LIMIT_S)
            if ls.completions.focused is not mine:
                return  # the user looked elsewhere meanwhile
        prefill_focus(ls, uri, position)


def prefill_focus(ls: CoderServer, uri: str, position) -> None:
    """Schedule the idle prefill of the prompt at `position` of `uri`, if completion would run there."""
    snapshot, engine = take_snapshot(ls, uri, position), ls.engine
    if engine is None or not hasattr(engine, "prefill") or ls.completions.pending or \
            not should_complete(ls, snapshot):
        return
    pipeline, settings, index, workspace = ls.completions.pipeline, ls.settings, ls.index, ls.workspace_root()
    prepared = pipeline.prepare(snapshot, settings)
    stats = ls.jobs.record("prefill", uri, offset=snapshot.offset, version=snapshot.version, reason="focus")

    def request(cancel) -> CompletionRequest:
        return pipeline.request(snapshot, prepared, settings, engine, index, workspace, cancel, stats)

    prefill_when_idle(ls, uri, engine, request, stats)
