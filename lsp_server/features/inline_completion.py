"""`textDocument/inlineCompletion`: ghost text at the cursor, through `assist.pipeline`.

The handler snapshots the document on the event loop (hop 1), prepares the
prompt window there, runs the pipeline's generation on the runner's one model
thread keyed by document, so a newer request supersedes an older one, which
answers None (hops 2-4), and post-processes back on the loop, answering only
if the document version is still the one it snapshotted (hop 5).
Typed-ahead and speculative completions come from the pipeline's cache
without a model call. A request that arrives while the model (re)loads is
held, not dropped (`wait_for_model`): answered when the model is ready,
None if the load fails, a newer request for the document supersedes it or
the document changed meanwhile; `$/cancelRequest` cancels it. `suggest` is
shared with the `textDocument/completion` fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time

from lsprotocol import types

from context.secrets import is_secret_file
from lsp_server.assist.pipeline import Prepared
from lsp_server.features import model_use
from lsp_server.features.documents import DocumentSnapshot, current_version, take_snapshot
from lsp_server.model.types import Completion
from lsp_server.server import CoderServer

log = logging.getLogger(__name__)

# Speculate on a suggestion's acceptance once the user has looked at it this long without
# typing: nobody accepts sooner, and a speculative job still running when the next key
# arrives would hold up that key's completion (a prompt batch is not interruptible).
SPECULATIVE_DELAY_S = 0.2
# A held request gives up after this long: a client that never sent `initialized` (so no load
# ever starts) must not keep requests open for ever. Loading a large model from disk takes ~a minute.
HOLD_LIMIT_S = 300.0


def register(server: CoderServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(ls: CoderServer, params: types.InlineCompletionParams):
        snapshot = take_snapshot(ls, params.text_document.uri, params.position)
        await model_use.wake(ls)  # an idle-unloaded model reloads for this request
        if not should_complete(ls, snapshot):
            return None
        text = await suggest(ls, snapshot)
        if not text:
            return None
        cursor = types.Range(snapshot.position, snapshot.position)
        return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=text, range=cursor)])


def should_complete(ls: CoderServer, snapshot: DocumentSnapshot | None) -> bool:
    settings = ls.settings
    return (
        snapshot is not None
        and settings.enable_inline_completion
        and settings.enabled_for(snapshot.language_id)
        and (ls.engine is not None or not ls.model.loaded.is_set())  # loaded, or loading: held
        and not is_secret_file(snapshot.path or snapshot.uri, settings.secret_files)
    )


async def suggest(ls: CoderServer, snapshot: DocumentSnapshot) -> str | None:
    """The suggestion to show at the snapshot's cursor, or None (stale, superseded, failed)."""
    started = time.perf_counter()
    prepared = ls.completions.pipeline.prepare(snapshot, ls.settings)
    if prepared.cached is not None:
        return prepared.cached
    stats = ls.jobs.record("inline", snapshot.uri, offset=snapshot.offset, version=snapshot.version)
    with _pending(ls, snapshot.uri):
        if not await wait_for_model(ls, snapshot, stats):
            return None
        completion = await generate(ls, snapshot, prepared, stats)
    if completion is None or current_version(ls, snapshot.uri) != snapshot.version:
        return None
    text = _finish(ls, snapshot, prepared, completion, stats)
    ls.jobs.latencies_ms.append((time.perf_counter() - started) * 1000)
    if text and ls.settings.speculative:
        asyncio.get_running_loop().call_later(SPECULATIVE_DELAY_S, _speculate, ls, snapshot, text)
    return text or None


async def wait_for_model(ls: CoderServer, snapshot: DocumentSnapshot, stats: dict) -> bool:
    """Hold a request while the model loads; False (answer None) if superseded, failed or stale."""
    if ls.engine is not None:
        return True
    held, uri = ls.completions.held, snapshot.uri
    if (older := held.get(uri)) is not None and not older.done():
        older.set_result(None)  # the newer request supersedes it: it answers None now
    mine = held[uri] = asyncio.get_running_loop().create_future()
    stats["outcome"], started = "held", time.perf_counter()
    try:
        outcome = await _hold(ls, mine)
    except asyncio.CancelledError:  # $/cancelRequest: pygls answers RequestCancelled
        ls.jobs.finish(stats, "cancelled")
        raise
    finally:
        if held.get(uri) is mine:
            del held[uri]
    stats["heldMs"] = round((time.perf_counter() - started) * 1000, 3)
    if outcome == "ready" and current_version(ls, uri) != snapshot.version:
        outcome = "stale"
    if outcome != "ready":
        ls.jobs.finish(stats, outcome)
    return outcome == "ready"


