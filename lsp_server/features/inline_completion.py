"""`textDocument/inlineCompletion`: ghost text at the cursor, in five hops.

1. snapshot the document on the event loop (`documents.take_snapshot`);
2. in the model thread: repository context (`context.retrieval`) and the
   `CompletionRequest` the engine lays out as a prompt;
3. the runner's one model thread, keyed by document, so a newer request
   supersedes an older one (which answers None);
4. the engine checks the cancel flag after every token, so
   `$/cancelRequest` stops generation within one token;
5. back on the loop: post-process, and answer only if the document version
   is still the one we snapshotted.
Typed-ahead and speculative completions come from `assist.cache` without a
model call. `suggest` is shared with the `textDocument/completion` fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import time
import zlib

from lsprotocol import types

from lsp_server.assist.cache import CompletionCache
from lsp_server.assist.postprocess import CompletionSite, postprocess, wants_multiline, window
from lsp_server.features.documents import DocumentSnapshot, current_version, take_snapshot
from lsp_server.model.types import CompletionRequest

log = logging.getLogger(__name__)

# About 1,000 and 250 tokens of code: plenty for fill-in-the-middle next to the repository
# snippets, and the engine tokenizes all of it on every keystroke.
PROMPT_PREFIX_CHARS = 4_000
PROMPT_SUFFIX_CHARS = 1_000
PREFIX_ANCHOR_CHARS = 1_000  # how far into the prefix window to look for a stable first line
# Speculate on a suggestion's acceptance once the user has looked at it this long without
# typing: nobody accepts sooner, and a speculative job still running when the next key
# arrives would hold up that key's completion (a prompt batch is not interruptible).
SPECULATIVE_DELAY_S = 0.2
SINGLE_LINE_MAX_TOKENS = 48


def register(server) -> None:
    from context.sticky import StickyRetrieval

    server.completion_cache = CompletionCache()
    server.sticky_context = StickyRetrieval()
    server.inline_pending: dict[str, int] = {}

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(ls, params: types.InlineCompletionParams):
        snapshot = take_snapshot(ls, params.text_document.uri, params.position)
        if not should_complete(ls, snapshot):
            return None
        text = await suggest(ls, snapshot)
        if not text:
            return None
        cursor = types.Range(snapshot.position, snapshot.position)
        return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=text, range=cursor)])


def should_complete(ls, snapshot: DocumentSnapshot | None) -> bool:
    settings = ls.settings
    return (
        snapshot is not None
        and settings.enable_inline_completion
        and settings.enabled_for(snapshot.language_id)
        and ls.engine is not None
    )


def language_name(snapshot: DocumentSnapshot) -> str | None:
    """The tree-sitter language for the document, from its language id or its suffix."""
    try:
        from context.languages import language_for

        spec = language_for(snapshot.language_id) or language_for(snapshot.path)
    except Exception:
        return None
    return spec.name if spec is not None else None


async def suggest(ls, snapshot: DocumentSnapshot) -> str | None:
    """The suggestion to show at the snapshot's cursor, or None (stale, superseded, failed)."""
    started = time.perf_counter()
    prefix, suffix = window(snapshot.text, snapshot.offset)
    site = CompletionSite(prefix, suffix, language_name(snapshot))
    cached = ls.completion_cache.lookup(snapshot.uri, snapshot.offset, prefix, suffix)
    if cached is not None:
        return cached
    multiline = wants_multiline(site, ls.settings.multiline)
    stats = ls.record_job("inline", snapshot.uri, offset=snapshot.offset, version=snapshot.version)
    with _pending(ls, snapshot.uri):
        completion = await generate(ls, snapshot, multiline, stats)
    if completion is None or current_version(ls, snapshot.uri) != snapshot.version:
        return None
    text = _polish(ls, site, completion.text, multiline, stats)
    ls.latencies_ms.append((time.perf_counter() - started) * 1000)
    if text:
        _remember(ls, snapshot, prefix, suffix, text)
    return text or None


@contextlib.contextmanager
def _pending(ls, uri: str):
    """Count requests in flight per document; speculation waits until there are none."""
    ls.inline_pending[uri] = ls.inline_pending.get(uri, 0) + 1
    try:
        yield
    finally:
        ls.inline_pending[uri] -= 1
        if not ls.inline_pending[uri]:
            del ls.inline_pending[uri]


def _polish(ls, site: CompletionSite, raw: str, multiline: bool, stats: dict) -> str:
    """Hop 5: post-processing, timed; a filter bug must not turn every keystroke into an error."""
    started = time.perf_counter()
    try:
        text = postprocess(site, raw, multiline=multiline)
    except Exception as exc:
        log.exception("post-processing failed")
        ls.show_once("postprocess", f"coder-lsp: post-processing failed: {exc}")
        text = ""
    stats["postMs"] = round((time.perf_counter() - started) * 1000, 3)
    stats["chars"] = len(text)
    return text


def _remember(ls, snapshot: DocumentSnapshot, prefix: str, suffix: str, text: str) -> None:
    """Cache what was shown, and speculate on its acceptance once the loop is idle."""
    ls.completion_cache.store(snapshot.uri, snapshot.offset, prefix, suffix, text)
    if ls.settings.speculative:
        asyncio.get_running_loop().call_later(SPECULATIVE_DELAY_S, _speculate, ls, snapshot, text)


