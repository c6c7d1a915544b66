"""Explaining and fixing one diagnostic: what the tools know first, the chat model where judgement is needed.

Shared by the code actions (listed without the model; the fix runs in
`codeAction/resolve`) and the `coderLsp.explainDiagnostic` /
`coderLsp.fixDiagnostic` commands, whose arguments may carry the diagnostics
themselves (Neovim hands a server only its own diagnostics). Diagnostics
from any tool are read leniently from plain JSON; anything unusable is
InvalidParams. `assist.grounding` answers mechanical cases (syntax errors,
did you mean, missing import) instantly and without the model; otherwise
the chat runs on the model thread with the facts, keyed per document and
purpose, so a newer request of the same kind supersedes the older one. A
fix is offered only once `assist.verify` passed it; a fix that cannot be
made says why.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from context.secrets import inside, is_secret_file
from lsp_server.assist import explain as explain_prompts
from lsp_server.assist import fix as fix_prompts
from lsp_server.assist import grounding, names, verify
from lsp_server.assist.changes import Finding
from lsp_server.assist.fix import FixOutcome
from lsp_server.assist.pipeline import document_language
from lsp_server.features.documents import (
    DocumentSnapshot,
    current_version,
    encoding_of,
    fs_path,
    offset_at,
    position_at,
    take_snapshot,
)
from lsp_server.features import model_use
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
    if path and not inside(ls.workspace_root() or os.sep, path):  # no file outside the workspace, no link out
        return None
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
    """Whether help is on for this document; a missing model only disables the model's part."""
    settings = ls.settings
    return (
        settings.enable_code_actions
        and settings.enabled_for(target.snapshot.language_id or None)
        and not is_secret_file(target.snapshot.path or target.snapshot.uri, settings.secret_files)
    )


async def ground(ls, target: DiagnosticTarget) -> Finding | None:
    """The tools' answer, computed off the event loop (compiling a big file takes a while)."""
    return await asyncio.get_running_loop().run_in_executor(None, _ground, ls, target)


def _ground(ls, target: DiagnosticTarget) -> Finding | None:
    snapshot = target.snapshot
    rel = ""
    if ls.index is not None and snapshot.path:
        try:
            rel = ls.index.relative(snapshot.path) or ""
        except Exception:
            rel = ""
    return grounding.ground(snapshot.text, document_language(snapshot.language_id, snapshot.path), target.message, snapshot.offset,
                            index=ls.index, rel=rel)


def _facts(ls, target: DiagnosticTarget, finding: Finding | None) -> tuple[str, ...]:
    snapshot = target.snapshot
    own = finding.facts if finding is not None else ()
    return own + grounding.line_facts(snapshot.text, document_language(snapshot.language_id, snapshot.path), snapshot.offset, ls.index)


async def _chat(ls, key: str, target: DiagnosticTarget, build_messages, finish):
    """Run build_messages -> engine.chat -> finish(reply) on the model thread."""
    engine, max_tokens = await model_use.chat_engine(ls), ls.settings.chat_max_tokens
    if engine is None:
        return None
    stats = ls.record_job(key, target.snapshot.uri, offset=target.snapshot.offset)

    def count_token(_text: str) -> None:
        stats["tokens"] += 1

    def job(cancel):
        stats["outcome"] = "running"
        reply = engine.chat(build_messages(), cancel, max_tokens=max_tokens, on_token=count_token)
        stats["finish_reason"], stats["model"] = reply.finish_reason, reply.model  # which engine answered
        return finish(reply)

    result = await ls.run_logged_job(f"{key}:{target.snapshot.uri}", job, stats)
    ls.finish_job(stats, "done" if result is not None else "superseded")
    return result


def _error_line(target: DiagnosticTarget) -> str:
    text, offset = target.snapshot.text, target.snapshot.offset
    end = text.find("\n", offset)
    return text[text.rfind("\n", 0, offset) + 1 : len(text) if end < 0 else end]


