"""Explain this error / Fix this error end to end, as code actions and as commands.

Listing actions never runs the model; the fix runs in codeAction/resolve.
A diagnostic the tools can answer (an undefined name with a close match, a
syntax error) is explained and fixed without the model; one that needs
judgement (a type error) goes to the tiny model, whose edit, when its reply
yields one, must pass its checks. The commands take diagnostics as
arguments (as Neovim sends them).
"""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.conftest import DEEPSEEK_MODEL
from tests.e2e.conftest import FAILING, SLOW, start_server

BROKEN = "def area(width, height):\n    return width * heigth\n\n\nprint(area(2, 3))\n"
# Needs judgement: no tool here can say what to do about it, so the model is asked.
TYPE_ERROR = 'Operator "*" not supported for types "int" and "str"'
DIAGNOSTIC = types.Diagnostic(
    range=types.Range(types.Position(1, 11), types.Position(1, 25)),
    message=TYPE_ERROR,
    severity=types.DiagnosticSeverity.Error,
    source="pyright",
)
DIAGNOSTIC_JSON = {
    "range": {"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 25}},
    "message": TYPE_ERROR,
    "severity": 1,
    "source": "pyright",
}
# Mechanical: "did you mean `height`", answered from the file without the model.
UNDEFINED = types.Diagnostic(
    range=types.Range(types.Position(1, 19), types.Position(1, 25)),
    message='"heigth" is not defined',
    severity=types.DiagnosticSeverity.Error,
    source="pyright",
)
CHAT = {"chatMaxTokens": 300}


def model_jobs(status: dict, kind: str) -> list[dict]:
    return [job for job in status["jobs"] if job["kind"] == kind]


async def list_actions(lsp, uri, diagnostic=DIAGNOSTIC):
    """The actions as CodeAction objects (pygls's client would read ours as Commands)."""
    converter = lsp.client.protocol._converter
    params = types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext(diagnostics=[diagnostic])
    )
    raw = await lsp.send_raw(types.TEXT_DOCUMENT_CODE_ACTION, converter.unstructure(params))
    return None if raw is None else [converter.structure(action, types.CodeAction) for action in raw]


def apply(text: str, edit: types.TextEdit) -> str:
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: edit.range.start.line]) + edit.range.start.character
    end = sum(len(line) + 1 for line in lines[: edit.range.end.line]) + edit.range.end.character
    return text[:start] + edit.new_text + text[end:]


async def test_listing_actions_does_not_call_the_model(workspace):
    async with start_server(workspace) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        actions = await list_actions(lsp, uri)
        assert [a.kind for a in actions] == ["quickfix.explain", types.CodeActionKind.QuickFix]
        explain, fix = actions
        assert explain.command.command == "coderLsp.explainDiagnostic"
        assert fix.edit is None and fix.data["uri"] == uri
        assert (await lsp.status())["jobs"] == []


async def test_fix_resolves_to_an_edit_that_parses_or_none(workspace):
    from context.syntax import error_count

    async with start_server(workspace, settings=CHAT) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        fix = (await list_actions(lsp, uri))[1]
        resolved = await lsp.client.code_action_resolve_async(fix)
        assert resolved.title == fix.title
        jobs = model_jobs(await lsp.status(), "fix")
        assert len(jobs) == 1 and jobs[0]["tokens"] > 0 and jobs[0]["outcome"] == "done"
        if resolved.edit is not None:
            (document_edit,) = resolved.edit.document_changes
            assert document_edit.text_document.version == 1
            fixed = BROKEN
            for text_edit in document_edit.edits:
                fixed = apply(fixed, text_edit)
            assert error_count("python", fixed) == 0
        else:  # a resolve without an edit says why
            said = [m.message for m in lsp.client.messages if m.message.startswith("Fix this error: no fix offered: ")]
            assert len(said) == 1 and jobs[0]["finish_reason"] in ("length", "repetition", "stop")