async def generate(ls, snapshot: DocumentSnapshot, multiline: bool, stats: dict):
    """Hops 2-4: context, request and generation on the model thread; None if it did not finish."""
    engine, settings, index, workspace = ls.engine, ls.settings, ls.index, ls.workspace_root()
    if engine is None:  # unloaded since the request began (a reload, a failure)
        ls.finish_job(stats, "no-model")
        return None

    def count_token(_text: str) -> None:
        stats["tokens"] += 1

    submitted = time.perf_counter()

    def job(cancel):
        stats["outcome"] = "running"
        started = time.perf_counter()
        stats["queueMs"] = round((started - submitted) * 1000, 3)
        snippets = _retrieve(ls.sticky_context, index, snapshot, settings.context_budget, engine, stats)
        stats["contextMs"] = round((time.perf_counter() - started) * 1000, 3)
        cancel.raise_if_cancelled()
        request = completion_request(snapshot, settings, multiline, snippets, workspace)
        completion = engine.complete(request, cancel, count_token)
        stats["jobMs"] = round((time.perf_counter() - started) * 1000, 3)
        runner = getattr(ls, "runner", None)
        if getattr(completion, "cut_to_budget", False) and hasattr(engine, "prefill") and runner is not None:
            # The latency budget shortened a cold prompt: evaluate the whole one while the user reads.
            runner.submit_idle(snapshot.uri, lambda idle: engine.prefill(request, idle))
        return completion

    completion = await ls.run_logged_job(snapshot.uri, job, stats)
    ls.finish_job(stats, "superseded" if completion is None else completion.finish_reason)
    if completion is None or completion.finish_reason == "cancelled":
        return None
    stats["engineMs"] = round(completion.total_ms, 3)
    stats["promptTokens"] = completion.prompt_tokens
    stats["cachedTokens"] = completion.cached_tokens
    return completion


def completion_request(snapshot, settings, multiline: bool, snippets: tuple, workspace: str | None) -> CompletionRequest:
    """Hop 2: what the engine lays out as a prompt; one line stops at the newline."""
    offset, text = snapshot.offset, snapshot.text
    return CompletionRequest(
        prefix=_clean(text[prefix_start(text, offset) : offset]),
        suffix=_clean(text[offset : offset + PROMPT_SUFFIX_CHARS]),
        path=_relative(snapshot.path, workspace),
        repo=os.path.basename(workspace.rstrip(os.sep)) if workspace else "",
        language=snapshot.language_id,
        snippets=snippets,
        max_tokens=settings.max_tokens if multiline else min(settings.max_tokens, SINGLE_LINE_MAX_TOKENS),
        stop=() if multiline else ("\n",),
        latency_budget_ms=getattr(settings, "latency_budget_ms", 0),
    )


def prefix_start(text: str, offset: int) -> int:
    """Where the prompt's prefix starts: a line start that stays put while the user types.

    Cutting at `offset - PROMPT_PREFIX_CHARS` would move the start one character a
    keystroke, and with it every prefix token after the repository context, so the
    model would evaluate the whole prefix again each time. Instead the prefix starts
    at the first line in the window's head whose checksum picks it as an anchor
    (about one line in 16, and blank lines): the start only moves when the window
    passes that line.
    """
    start = max(0, offset - PROMPT_PREFIX_CHARS)
    if start == 0:
        return 0
    first = line = text.find("\n", start, offset) + 1
    if first == 0:
        return start  # one enormous line: characters it is
    limit = min(offset, start + PREFIX_ANCHOR_CHARS)
    while line < limit and (end := text.find("\n", line, offset)) >= 0:
        if zlib.crc32(text[line:end].encode("utf-8", "surrogatepass")) & 15 == 0:
            return line
        line = end + 1
    return first


def _retrieve(sticky, index, snapshot: DocumentSnapshot, budget: int, engine, stats: dict) -> tuple:
    """Hop 2's repository context; the previous keystroke's while the user types on one line."""
    if index is None or budget <= 0 or not snapshot.path:
        return ()
    try:
        snippets, stats["contextReused"] = sticky(index, snapshot.path, snapshot.text, snapshot.offset, budget,
                                                  count_tokens=engine.count_tokens)
        return snippets
    except Exception:  # context is a bonus; a completion without it beats none
        log.exception("retrieval failed")
        return ()


def _clean(text: str) -> str:
    """Lone UTF-16 surrogates (legal in JSON, not in UTF-8) become U+FFFD; lengths stay."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _relative(path: str, workspace: str | None) -> str:
    if workspace and path.startswith(workspace):
        return os.path.relpath(path, workspace).replace(os.sep, "/")
    return os.path.basename(path)


def _speculate(ls, snapshot: DocumentSnapshot, shown: str) -> None:
    """While idle, complete as if `shown` were accepted, and cache the result."""
    idle = not ls.inline_pending.get(snapshot.uri) and ls.engine is not None
    if not idle or current_version(ls, snapshot.uri) != snapshot.version:
        return
    accepted = dataclasses.replace(
        snapshot,
        text=snapshot.text[: snapshot.offset] + shown + snapshot.text[snapshot.offset :],
        offset=snapshot.offset + len(shown),
    )
    ls.spawn(_speculative_completion(ls, accepted))


async def _speculative_completion(ls, snapshot: DocumentSnapshot) -> None:
    prefix, suffix = window(snapshot.text, snapshot.offset)
    site = CompletionSite(prefix, suffix, language_name(snapshot))
    multiline = wants_multiline(site, ls.settings.multiline)
    stats = ls.record_job("speculative", snapshot.uri, offset=snapshot.offset)
    completion = await generate(ls, snapshot, multiline, stats)
    if completion is not None:
        text = _polish(ls, site, completion.text, multiline, stats)
        ls.completion_cache.store(snapshot.uri, snapshot.offset, prefix, suffix, text)