async def _hold(ls: CoderServer, superseded: asyncio.Future) -> str:
    """Wait for a load to end (again, if a reload began meanwhile) or for a newer request."""
    deadline = time.monotonic() + HOLD_LIMIT_S
    while ls.engine is None and not ls.model.loaded.is_set():
        loaded = asyncio.ensure_future(ls.model.wait_until_loaded())
        try:
            await asyncio.wait((superseded, loaded), timeout=max(0.0, deadline - time.monotonic()),
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            loaded.cancel()
        if superseded.done():
            return "superseded"
        if time.monotonic() >= deadline:
            return "no-model"
    return "ready" if ls.engine is not None else "no-model"


@contextlib.contextmanager
def _pending(ls: CoderServer, uri: str):
    """Count requests in flight per document; speculation waits until there are none."""
    pending = ls.completions.pending
    pending[uri] = pending.get(uri, 0) + 1
    try:
        yield
    finally:
        pending[uri] -= 1
        if not pending[uri]:
            del pending[uri]


def _finish(ls: CoderServer, snapshot, prepared: Prepared, completion: Completion, stats: dict) -> str:
    """Hop 5: post-processing; a filter bug must not turn every keystroke into an error."""
    try:
        return ls.completions.pipeline.finish(snapshot, prepared, completion.text, stats)
    except Exception as exc:
        log.exception("post-processing failed")
        ls.show_once("postprocess", f"coder-lsp: post-processing failed: {exc}")
        return ""


async def generate(ls: CoderServer, snapshot, prepared: Prepared, stats: dict) -> Completion | None:
    """Hops 2-4 on the model thread; None if it did not finish."""
    engine, settings, index, workspace = ls.engine, ls.settings, ls.index, ls.workspace_root()
    if engine is None:  # unloaded since the request began (a reload, a failure)
        ls.jobs.finish(stats, "no-model")
        return None
    submitted = time.perf_counter()

    def job(cancel):
        stats["outcome"] = "running"
        stats["queueMs"] = round((time.perf_counter() - submitted) * 1000, 3)
        completion, request = ls.completions.pipeline.generate(snapshot, prepared, settings, engine, index, workspace,
                                                               cancel, stats)
        if completion.cut_to_budget and hasattr(engine, "prefill"):
            # The latency budget shortened a cold prompt: evaluate the whole one while the user reads.
            prefill_when_idle(ls, snapshot.uri, engine, lambda _cancel: request,
                              ls.jobs.record("prefill", snapshot.uri, offset=snapshot.offset, reason="budget"))
        return completion

    completion = await ls.run_logged_job(snapshot.uri, job, stats)
    ls.jobs.finish(stats, "superseded" if completion is None else completion.finish_reason)
    return completion


def prefill_when_idle(ls: CoderServer, uri: str, engine, request, stats: dict) -> None:
    """Evaluate the prompt of `request(cancel)` (a CompletionRequest, made on the model thread) into
    the KV cache when the model is idle; `stats` is its `jobs` entry ("prefilled", "cancelled", "error")."""

    def job(cancel) -> str:
        stats["outcome"] = "running"
        stats["evaluatedTokens"] = engine.prefill(request(cancel), cancel)
        return "prefilled"

    def done(future) -> None:
        error = future.exception()
        if error is not None:
            log.warning("prefill failed: %s", error)
        ls.jobs.finish(stats, "error" if error is not None else future.result() or "cancelled")

    ls.runner.submit_idle(uri, job).future.add_done_callback(done)


def _speculate(ls: CoderServer, snapshot: DocumentSnapshot, shown: str) -> None:
    """While idle, complete as if `shown` were accepted, and cache the result."""
    idle = not ls.completions.pending.get(snapshot.uri) and ls.engine is not None
    if not idle or current_version(ls, snapshot.uri) != snapshot.version:
        return
    accepted = dataclasses.replace(
        snapshot,
        text=snapshot.text[: snapshot.offset] + shown + snapshot.text[snapshot.offset :],
        offset=snapshot.offset + len(shown),
    )
    ls.spawn(_speculative_completion(ls, accepted))


async def _speculative_completion(ls: CoderServer, snapshot: DocumentSnapshot) -> None:
    prepared = dataclasses.replace(ls.completions.pipeline.prepare(snapshot, ls.settings), cached=None)
    stats = ls.jobs.record("speculative", snapshot.uri, offset=snapshot.offset)
    completion = await generate(ls, snapshot, prepared, stats)
    if completion is not None:
        _finish(ls, snapshot, prepared, completion, stats)