async def test_explain_command_returns_markdown_and_logs_it(workspace):
    async with start_server(workspace, settings=CHAT) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        explain = (await list_actions(lsp, uri))[0]
        markdown = await lsp.command(explain.command.command, *explain.command.arguments)
        assert markdown.startswith(f"### {TYPE_ERROR}")
        assert "geometry.py:2" in markdown
        assert any(m.message == markdown for m in lsp.client.log_messages)
        jobs = model_jobs(await lsp.status(), "explain")
        assert len(jobs) == 1 and jobs[0]["tokens"] > 0
        # The tiny model's reply is never about the error: the tools' facts are shown instead.
        body = markdown.split("\n\n", 2)[2]
        assert body.startswith("The model could not explain this") or "width" in body or "heigth" in body


async def test_mechanical_fix_and_explanation_need_no_model(workspace):
    async with start_server(workspace, settings=CHAT) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        explain, fix = await list_actions(lsp, uri, UNDEFINED)
        markdown = await lsp.command(explain.command.command, *explain.command.arguments)
        assert markdown.startswith('### "heigth" is not defined')
        assert "geometry.py:2" in markdown and "did you mean `height`?" in markdown
        resolved = await lsp.client.code_action_resolve_async(fix)
        (document_edit,) = resolved.edit.document_changes
        (text_edit,) = document_edit.edits
        assert apply(BROKEN, text_edit) == BROKEN.replace("heigth", "height")
        assert (text_edit.range.start.line, text_edit.range.start.character, text_edit.new_text) == (1, 19, "height")
        assert (await lsp.status())["jobs"] == []


async def test_syntax_error_fixed_by_the_compiler_in_place(workspace):
    broken = "def area(width, height)\n    return width * height\n"
    missing_colon = types.Diagnostic(
        range=types.Range(types.Position(0, 23), types.Position(0, 24)), message="SyntaxError: expected ':'")
    async with start_server(workspace, settings=CHAT) as lsp:
        uri = lsp.open("geometry.py", broken)
        explain, fix = await list_actions(lsp, uri, missing_colon)
        markdown = await lsp.command(explain.command.command, *explain.command.arguments)
        assert "missing the `:` that ends it" in markdown
        resolved = await lsp.client.code_action_resolve_async(fix)
        (text_edit,) = resolved.edit.document_changes[0].edits
        assert apply(broken, text_edit) == broken.replace(")\n", "):\n", 1)
        assert (await lsp.status())["jobs"] == []


async def test_commands_accept_diagnostics_as_arguments(workspace):
    async with start_server(workspace, settings=CHAT, resolve_edits=False) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        fix = (await list_actions(lsp, uri))[1]
        assert fix.command.command == "coderLsp.fixDiagnostic"  # no resolve support: a command instead
        result = await lsp.command("coderLsp.fixDiagnostic", {"uri": uri, "diagnostics": [DIAGNOSTIC_JSON]})
        assert result["applied"] is (len(lsp.applied_edits) == 1)
        markdown = await lsp.command("coderLsp.explainDiagnostic", uri, DIAGNOSTIC_JSON)
        assert markdown.startswith("### ")


async def test_disabled_by_settings(workspace):
    cases = [{"enable": False}, {"enableCodeActions": False}, {"languages": {"python": False}}]
    async with start_server(workspace, settings=cases[0]) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        for settings in cases:
            lsp.client.set_configuration({"model": {"path": str(DEEPSEEK_MODEL)}, **settings}, section="coderLsp")
            lsp.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
            await lsp.status()
            assert await list_actions(lsp, uri) is None
            assert await lsp.command("coderLsp.explainDiagnostic", {"uri": uri, "diagnostic": DIAGNOSTIC_JSON}) is None
        assert (await lsp.status())["jobs"] == []


