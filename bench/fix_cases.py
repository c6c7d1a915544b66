"""The dev set for `fix_eval.py`: single errors injected into real functions of installed packages.

For each kind (missing colon, bracket or comma; bad indentation; misspelled
local or attribute; missing import; missing argument; `=` for `==`) an
injector finds a spot in a real function (with `ast`), makes the one edit,
and records the diagnostic an editor would show: Python's compile() message
and position for syntax errors, pyflakes or pyright wording for the others.
A `Case` keeps the original, the broken text, the injected span and what
"the error is gone" means for its kind. Deterministic for a given seed.
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass
from pathlib import Path

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


def functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and 3 <= node.end_lineno - node.lineno <= 40:
            yield node


def offset_of(lines: list[str], row: int, col: int = 0) -> int:
    return sum(len(line) + 1 for line in lines[:row]) + col


def compile_diagnostic(text: str):
    try:
        compile(text, "x.py", "exec", dont_inherit=True)
    except SyntaxError as err:
        row = (err.lineno or 1) - 1
        col = max((err.offset or 1) - 1, 0)
        return row, col, col + 1, f"{type(err).__name__}: {err.msg}"
    return None


def _syntax_case(kind, rel, text, start, end, new, keywords):
    broken = text[:start] + new + text[end:]
    diag = compile_diagnostic(broken)
    if diag is None or compile_diagnostic(text) is not None:
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
                o = offset_of(lines, row, col)
                case = _syntax_case(kind, rel, text, o, o + 1, "", ("colon", "`:`"))
        elif kind == "missing_bracket":
            rows = [r for r in body if re.search(r"\w\([^()]*\)\s*$", lines[r]) and not lines[r].rstrip().endswith(":")]
            if rows:
                row = rows[0]
                o = offset_of(lines, row, len(lines[row].rstrip()) - 1)
                case = _syntax_case(kind, rel, text, o, o + 1, "", ("never closed", "parenthes", "bracket", "`)`", "`(`"))
        elif kind == "missing_comma":
            for r in body:
                m = re.search(r"\((\w+), (\w+)[,)]", lines[r])
                if m:
                    o = offset_of(lines, r, m.start(1) + len(m.group(1)))
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
                    o = offset_of(lines, r)
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
                o = offset_of(lines, row, lines[row].index("=="))
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
    o = offset_of(lines, row, col)
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
            o1, o2 = offset_of(lines, row, cut_from), offset_of(lines, row, last.end_col_offset)
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
        o1, o2 = offset_of(lines, row), offset_of(lines, row + 1)
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
