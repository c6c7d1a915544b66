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
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.lsp_client import LspClient, initialize_params  # noqa: E402

SITE = Path(ast.__file__).parent  # replaced below by the venv's site-packages
PACKAGES = ("pathspec", "watchdog", "git")
KINDS = ("missing_colon", "missing_bracket", "missing_comma", "bad_indent", "misspelled_local",
         "misspelled_attribute", "missing_import", "missing_argument", "eq_for_eqeq")
SYNTAX_KINDS = KINDS[:4] + ("eq_for_eqeq",)


@dataclass
class Case:
    kind: str
    rel: str  # file inside the workspace
    original: str
    broken: str
    spot: tuple[int, int]  # the injected span in `broken`
    needed: str  # what the span was in the original
    line: int  # diagnostic, 0-based
    start: int
    end: int
    message: str
    source: str
    keywords: tuple[str, ...]  # an explanation naming the problem says one of these
    check: dict  # what "the error is gone" means for this kind


def site_packages() -> Path:
    for candidate in sorted((ROOT / ".venv" / "lib").glob("python3*/site-packages")):
        return candidate
    raise SystemExit("no .venv site-packages")


def functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and 3 <= node.end_lineno - node.lineno <= 40:
            yield node


def _offset(lines: list[str], row: int, col: int = 0) -> int:
    return sum(len(line) + 1 for line in lines[:row]) + col


def _compile_diag(text: str):
    try:
        compile(text, "x.py", "exec", dont_inherit=True)
    except SyntaxError as err:
        row = (err.lineno or 1) - 1
        col = max((err.offset or 1) - 1, 0)
        return row, col, col + 1, f"{type(err).__name__}: {err.msg}"
    return None


def _syntax_case(kind, rel, text, start, end, new, keywords):
    broken = text[:start] + new + text[end:]
    diag = _compile_diag(broken)
    if diag is None or _compile_diag(text) is not None:
        return None
    row, c1, c2, message = diag
    return Case(kind, rel, text, broken, (start, start + len(new)), text[start:end], row, c1, c2, message,
                "python", keywords, {})


def inject(kind: str, rel: str, text: str, tree: ast.AST, rng: random.Random) -> list[Case]:
    lines = text.split("\n")
    found: list[Case] = []
    for function in functions(tree):
        body = range(function.lineno - 1, function.end_lineno)
        case = None
        if kind == "missing_colon":
            row = next((r for r in body if re.match(r"\s*(def|if|for|while|elif)\b.*\):?\s*:\s*$|\s*(if|for|while|elif)\b.*:\s*$", lines[r])), None)
            if row is not None:
                col = lines[row].rstrip().rfind(":")
                o = _offset(lines, row, col)
                case = _syntax_case(kind, rel, text, o, o + 1, "", ("colon", "`:`"))
        elif kind == "missing_bracket":
            rows = [r for r in body if re.search(r"\w\([^()]*\)\s*$", lines[r]) and not lines[r].rstrip().endswith(":")]
            if rows:
                row = rows[0]
                o = _offset(lines, row, len(lines[row].rstrip()) - 1)
                case = _syntax_case(kind, rel, text, o, o + 1, "", ("never closed", "parenthes", "bracket", "`)`", "`(`"))
        elif kind == "missing_comma":
            for r in body:
                m = re.search(r"\((\w+), (\w+)[,)]", lines[r])
                if m:
                    o = _offset(lines, r, m.start(1) + len(m.group(1)))
                    case = _syntax_case(kind, rel, text, o, o + 1, "", ("comma",))
                    if case and "comma" in case.message:
                        break
                    case = None
        elif kind == "bad_indent":
            for r in list(body)[2:-1]:
                prev, line, nxt = lines[r - 1], lines[r], lines[r + 1]
                indent = len(line) - len(line.lstrip())
                if (line.strip() and prev.strip() and nxt.strip() and not prev.rstrip().endswith((":", ",", "(", "[", "{", "\\"))
                        and len(prev) - len(prev.lstrip()) == indent == len(nxt) - len(nxt.lstrip())
                        and not line.rstrip().endswith(":") and not line.lstrip().startswith(("#", ")", "]", "}", '"', "'"))
                        and re.match(r"\s*\w", line)):
                    o = _offset(lines, r)
                    case = _syntax_case(kind, rel, text, o, o, "    ", ("indent",))
                    if case:
                        break
        elif kind == "misspelled_local":
            params = {a.arg for a in function.args.args if a.arg not in ("self", "cls") and len(a.arg) >= 4}
            uses = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id in params and isinstance(n.ctx, ast.Load)]
            if uses:
                node = uses[0]
                case = _name_case(kind, rel, text, lines, node.lineno - 1, node.col_offset, node.id,
                                  lambda bad: f"undefined name '{bad}'", "pyflakes")
        elif kind == "misspelled_attribute":
            attrs = [n for n in ast.walk(function) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                     and n.value.id == "self" and len(n.attr) >= 4 and isinstance(n.ctx, ast.Load)
                     and lines[n.end_lineno - 1][n.end_col_offset - len(n.attr):n.end_col_offset] == n.attr]
            if attrs:
                node = attrs[0]
                case = _name_case(kind, rel, text, lines, node.end_lineno - 1, node.end_col_offset - len(node.attr),
                                  node.attr, lambda bad: f'Cannot access attribute "{bad}" for class "Self@"', "Pylance")
        elif kind == "missing_argument":
            case = _argument_case(rel, text, lines, tree, function)
        elif kind == "eq_for_eqeq":
            row = next((r for r in body if re.match(r"\s*(if|elif|while) [^=]*[^=!<>]==[^=].*:\s*$", lines[r])), None)
            if row is not None:
                o = _offset(lines, row, lines[row].index("=="))
                case = _syntax_case(kind, rel, text, o, o + 2, "=", ("==", "compar"))
        if case is not None:
            found.append(case)
    if kind == "missing_import":
        found += _import_cases(rel, text, lines, tree)
    rng.shuffle(found)
    return found[:2]  # at most two per file and kind, so the set spans files