async def explain(ls, target: DiagnosticTarget) -> str | None:
    """Markdown explaining the diagnostic, also sent as window/logMessage; None if it failed."""
    snapshot = target.snapshot
    path = Path(snapshot.path).name
    finding = await ground(ls, target)
    if finding is not None and not finding.needs_model or ls.engine is None:
        markdown = _explained_without_model(target, finding, path)
    else:
        markdown = await _explained_by_model(ls, target, finding, path)
    if markdown is not None:
        ls.log_to_client(markdown)
    return markdown


def _explained_without_model(target: DiagnosticTarget, finding: Finding | None, path: str) -> str:
    text = target.snapshot.text
    if finding is not None:
        return explain_prompts.grounded_markdown(finding, text, message=target.message, path=path, line=target.line)
    return explain_prompts.explanation_markdown("", message=target.message, path=path, line=target.line,
                                                error_line=_error_line(target))


async def _explained_by_model(ls, target: DiagnosticTarget, finding: Finding | None, path: str) -> str | None:
    snapshot = target.snapshot

    def build_messages():  # on the model thread: the index lookups stay off the event loop
        return explain_prompts.explain_messages(
            path=path, language=snapshot.language_id, text=snapshot.text,
            line=target.line, message=target.message, source=target.source, facts=_facts(ls, target, finding),
        )

    def finish(reply):
        return explain_prompts.explanation_markdown(
            reply.text, message=target.message, path=path, line=target.line,
            finish_reason=reply.finish_reason, error_line=_error_line(target), finding=finding)

    return await _chat(ls, "explain", target, build_messages, finish)


async def fix_outcome(ls, target: DiagnosticTarget) -> FixOutcome | None:
    """The verified fix (from the tools, else the model), or why there is none; None if superseded."""
    snapshot = target.snapshot
    language = document_language(snapshot.language_id, snapshot.path)
    finding = await ground(ls, target)
    if finding is not None and finding.change is not None:
        return FixOutcome(finding.change, "", True)
    if ls.engine is None:
        return FixOutcome(None, "the tools know no mechanical fix, and no model is loaded")
    syntax, regions = grounding.is_syntax(target.message, finding), []

    def build_messages():  # on the model thread: parsing and index lookups stay off the event loop
        region = fix_prompts.region_for(snapshot.text, language, snapshot.offset, target.end_offset)
        regions.append(region)
        code = snapshot.text[region.start : region.end]
        return fix_prompts.fix_messages(path=Path(snapshot.path).name, language=snapshot.language_id, code=code,
                                        message=target.message, facts=_facts(ls, target, finding))

    def resolved(new_text: str):
        if not verify.is_python(language):
            return None
        try:
            return names.resolved(target.message, snapshot.text, new_text, snapshot.offset)
        except (RecursionError, MemoryError):  # a file too deep to re-check: unverified, not failed
            return None

    def finish(reply):
        return fix_prompts.model_fix(snapshot.text, language, regions[-1], reply.text, error_offset=snapshot.offset,
                                     syntax=syntax, finish_reason=reply.finish_reason, resolved=resolved)

    return await _chat(ls, "fix", target, build_messages, finish)


async def fix(ls, target: DiagnosticTarget) -> types.WorkspaceEdit | None:
    """The verified edit for the diagnostic; None (with the reason told to the user) otherwise."""
    snapshot = target.snapshot
    outcome = await fix_outcome(ls, target)
    if outcome is not None and outcome.change is not None and current_version(ls, snapshot.uri) != snapshot.version:
        outcome = FixOutcome(None, "the document changed while the fix was made")
    if outcome is None or outcome.change is None:
        if outcome is not None:
            _tell(ls, f"Fix this error: no fix offered: {outcome.reason}.")
        return None
    if not outcome.verified:
        _tell(ls, f"Fix this error: the fix is unverified: {outcome.reason}.")
    return workspace_edit(ls, snapshot, outcome.change)


def _tell(ls, message: str) -> None:
    log.info("%s", message)
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))


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
