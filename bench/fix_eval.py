"""Explain and Fix this error on injected single errors in real code, over LSP, scored.

Builds a dev set by injecting one error into real functions of installed
packages (pathspec, watchdog, gitpython from the virtual environment): a
missing colon, bracket or comma, a bad indentation, a misspelled local or
attribute, a missing import, a missing argument, `=` for `==`. Each case
carries the diagnostic an editor would show (Python's compile() message and
position for syntax errors; pyflakes/pyright wording for the others). A real
`coder-lsp serve` (from `--tree`, default this checkout; point it at another
checkout to compare) gets the broken file, lists the code actions, resolves
"Fix this error", applies the edit and runs "Explain this error". Printed per
kind: fix offered, restores the original code, removes the error, median edit
precision (the share of changed characters that needed changing),
destructive edits (10 or more lines deleted), explanation names the problem,
explanation degenerates into repetition, and median latencies.

    .venv/bin/python bench/fix_eval.py [--per-kind 6] [--model fixtures/models/deepseek-tiny.gguf] [--tree DIR]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.fix_cases import KINDS, SYNTAX_KINDS, Case, build_cases, compile_diagnostic, offset_of  # noqa: E402
from bench.lsp_client import LspClient, initialize_params  # noqa: E402

PACKAGES = ("pathspec", "watchdog", "git")


def site_packages() -> Path:
    for candidate in sorted((ROOT / ".venv" / "lib").glob("python3*/site-packages")):
        return candidate
    raise SystemExit("no .venv site-packages")


# --- scoring ------------------------------------------------------------------------------------


def apply_edit(text: str, edit: dict | None, uri: str) -> tuple[str, int, int]:
    """(new text, changed characters, deleted lines) of a WorkspaceEdit on `text`."""
    if not edit:
        return text, 0, 0
    edits = list((edit.get("changes") or {}).get(uri, []))
    for change in edit.get("documentChanges") or []:
        edits += change.get("edits", [])
    lines = text.split("\n")
    changed = deleted = 0
    for item in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        r = item["range"]
        start = offset_of(lines, r["start"]["line"], r["start"]["character"])
        end = offset_of(lines, r["end"]["line"], r["end"]["character"])
        old, new = text[start:end], item["newText"]
        changed += len(old) + len(new)
        deleted = max(deleted, old.count("\n") - new.count("\n"))
        text = text[:start] + new + text[end:]
        lines = text.split("\n")
    return text, changed, deleted


def error_gone(case: Case, fixed: str) -> bool:
    if compile_diagnostic(fixed) is not None:
        return False
    if case.kind in SYNTAX_KINDS:
        return True
    if "gone" in case.check:
        return not re.search(rf"\b{re.escape(case.check['gone'])}\b", fixed)
    tree = ast.parse(fixed)
    if "bound" in case.check:
        return any(isinstance(n, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name).split(".")[0] == case.check["bound"]
                   for a in n.names) for n in tree.body)
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == case.check["call"] and len(n.args) == case.check["args"]
               and n.lineno == case.check["line"] for n in ast.walk(tree))


def precision(case: Case, changed: int) -> float:
    needed = (case.spot[1] - case.spot[0]) + len(case.needed)
    return min(1.0, needed / changed) if changed else 0.0


def explanation_body(markdown: str | None) -> str:
    if not markdown:
        return ""
    parts = markdown.split("\n\n", 2)
    body = parts[2] if len(parts) == 3 else markdown
    return "\n".join(line for line in body.split("\n") if not line.startswith(("- Python's compiler", "- tree-sitter")))


def names_problem(case: Case, body: str) -> bool:
    lowered = body.lower()
    return any(k.lower() in lowered for k in case.keywords)


def repeats(body: str) -> bool:
    lines = [line.strip() for line in body.split("\n") if len(line.strip()) >= 4]
    if any(lines.count(line) >= 3 for line in set(lines)):
        return True
    n = len(body)
    return any(body[n - 3 * p:n - 2 * p] == body[n - 2 * p:n - p] == body[n - p:] and body[n - p:].strip()
               for p in range(8, min(200, n // 3) + 1))


# --- the LSP session ----------------------------------------------------------------------------


async def wait_ready(client: LspClient, timeout: float) -> str:
    deadline, state = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        status = await client.request("workspace/executeCommand", {"command": "coderLsp.status", "arguments": []}, 30)
        state = (status or {}).get("state", "")
        index = (status or {}).get("index") or {}
        if state in ("ready", "error") and (index.get("ready", True)):
            return state
        await asyncio.sleep(0.2)
    return state


async def run_case(client: LspClient, workspace: Path, case: Case, version: int) -> dict:
    uri = (workspace / case.rel).as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": version,
                                                             "text": case.broken}})
    diagnostic = {"range": {"start": {"line": case.line, "character": case.start},
                            "end": {"line": case.line, "character": case.end}},
                  "message": case.message, "severity": 1, "source": case.source}
    params = {"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}
    actions = await client.request("textDocument/codeAction", params, 60) or []
    fix = next((a for a in actions if a.get("kind") == "quickfix"), None)
    started = time.perf_counter()
    resolved = await client.request("codeAction/resolve", fix, 300) if fix else None
    fix_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    markdown = await client.request("workspace/executeCommand", {"command": "coderLsp.explainDiagnostic",
                                                                  "arguments": [{"uri": uri, "diagnostic": diagnostic}]}, 300)
    explain_ms = (time.perf_counter() - started) * 1000
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    edit = (resolved or {}).get("edit")
    fixed, changed, deleted = apply_edit(case.broken, edit, uri)
    body = explanation_body(markdown)
    return {"kind": case.kind, "offered": bool(edit and changed), "restores": fixed == case.original,
            "removes": bool(edit) and error_gone(case, fixed), "precision": precision(case, changed) if changed else None,
            "destructive": deleted >= 10, "names": names_problem(case, body), "repeats": repeats(body),
            "fix_ms": fix_ms, "explain_ms": explain_ms}


async def evaluate(cases: list[Case], workspace: Path, model: str, tree: Path, max_tokens: int) -> list[dict]:
    settings = {"model": {"path": model}, "chatMaxTokens": max_tokens}
    client = LspClient(settings)
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("CODER_LSP_MODEL", None)
    log = tempfile.NamedTemporaryFile("w+", prefix="coder-lsp-fix-eval-", suffix=".log", delete=False)
    await client.start([sys.executable, "-m", "lsp_server", "serve", "--model", model], str(workspace), env, log)
    try:
        await client.request("initialize", initialize_params(str(workspace), settings))
        client.notify("initialized", {})
        if await wait_ready(client, 300) != "ready":
            raise SystemExit(f"server did not get ready; see {log.name}")
        results = []
        for n, case in enumerate(cases):
            results.append(await run_case(client, workspace, case, n + 1))
            r = results[-1]
            print(f"  {n + 1}/{len(cases)} {case.kind} {case.rel}:{case.line + 1} offered={r['offered']} "
                  f"restores={r['restores']} removes={r['removes']} names={r['names']} repeats={r['repeats']} "
                  f"fix {r['fix_ms']:.0f} ms", file=sys.stderr, flush=True)
        return results
    finally:
        await client.stop()


def table(results: list[dict]) -> str:
    header = ("| kind | n | fix offered | restores code | removes error | median precision | destructive "
              "| names problem | repetition | fix ms p50 | explain ms p50 |")
    rows = [header, "|" + "---|" * 11]
    for kind in (*KINDS, "all"):
        group = [r for r in results if kind in ("all", r["kind"])]
        if not group:
            continue
        n = len(group)

        def pct(key):
            return f"{100 * sum(r[key] for r in group) / n:.0f}%"

        precisions = [r["precision"] for r in group if r["precision"] is not None]
        median = f"{statistics.median(precisions):.2f}" if precisions else "-"
        rows.append(f"| {kind} | {n} | {pct('offered')} | {pct('restores')} | {pct('removes')} | {median} "
                    f"| {sum(r['destructive'] for r in group)} | {pct('names')} | {pct('repeats')} "
                    f"| {statistics.median(r['fix_ms'] for r in group):.0f} | {statistics.median(r['explain_ms'] for r in group):.0f} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=6)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--model", default=str(ROOT / "fixtures" / "models" / "deepseek-tiny.gguf"))
    parser.add_argument("--tree", default=str(ROOT), help="checkout whose lsp_server is run")
    parser.add_argument("--max-tokens", type=int, default=384)
    args = parser.parse_args()
    site = site_packages()
    with tempfile.TemporaryDirectory(prefix="coder-lsp-fix-eval-") as scratch:
        workspace = Path(scratch).resolve()
        for package in PACKAGES:
            if (site / package).is_dir():
                shutil.copytree(site / package, workspace / package, ignore=shutil.ignore_patterns("__pycache__"))
        cases = build_cases(workspace, args.per_kind, args.seed)
        results = asyncio.run(evaluate(cases, workspace, str(Path(args.model).resolve()), Path(args.tree), args.max_tokens))
    print(f"fix_eval: {len(cases)} cases from {', '.join(PACKAGES)}; model {Path(args.model).name}; "
          f"server from {args.tree}; chatMaxTokens {args.max_tokens}\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
