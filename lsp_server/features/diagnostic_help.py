"""Explaining and fixing one diagnostic with the chat model.

Shared by the code actions (listed without the model; the fix runs in
`codeAction/resolve`) and the `coderLsp.explainDiagnostic` /
`coderLsp.fixDiagnostic` commands, whose arguments may carry the diagnostics
themselves (Neovim hands a server only its own diagnostics). Diagnostics
from any tool are read leniently from plain JSON; anything unusable is
InvalidParams. The chat runs on the model thread, keyed per document and
purpose, so a newer request of the same kind supersedes the older one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from lsp_server.assist import explain as explain_prompts
from lsp_server.assist import fix as fix_prompts
from lsp_server.features.documents import (
    DocumentSnapshot,
    current_version,
    encoding_of,
    fs_path,
    offset_at,
    position_at,
    take_snapshot,
)
from lsp_server.features.inline_completion import language_name
from lsp_server.server import invalid_params

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DiagnosticTarget:
    snapshot: DocumentSnapshot  # cursor at the diagnostic's start
    end_offset: int
    line: int
    message: str
    source: str


UINTEGER_MAX = 2**31 - 1


def _field(value, name, default=None):
    if isinstance(value, dict):
        return value.get(name, default)
    return getattr(value, name, default)


def _position(raw) -> types.Position:
    line, character = _field(raw, "line"), _field(raw, "character")
    if not isinstance(line, int) or not isinstance(character, int) or line < 0 or character < 0:
        raise invalid_params("diagnostic range positions need non-negative line and character")
    # LSP positions are uinteger (< 2**31); anything past the document clamps to its end anyway.
    return types.Position(min(line, UINTEGER_MAX), min(character, UINTEGER_MAX))


def target_for(ls, uri: str, diagnostic) -> DiagnosticTarget:
    """Where and what the diagnostic is, against the open document (or the file on disk)."""
    message = _field(diagnostic, "message")
    raw_range = _field(diagnostic, "range")
    if not isinstance(uri, str) or not isinstance(message, str) or raw_range is None:
        raise invalid_params("expected a document uri and a diagnostic with a message and a range")
    start, end = _position(_field(raw_range, "start")), _position(_field(raw_range, "end"))
    snapshot = take_snapshot(ls, uri, start) or _snapshot_from_disk(ls, uri, start)
    if snapshot is None:
        raise invalid_params(f"unknown document {uri}")
    end_offset, _ = offset_at(snapshot.text, end, encoding_of(ls))
    source = _field(diagnostic, "source") or ""
    return DiagnosticTarget(snapshot, max(end_offset, snapshot.offset), snapshot.position.line, message, str(source))


def _snapshot_from_disk(ls, uri: str, position: types.Position) -> DocumentSnapshot | None:
    path = fs_path(uri)
    try:
        text = Path(path).read_text(encoding="utf-8") if path else None
    except (OSError, UnicodeDecodeError):
        return None
    if text is None:
        return None
    offset, clamped = offset_at(text, position, encoding_of(ls))
    return DocumentSnapshot(uri, path, "", None, text, offset, clamped)


def targets_from_arguments(ls, arguments: tuple) -> list[DiagnosticTarget]:
    """Command arguments: {uri, diagnostic}, {uri, diagnostics: [...]}, or uri, diagnostic."""
    if len(arguments) == 2 and isinstance(arguments[0], str):
        return [target_for(ls, arguments[0], arguments[1])]
    targets = []
    for argument in arguments:
        uri = _field(argument, "uri")
        diagnostics = _field(argument, "diagnostics") or [_field(argument, "diagnostic")]
        targets.extend(target_for(ls, uri, diagnostic) for diagnostic in diagnostics)
    if not targets:
        raise invalid_params("expected at least one {uri, diagnostic} argument")
    return targets


def enabled(ls, target: DiagnosticTarget) -> bool:
    settings = ls.settings
    return (
        settings.enable_code_actions
        and settings.enabled_for(target.snapshot.language_id or None)
        and ls.engine is not None
    )


async def _chat(ls, key: str, target: DiagnosticTarget, build_messages, finish):
    """Run build_messages -> engine.chat -> finish(reply) on the model thread."""
    engine, max_tokens = ls.engine, ls.settings.chat_max_tokens
    stats = ls.record_job(key, target.snapshot.uri, offset=target.snapshot.offset)

    def count_token(_text: str) -> None:
        stats["tokens"] += 1

    def job(cancel):
        stats["outcome"] = "running"
        reply = engine.chat(build_messages(), cancel, max_tokens=max_tokens, on_token=count_token)
        return finish(reply)

    result = await ls.run_logged_job(f"{key}:{target.snapshot.uri}", job, stats)
    ls.finish_job(stats, "done" if result is not None else "superseded")
    return result


async def explain(ls, target: DiagnosticTarget) -> str | None:
    """Markdown explaining the diagnostic, also sent as window/logMessage; None if it failed."""
    snapshot = target.snapshot
    path = Path(snapshot.path).name

    def build_messages():
        return explain_prompts.explain_messages(
            path=path, language=snapshot.language_id, text=snapshot.text,
            line=target.line, message=target.message, source=target.source,
        )

    def finish(reply):
        return explain_prompts.explanation_markdown(reply.text, message=target.message, path=path, line=target.line)

    markdown = await _chat(ls, "explain", target, build_messages, finish)
    if markdown is not None:
        ls.log_to_client(markdown)
    return markdown


async def fix(ls, target: DiagnosticTarget) -> types.WorkspaceEdit | None:
    """A minimal edit of the enclosing statement or function that parses; None otherwise."""
    snapshot = target.snapshot
    language = language_name(snapshot)
    region = fix_prompts.region_for(snapshot.text, language, snapshot.offset, target.end_offset)

    def build_messages():
        code = snapshot.text[region.start : region.end]
        return fix_prompts.fix_messages(
            path=Path(snapshot.path).name, language=snapshot.language_id, code=code, message=target.message
        )

    def finish(reply):
        return fix_prompts.accepted_fix(snapshot.text, language, region, reply.text) or False

    change = await _chat(ls, "fix", target, build_messages, finish)
    if not change or current_version(ls, snapshot.uri) != snapshot.version:
        return None
    return workspace_edit(ls, snapshot, change)


def workspace_edit(ls, snapshot: DocumentSnapshot, change) -> types.WorkspaceEdit:
    encoding = encoding_of(ls)
    edit_range = types.Range(
        position_at(snapshot.text, change.start, encoding), position_at(snapshot.text, change.end, encoding)
    )
    text_edit = types.TextEdit(edit_range, change.new_text)
    workspace = ls.client_capabilities.workspace
    edit_caps = workspace.workspace_edit if workspace else None
    if edit_caps and edit_caps.document_changes and snapshot.version is not None:
        document = types.OptionalVersionedTextDocumentIdentifier(snapshot.uri, snapshot.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(document, [text_edit])])
    return types.WorkspaceEdit(changes={snapshot.uri: [text_edit]})