async def test_cancel_explain_and_resolve(workspace):
    async with start_server(workspace, settings={"chatMaxTokens": 2000}, env=SLOW) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        explain_params = types.ExecuteCommandParams("coderLsp.explainDiagnostic", [{"uri": uri, "diagnostic": DIAGNOSTIC_JSON}])
        msg_id, answer = lsp.send(types.WORKSPACE_EXECUTE_COMMAND, explain_params)
        await lsp.wait_status(lambda s: any(j["tokens"] >= 2 for j in model_jobs(s, "explain")))
        lsp.cancel(msg_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await answer
        status = await lsp.wait_status(lambda s: model_jobs(s, "explain")[0]["outcome"] == "cancelled")
        fix = (await list_actions(lsp, uri))[1]
        msg_id, answer = lsp.send(types.CODE_ACTION_RESOLVE, fix)
        await lsp.wait_status(lambda s: any(j["tokens"] >= 2 for j in model_jobs(s, "fix")))
        lsp.cancel(msg_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await answer
        status = await lsp.wait_status(lambda s: s["state"] == "ready")
        assert model_jobs(status, "fix")[0]["outcome"] == "cancelled"
        assert all(job["tokens"] < 2000 for job in status["jobs"])


async def test_newer_explain_supersedes_older_and_others_are_answered_meanwhile(workspace):
    async with start_server(workspace, settings={"chatMaxTokens": 2000}, env=SLOW) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        argument = {"uri": uri, "diagnostic": DIAGNOSTIC_JSON}
        _, first = lsp.send(types.WORKSPACE_EXECUTE_COMMAND, types.ExecuteCommandParams("coderLsp.explainDiagnostic", [argument]))
        await lsp.wait_status(lambda s: any(j["tokens"] >= 1 for j in model_jobs(s, "explain")))
        assert len(await list_actions(lsp, uri)) == 2 and not first.done()  # answered while generating
        second_id, second = lsp.send(types.WORKSPACE_EXECUTE_COMMAND, types.ExecuteCommandParams("coderLsp.explainDiagnostic", [argument]))
        assert await first is None
        lsp.cancel(second_id)
        with pytest.raises(JsonRpcRequestCancelled):
            await second
        assert model_jobs(await lsp.status(), "explain")[0]["outcome"] == "superseded"


async def test_edit_during_fix_gives_no_edit_and_explain_still_answers(workspace):
    async with start_server(workspace, settings={"chatMaxTokens": 60}, env=SLOW) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        fix = (await list_actions(lsp, uri))[1]
        _, answer = lsp.send(types.CODE_ACTION_RESOLVE, fix)
        await lsp.wait_status(lambda s: any(j["tokens"] >= 1 for j in model_jobs(s, "fix")))
        lsp.change(uri, BROKEN.replace("heigth", "str(height)"))
        resolved = await answer
        assert resolved.edit is None
        assert model_jobs(await lsp.status(), "fix")[0]["outcome"] == "done"
        # An explanation stays true of the code it explained: it is still answered.
        params = types.ExecuteCommandParams("coderLsp.explainDiagnostic", [{"uri": uri, "diagnostic": DIAGNOSTIC_JSON}])
        _, answer = lsp.send(types.WORKSPACE_EXECUTE_COMMAND, params)
        await lsp.wait_status(lambda s: any(j["tokens"] >= 1 for j in model_jobs(s, "explain")))
        lsp.change(uri, BROKEN)
        assert (await answer).startswith("### ")


async def test_engine_failure(workspace):
    async with start_server(workspace, env=FAILING) as lsp:
        uri = lsp.open("geometry.py", BROKEN)
        argument = {"uri": uri, "diagnostic": DIAGNOSTIC_JSON}
        assert await lsp.command("coderLsp.explainDiagnostic", argument) is None
        fix = (await list_actions(lsp, uri))[1]
        assert (await lsp.client.code_action_resolve_async(fix)).edit is None
        assert len([m for m in lsp.error_messages() if "model failed" in m]) == 1


async def test_typescript_expected_comma_is_fixed_by_the_parser_not_explained_as_a_semicolon(workspace):
    source = "export function total(items: number[]): number {\n  return items.reduce((sum, n) => sum + n 0);\n}\n"
    column = source.split("\n")[1].index(" 0)") + 1
    expected_comma = types.Diagnostic(
        range=types.Range(types.Position(1, column), types.Position(1, column + 1)), message="',' expected.",
        source="ts")
    async with start_server(workspace, settings=CHAT) as lsp:
        uri = lsp.open("total.ts", source, language="typescript")
        explain, fix = await list_actions(lsp, uri, expected_comma)
        markdown = await lsp.command(explain.command.command, *explain.command.arguments)
        assert "A `,` is expected on line 2" in markdown and "semicolon" not in markdown
        resolved = await lsp.client.code_action_resolve_async(fix)
        (text_edit,) = resolved.edit.document_changes[0].edits
        assert apply(source, text_edit) == source.replace("n 0)", "n, 0)")
        assert (await lsp.status())["jobs"] == []
