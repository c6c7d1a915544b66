"""One next-edit suggestion, in three steps like a completion: prepare, generate, finish.

`prepare` (on the event loop) picks the model's next-edit format, the window
around the cursor and the recent edits from the `EditHistory`; it answers
None, silence, when there is nothing to go on: no format for this model, no
edit yet in this document, or a secret in the window. `generate` (on the
model thread) asks the model for the rewritten window; a rewrite cut off by
the token limit is no answer (its missing tail would read as deletions).
`finish` diffs the rewrite into edits and passes them through the gate.
`suggest` runs the three in a row, for the benchmark and tests. No LSP types.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from lsp_server import positions
from lsp_server.assist.edit_history import EditHistory
from lsp_server.assist.next_edit_diff import TextEdit, edits_from_rewrite, gate
from lsp_server.assist.next_edit_prompt import (
    NextEditInput, Window, format_for, has_secret, instruct_messages, parse_instruct, parse_zeta2, sweep_prompt, window,
    zeta2_prompt,
)
from lsp_server.model.types import CancelToken

log = logging.getLogger(__name__)

MAX_REWRITE_TOKENS = 1024
MAX_WINDOW_CHARS = 8_000  # a window of very long lines is no place for a 21-line rewrite


@dataclass(frozen=True)
class Prepared:
    format: str  # "sweep" | "zeta2" | "instruct"
    data: NextEditInput
    window: Window
    window_offset: int  # code points from the text's start to the window's
    language: str
    path_on_disk: str = ""  # for repository retrieval
    offset: int = 0  # the cursor


def prepare(engine, history: EditHistory, *, uri: str, path: str, language: str, text: str, offset: int,
            history_size: int = 8, related: tuple[tuple[str, str], ...] = (),
            disk_path: str = "") -> Prepared | None:
    fmt = format_for(engine) if engine is not None else None
    original = history.original(uri)
    if fmt is None or original is None:
        return None
    line, column = positions.position_at(text, offset, positions.UTF32)
    current = window(text, line)
    if len(current.text) > MAX_WINDOW_CHARS or has_secret(current.text):
        return None
    shown = _relative(path)
    hunks = tuple(dataclasses.replace(hunk, path=shown) for hunk in history.recent(uri, limit=history_size))
    data = NextEditInput(shown, text, line, original, hunks, related, column)
    return Prepared(fmt, data, current, positions.line_start(text, current.start), language, disk_path or path,
                    offset)


def generate(engine, prepared: Prepared, cancel: CancelToken, stats: dict | None = None, on_token=None) -> str | None:
    """The model's rewrite of the window, or None (no edit, cut off); raises Cancelled.
    `stats` (a jobs entry) gets the token counts and how generation ended."""
    budget = min(MAX_REWRITE_TOKENS, _count(engine, prepared.window.text) + 64)
    if prepared.format in ("sweep", "zeta2"):
        build = sweep_prompt if prepared.format == "sweep" else zeta2_prompt
        result = engine.complete_prompt(build(prepared.data, prepared.window), cancel, budget, on_token)
        text = result.text if prepared.format == "sweep" else parse_zeta2(result.text)
    else:
        messages = instruct_messages(prepared.data, prepared.window)
        if hasattr(engine, "prefill_chat"):  # the prompt in cancellable steps (a background job)
            engine.prefill_chat(messages, cancel)
        result = engine.chat(messages, cancel, max_tokens=budget, on_token=on_token)
        text = parse_instruct(result.text)
    if stats is not None:
        stats.update(promptTokens=result.prompt_tokens, cachedTokens=getattr(result, "cached_tokens", 0),
                     tokens=result.generated_tokens, finish=result.finish_reason, ms=round(result.total_ms, 3))
    return None if result.finish_reason == "length" else text


def with_related(prepared: Prepared, sticky, index, budget_tokens: int, count_tokens=None) -> Prepared:
    """`prepared` with repository context as related files: the inline completion's sticky
    snippets for this cursor (same budget, so both share them and the prompt head stays put)."""
    if index is None or budget_tokens <= 0 or sticky is None:
        return prepared
    try:
        snippets, _reused = sticky(index, prepared.path_on_disk, prepared.data.text, prepared.offset, budget_tokens,
                                   count_tokens=count_tokens)
    except Exception:  # context is a bonus, as for ghost text
        log.exception("next-edit retrieval failed")
        return prepared
    related = tuple((snippet.file, snippet.text) for snippet in snippets if snippet.file != prepared.data.path)
    return dataclasses.replace(prepared, data=dataclasses.replace(prepared.data, related=related[::-1]))


def finish(prepared: Prepared, rewritten: str | None, aggressiveness: str = "medium") -> list[TextEdit]:
    if not rewritten:
        return []
    data = prepared.data
    edits = edits_from_rewrite(data.text, prepared.window_offset, prepared.window.text, rewritten)
    newest = data.hunks[-1] if data.hunks else None
    return gate(data.text, edits, language=prepared.language, newest=newest, aggressiveness=aggressiveness)


def suggest(engine, history: EditHistory, *, uri: str, path: str, language: str, text: str, offset: int,
            aggressiveness: str = "medium", cancel: CancelToken | None = None) -> list[TextEdit]:
    prepared = prepare(engine, history, uri=uri, path=path, language=language, text=text, offset=offset)
    if prepared is None:
        return []
    return finish(prepared, generate(engine, prepared, cancel or CancelToken()), aggressiveness)


def _count(engine, text: str) -> int:
    try:
        return int(engine.count_tokens(text))
    except Exception:
        return len(text) // 3 + 1


def _relative(path: str) -> str:
    """The name the prompt shows: the caller passes it relative to the workspace; an absolute path
    keeps only its last two parts (no home folder or user name in a prompt)."""
    parts = path.replace("\\", "/").split("/")
    return "/".join(parts[-2:]) if path.startswith(("/", "\\")) or ":" in path[:3] else path
