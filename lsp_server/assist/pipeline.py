"""One completion at a cursor, from a document snapshot to the text to show; no LSP here.

The editor's inline completion, its `textDocument/completion` fallback,
`coder-lsp complete` and `coder-lsp demo` all go through these steps, so
the command line prints what the editor shows:

1. `prepare` (cheap, on the caller's thread): the prompt window
   (`prompt_window`), the syntax site, one line or several, and a cached
   answer for typed-ahead text;
2. `generate` (on the model thread): repository context (`context.sticky`),
   the `CompletionRequest`, and the engine's generation;
3. `finish` (back on the caller's thread): post-processing, and the cache.
`complete` runs the three in a row for callers without an event loop;
`CompletionState` is what the server keeps of it between requests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Protocol

from context.languages import language_for
from context.sticky import StickyRetrieval
from context.usage import UsageCounts, cursor_key, usage_texts
from lsp_server.assist.cache import CompletionCache
from lsp_server.assist.edit_history import EditHistory
from lsp_server.assist.postprocess import CompletionSite, postprocess, wants_multiline
from lsp_server.assist.prompt_window import window
from lsp_server.config import Settings
from lsp_server.model.snippet_names import context_names, context_types
from lsp_server.model.receivers import MAX_HEAD_CHARS, receiver_members
from lsp_server.model.types import CancelToken, Completion, CompletionRequest, Engine

log = logging.getLogger(__name__)
SINGLE_LINE_MAX_TOKENS = 48


class Snapshot(Protocol):
    """What the pipeline reads of a document (`features.documents.DocumentSnapshot` has it)."""

    uri: str
    path: str
    language_id: str
    version: int | None
    text: str
    offset: int  # cursor, in code points into `text`


@dataclass(frozen=True)
class TextSnapshot:
    """A `Snapshot` of text that is not an open editor document (a file on disk, the demo)."""

    uri: str
    path: str
    language_id: str
    version: int | None
    text: str
    offset: int


@dataclass(frozen=True)
class Prepared:
    """Step 1's result: the window both the prompt and post-processing read."""

    site: CompletionSite
    multiline: bool
    cached: str | None  # the rest of a suggestion already shown, when the user typed its head


@dataclass(frozen=True)
class Outcome:
    """What `complete` produced: the text to show, and how the model got there."""

    text: str
    completion: Completion | None
    request: CompletionRequest | None


def document_language(language_id: str, path: str) -> str | None:
    """The tree-sitter language of a document, from its language id or else its file suffix;
    None without a grammar (post-processing then skips its syntax checks)."""
    spec = (language_id and language_for(language_id)) or language_for(path)
    return spec.name if spec is not None else None