def _misspell(name: str) -> str:
    middle = len(name) // 2
    return name[: middle - 1] + name[middle] + name[middle - 1] + name[middle + 1 :]


def _name_case(kind, rel, text, lines, row, col, name, message, source):
    bad = _misspell(name)
    if bad == name or re.search(rf"\b{re.escape(bad)}\b", text):
        return None
    o = _offset(lines, row, col)
    broken = text[:o] + bad + text[o + len(name):]
    keywords = (f"`{name}`", name)
    return Case(kind, rel, text, broken, (o, o + len(bad)), name, row, col, col + len(bad), message(bad), source,
                keywords, {"gone": bad, "line": row})


def _argument_case(rel, text, lines, tree, function):
    defined = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef) and not f.args.defaults}
    for call in ast.walk(function):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in defined and call.args
                and not call.keywords and call.lineno == call.end_lineno):
            params = [a.arg for a in defined[call.func.id].args.args]
            if len(params) != len(call.args) or any(isinstance(a, ast.Starred) for a in call.args):
                continue
            row = call.lineno - 1
            last = call.args[-1]
            cut_from = call.args[-2].end_col_offset if len(call.args) > 1 else last.col_offset
            o1, o2 = _offset(lines, row, cut_from), _offset(lines, row, last.end_col_offset)
            broken = text[:o1] + text[o2:]
            message = f'Argument missing for parameter "{params[-1]}"'
            return Case("missing_argument", rel, text, broken, (o1, o1), text[o1:o2], row, call.col_offset,
                        call.end_col_offset - (o2 - o1), message, "Pylance", (f"`{params[-1]}`", params[-1]),
                        {"call": call.func.id, "args": len(call.args), "line": row + 1})
    return None


def _import_cases(rel, text, lines, tree):
    cases = []
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or len(node.names) != 1 or node.lineno != node.end_lineno:
            continue
        alias = node.names[0]
        name = (alias.asname or alias.name).split(".")[0]
        if isinstance(node, ast.ImportFrom) and (node.level or alias.name == "*"):
            continue
        uses = [n for f in functions(tree) for n in ast.walk(f) if isinstance(n, ast.Name) and n.id == name]
        if not uses or sum(1 for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name) == 0:
            continue
        row = node.lineno - 1
        o1, o2 = _offset(lines, row), _offset(lines, row + 1)
        broken = text[:o1] + text[o2:]
        use = uses[0]
        use_row = use.lineno - 2  # one line less above it now
        cases.append(Case("missing_import", rel, text, broken, (o1, o1), text[o1:o2], use_row, use.col_offset,
                          use.col_offset + len(name), f"undefined name '{name}'", "pyflakes", ("import",),
                          {"bound": name}))
        if len(cases) >= 2:
            break
    return cases


def build_cases(workspace: Path, per_kind: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    files = sorted(p for p in workspace.rglob("*.py") if "test" not in p.name)
    rng.shuffle(files)
    chosen: dict[str, list[Case]] = {kind: [] for kind in KINDS}
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if "\r" in text or "\t" in text or len(text) > 60_000:
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        rel = path.relative_to(workspace).as_posix()
        for kind in KINDS:
            if len(chosen[kind]) < per_kind:
                chosen[kind] += inject(kind, rel, text, tree, rng)[: per_kind - len(chosen[kind])]
        if all(len(v) >= per_kind for v in chosen.values()):
            break
    return [case for kind in KINDS for case in chosen[kind]]


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
        start = _offset(lines, r["start"]["line"], r["start"]["character"])
        end = _offset(lines, r["end"]["line"], r["end"]["character"])
        old, new = text[start:end], item["newText"]
        changed += len(old) + len(new)
        deleted = max(deleted, old.count("\n") - new.count("\n"))
        text = text[:start] + new + text[end:]
        lines = text.split("\n")
    return text, changed, deleted


def error_gone(case: Case, fixed: str) -> bool:
    if _compile_diag(fixed) is not None:
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
