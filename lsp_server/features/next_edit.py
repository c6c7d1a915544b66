"""Next-edit suggestions over LSP in copilot-language-server's wire format, through `assist.next_edit`.

`textDocument/copilotInlineEdit` takes `{textDocument: {uri, version},
position}` and answers `{edits: [{text, textDocument: {uri, version}, range,
command}]}`, each item an alternative (we give at most one: the model's
edits joined into one replacement); `{edits: []}` is silence, the common
answer. `textDocument/didShowInlineEdit` says an item was shown; the item's
`command` (`coderLsp.didAcceptNextEdit`), run by the client on accept, marks
the change it made as ours in the edit history. Same rules as ghost text:
the job runs on the one model thread keyed by document, so the newest
request wins; it runs at background priority, so an inline completion never
waits for it (a running one is cancelled); `$/cancelRequest` stops it within
a token; a document that changed since the request gets no answer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time

from lsprotocol import types

from context.secrets import is_secret_file
from lsp_server.assist import next_edit
from lsp_server.assist.next_edit_diff import TextEdit, apply
from lsp_server.features.documents import current_version, encoding_of, position_at, take_snapshot
from lsp_server.model.runner import BACKGROUND
from lsp_server.server import CoderServer, invalid_params

log = logging.getLogger(__name__)
INLINE_EDIT = "textDocument/copilotInlineEdit"
DID_SHOW = "textDocument/didShowInlineEdit"
ACCEPTED = "coderLsp.didAcceptNextEdit"
SILENCE: dict = {"edits": []}
# Wait this long after the request, and for the document's inline completions to finish, before
# asking the model: a key typed meanwhile makes the request stale for free, and a prompt batch
# already on the model thread cannot be interrupted, so starting one mid-typing would hold up
# the next key's ghost text.
DEBOUNCE_S = 0.2
WAIT_FOR_INLINE_S = 2.0


def register(server: CoderServer) -> None:
    @server.feature(INLINE_EDIT)
    async def inline_edit(ls: CoderServer, params) -> dict:
        uri, version, position = read_params(params)
        snapshot = take_snapshot(ls, uri, position)
        if not enabled(ls, snapshot) or (version is not None and version != snapshot.version):
            return SILENCE
        edits = await suggest(ls, snapshot)
        if not edits or current_version(ls, uri) != snapshot.version:
            return SILENCE
        return {"edits": [wire_item(ls, snapshot, edits)]}

    @server.feature(DID_SHOW)
    def did_show(ls: CoderServer, params) -> None:
        ls.jobs.outcomes["next-edit:shown"] += 1  # with :accepted, the acceptance rate in coderLsp.status

    @server.command(ACCEPTED)
    def did_accept(ls: CoderServer, *arguments) -> None:
        if arguments and isinstance(arguments[0], str):
            ls.jobs.outcomes["next-edit:accepted"] += 1
            ls.completions.pipeline.edit_history.mark_accepted(arguments[0])


def enabled(ls: CoderServer, snapshot) -> bool:
    settings = ls.settings
    return (snapshot is not None and settings.next_edit.enable and settings.enabled_for(snapshot.language_id)
            and ls.engine is not None and not is_secret_file(snapshot.path or snapshot.uri, settings.secret_files))


async def suggest(ls: CoderServer, snapshot) -> list[TextEdit]:
    """The gated edits for the snapshot, or [] (silence, superseded, stale, failed)."""
    engine, settings = ls.engine, ls.settings.next_edit
    history = ls.completions.pipeline.edit_history
    prepared = next_edit.prepare(engine, history, uri=snapshot.uri, path=_shown_path(ls, snapshot.path),
                                 language=snapshot.language_id or snapshot.path, text=snapshot.text,
                                 offset=snapshot.offset, history_size=settings.history_size,
                                 disk_path=snapshot.path)
    if prepared is None:
        return []
    stats = ls.jobs.record("next-edit", snapshot.uri, version=snapshot.version, format=prepared.format)
    started = time.perf_counter()
    if not await _quiet(ls, snapshot):
        ls.jobs.finish(stats, "stale")
        return []

    index, budget, sticky = ls.index, ls.settings.context_budget, ls.completions.pipeline.sticky

    def job(cancel):
        stats["outcome"] = "running"
        ready = next_edit.with_related(prepared, sticky, index, budget, engine.count_tokens)
        stats["relatedFiles"] = [path for path, _text in ready.data.related]
        return [next_edit.generate(engine, ready, cancel, stats)]  # a list: None is "superseded"

    done = await ls.run_logged_job(f"{BACKGROUND}next-edit:{snapshot.uri}", job, stats)
    if done is None or current_version(ls, snapshot.uri) != snapshot.version:
        ls.jobs.finish(stats, "superseded" if done is None else "stale")
        return []
    try:
        edits = next_edit.finish(prepared, done[0], settings.aggressiveness)
    except Exception:  # a gate bug must not turn every pause into an error
        log.exception("next-edit post-processing failed")
        edits = []
    stats["latencyMs"] = round((time.perf_counter() - started) * 1000, 3)
    ls.jobs.finish(stats, "edit" if edits else "silent")
    return edits


async def _quiet(ls: CoderServer, snapshot) -> bool:
    """After the debounce and the document's pending inline completions: is the snapshot current?"""
    await asyncio.sleep(DEBOUNCE_S)
    deadline = time.monotonic() + WAIT_FOR_INLINE_S
    while ls.completions.pending.get(snapshot.uri) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return current_version(ls, snapshot.uri) == snapshot.version


def wire_item(ls: CoderServer, snapshot, edits: list[TextEdit]) -> dict:
    """One item: the span from the first edit's start to the last one's end, replaced whole."""
    start, end = min(e.start for e in edits), max(e.end for e in edits)
    after = apply(snapshot.text, edits)
    text = after[start : end + len(after) - len(snapshot.text)]
    encoding = encoding_of(ls)
    first, last = position_at(snapshot.text, start, encoding), position_at(snapshot.text, end, encoding)
    return {
        "text": text,
        "textDocument": {"uri": snapshot.uri, "version": snapshot.version},
        "range": {"start": {"line": first.line, "character": first.character},
                  "end": {"line": last.line, "character": last.character}},
        "command": {"title": "Accept next edit", "command": ACCEPTED, "arguments": [snapshot.uri]},
    }


def read_params(params) -> tuple[str, int | None, types.Position]:
    """uri, version and position from untrusted params, or an InvalidParams error."""
    document, position = _field(params, "textDocument"), _field(params, "position")
    uri, version = _field(document, "uri"), _field(document, "version")
    line, character = _field(position, "line"), _field(position, "character")
    if not isinstance(uri, str) or not all(_whole(n) for n in (line, character)) or \
            not (version is None or _whole(version)):
        raise invalid_params("copilotInlineEdit needs textDocument {uri, version} and position {line, character}")
    return uri, version, types.Position(line, character)


def _field(value, name: str):
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31


def _shown_path(ls: CoderServer, path: str) -> str:
    root = ls.workspace_root()
    if root and path.startswith(os.path.join(root, "")):
        return os.path.relpath(path, root).replace(os.sep, "/")
    return path