@dataclass
class CompletionPipeline:
    """The state completions share between keystrokes: the cache, the held context, the recent edits."""

    cache: CompletionCache = field(default_factory=CompletionCache)
    sticky: StickyRetrieval = field(default_factory=StickyRetrieval)
    edit_history: EditHistory = field(default_factory=EditHistory)  # for next-edit prompts
    usage: UsageCounts = field(default_factory=UsageCounts)  # how the code around writes guidance's names

    def prepare(self, snapshot: Snapshot, settings: Settings) -> Prepared:
        prefix, suffix = window(snapshot.text, snapshot.offset)
        site = CompletionSite(prefix, suffix, document_language(snapshot.language_id, snapshot.path))
        cached = self.cache.lookup(snapshot.uri, snapshot.offset, prefix, suffix)
        return Prepared(site, wants_multiline(site, settings.multiline), cached)

    def generate(self, snapshot: Snapshot, prepared: Prepared, settings: Settings, engine: Engine, index,
                 workspace: str | None, cancel: CancelToken, stats: dict) -> tuple[Completion, CompletionRequest]:
        """Step 2, on the model thread: context, request, generation; `stats` gets the timings."""
        started = time.perf_counter()
        request = self.request(snapshot, prepared, settings, engine, index, workspace, cancel, stats)

        def count_token(_text: str) -> None:
            stats["tokens"] = stats.get("tokens", 0) + 1

        completion = engine.complete(request, cancel, count_token)
        stats["jobMs"] = round((time.perf_counter() - started) * 1000, 3)
        stats["engineMs"] = round(completion.total_ms, 3)
        stats["promptTokens"] = completion.prompt_tokens
        stats["cachedTokens"] = completion.cached_tokens
        return completion, request

    def request(self, snapshot: Snapshot, prepared: Prepared, settings: Settings, engine: Engine, index,
                workspace: str | None, cancel: CancelToken, stats: dict) -> CompletionRequest:
        """Repository context and the `CompletionRequest` at the cursor (also what a prefill evaluates)."""
        started = time.perf_counter()
        snippets = self.retrieve(index, snapshot, settings.context_budget, engine, stats)
        stats["contextMs"] = round((time.perf_counter() - started) * 1000, 3)
        cancel.raise_if_cancelled()
        request = completion_request(snapshot, prepared, settings, snippets, workspace)
        if index is not None and (request.names or request.members):
            started = time.perf_counter()
            usage, total = self.name_usage(index, snapshot, request)
            request = dataclasses.replace(request, usage=usage, usage_total=total)
            stats["usageMs"] = round((time.perf_counter() - started) * 1000, 3)
        return request

    def name_usage(self, index, snapshot: Snapshot, request: CompletionRequest) -> tuple[tuple, int]:
        """How often the document, the snippets' files and its folder write each guidance name
        after the cursor's key (`context.usage`), and how many names in all they write there (a
        generic key, `if `, says little); ((), 0) when that fails: a ranking signal, not a need."""
        try:
            key = cursor_key(request.prefix)
            if not key:
                return (), 0
            followers = self.usage.followers(key, usage_texts(index, snapshot.path, snapshot.text, request.snippets))
            candidates = dict.fromkeys((*request.members, *request.names))
            return tuple((name, followers[name]) for name in candidates if followers[name]), sum(followers.values())
        except Exception:
            log.exception("usage counts failed")
            return (), 0

    def finish(self, snapshot: Snapshot, prepared: Prepared, raw: str, stats: dict) -> str:
        """Step 3: the post-processed text ("" if nothing is worth showing), remembered for typing ahead."""
        started = time.perf_counter()
        text = postprocess(prepared.site, raw, multiline=prepared.multiline)
        stats["postMs"] = round((time.perf_counter() - started) * 1000, 3)
        stats["chars"] = len(text)
        self.cache.store(snapshot.uri, snapshot.offset, prepared.site.prefix, prepared.site.suffix, text)
        return text

    def complete(self, snapshot: Snapshot, settings: Settings, engine: Engine, index=None,
                 workspace: str | None = None, cancel: CancelToken | None = None) -> Outcome:
        """The three steps in a row, on this thread (the command line, the demo)."""
        prepared = self.prepare(snapshot, settings)
        if prepared.cached is not None:
            return Outcome(prepared.cached, None, None)
        completion, request = self.generate(snapshot, prepared, settings, engine, index, workspace,
                                            cancel or CancelToken(), {})
        return Outcome(self.finish(snapshot, prepared, completion.text, {}), completion, request)

    def retrieve(self, index, snapshot: Snapshot, budget: int, engine: Engine, stats: dict) -> tuple:
        """Repository context; the previous keystroke's while the user types on one line."""
        if index is None or budget <= 0 or not snapshot.path:
            return ()
        try:
            snippets, stats["contextReused"] = self.sticky(index, snapshot.path, snapshot.text, snapshot.offset,
                                                           budget, count_tokens=engine.count_tokens)
            return snippets
        except Exception:  # context is a bonus; a completion without it beats none
            log.exception("retrieval failed")
            return ()


def completion_request(snapshot: Snapshot, prepared: Prepared, settings: Settings, snippets: tuple,
                       workspace: str | None) -> CompletionRequest:
    """What the engine lays out as a prompt; one line stops at the newline; with the names the
    snippets define, so the engine's decoding can lean toward them (`model.guidance`)."""
    multiline = prepared.multiline
    return CompletionRequest(
        prefix=prepared.site.prefix,
        suffix=prepared.site.suffix,
        path=relative_path(snapshot.path, workspace),
        repo=os.path.basename(workspace.rstrip(os.sep)) if workspace else "",
        language=snapshot.language_id,
        snippets=snippets,
        max_tokens=settings.max_tokens if multiline else min(settings.max_tokens, SINGLE_LINE_MAX_TOKENS),
        stop=() if multiline else ("\n",),
        latency_budget_ms=settings.latency_budget_ms,
        names=context_names(snippets) if settings.context_guidance else (),
        types=context_types(snippets) if settings.context_guidance else (),
        members=receiver_members(prepared.site.prefix, snapshot.text[:MAX_HEAD_CHARS], snippets)
        if settings.context_guidance else (),
    )


def relative_path(path: str, workspace: str | None) -> str:
    if workspace and path.startswith(workspace):
        return os.path.relpath(path, workspace).replace(os.sep, "/")
    return os.path.basename(path)


@dataclass
class CompletionState:
    """Inline completion's state between requests: the pipeline (cache, held context), requests in flight,
    and per document the request held while the model loads (a newer one sets the older's future)."""

    pipeline: CompletionPipeline = field(default_factory=CompletionPipeline)
    pending: dict[str, int] = field(default_factory=dict)  # uri -> requests in flight
    held: dict[str, asyncio.Future] = field(default_factory=dict)  # uri -> the request waiting for the model
    focused: tuple | None = None  # (uri, position) of the last coderLsp/didFocus
