"""`textDocument/codeAction` and `codeAction/resolve`: Explain and Fix this error.

Listing never calls the model: for each diagnostic in the request's context
(from any tool) it offers "Explain this error" (the
`coderLsp.explainDiagnostic` command, kind `quickfix.explain`) and "Fix this
error" (kind `quickfix`). The fix is computed when the editor resolves the
action; clients that cannot resolve edits get the `coderLsp.fixDiagnostic`
command instead, which applies the edit itself.
"""

from __future__ import annotations

from lsprotocol import types

from lsp_server.features import diagnostic_help
from lsp_server.features.documents import open_document
from lsp_server.server import CoderServer

EXPLAIN_KIND = "quickfix.explain"
MAX_DIAGNOSTICS = 4
OPTIONS = types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, EXPLAIN_KIND], resolve_provider=True
)


def register(server: CoderServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, OPTIONS)
    def code_action(ls: CoderServer, params: types.CodeActionParams):
        uri = params.text_document.uri
        document = open_document(ls, uri)
        if document is None or not _offered(ls, document.language_id):
            return None
        converter = ls.protocol._converter
        actions: list[types.CodeAction] = []
        for diagnostic in list(params.context.diagnostics)[:MAX_DIAGNOSTICS]:
            argument = {"uri": uri, "diagnostic": converter.unstructure(diagnostic)}
            actions.append(_explain_action(diagnostic, argument))
            actions.append(_fix_action(ls, diagnostic, argument, document.version))
        return actions or None

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve_code_action(ls: CoderServer, action: types.CodeAction):
        data = action.data if isinstance(action.data, dict) else {}
        if data.get("coderLsp") != "fix" or action.edit is not None:
            return action
        target = diagnostic_help.target_for(ls, data.get("uri"), data.get("diagnostic"))
        if diagnostic_help.enabled(ls, target):
            action.edit = await diagnostic_help.fix(ls, target)
        return action


def _offered(ls, language_id: str | None) -> bool:
    settings = ls.settings
    return settings.enable_code_actions and settings.enabled_for(language_id) and ls.model.usable


def _short(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else ""
    return first if len(first) <= 60 else first[:57] + "..."


def _explain_action(diagnostic: types.Diagnostic, argument: dict) -> types.CodeAction:
    title = f"Explain this error: {_short(diagnostic.message)}"
    return types.CodeAction(
        title=title,
        kind=EXPLAIN_KIND,
        diagnostics=[diagnostic],
        command=types.Command(title=title, command="coderLsp.explainDiagnostic", arguments=[argument]),
    )


def _fix_action(ls, diagnostic: types.Diagnostic, argument: dict, version) -> types.CodeAction:
    title = f"Fix this error: {_short(diagnostic.message)}"
    if _can_resolve_edits(ls):
        return types.CodeAction(
            title=title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            data={"coderLsp": "fix", "version": version, **argument},
        )
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        command=types.Command(title=title, command="coderLsp.fixDiagnostic", arguments=[argument]),
    )


def _can_resolve_edits(ls) -> bool:
    text_document = ls.client_capabilities.text_document
    code_action = text_document.code_action if text_document else None
    support = code_action.resolve_support if code_action else None
    return bool(support and "edit" in support.properties)
