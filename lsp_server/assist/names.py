"""Diagnostics about names, answered from the file and the repository index.

Three mechanical cases, recognised from the message of any common tool
(pyflakes/ruff, pyright/Pylance, mypy, Python's own NameError/TypeError):

- an undefined name with a close match among the names of the file or the
  index: "did you mean `total`?", the fix replaces the name;
- an undefined name the index knows elsewhere, or that another file of the
  repository imports: the import line to add at the end of the import block;
- a misspelled attribute with a close match among the attributes the file
  uses or the class defines.

A missing argument gets the callee's signature from the index as a fact; the
value to pass needs judgement, so that fix is left to the model (with the
signature in its prompt) unless a name of the parameter's name is in scope.
"""

from __future__ import annotations

import builtins
import difflib
import keyword
import re
import sys

from lsp_server.assist import index_facts
from lsp_server.assist.changes import Finding, TextChange, line_end, line_of, line_offset, line_start
from lsp_server.assist.verify import compilable

UNDEFINED = [re.compile(p) for p in (
    r"undefined name ['\"`](\w+)['\"`]", r"['\"`](\w+)['\"`] is not defined", r"name ['\"`](\w+)['\"`] is not defined",
    r"cannot find (?:value|name|symbol) ['\"`](\w+)['\"`]", r"undeclared name:? ['\"`]?(\w+)",
)]
ATTRIBUTE = [re.compile(p) for p in (
    r"has no attribute ['\"`](\w+)['\"`]", r"Cannot access (?:attribute|member) ['\"`](\w+)['\"`]",
    r"no field or method (\w+)", r"Unknown attribute ['\"`](\w+)['\"`]",
)]
MISSING_ARGUMENT = [re.compile(p) for p in (
    r"missing \d+ required positional arguments?: ['\"`](\w+)['\"`]", r"Missing positional argument ['\"`](\w+)['\"`]",
    r"Argument missing for parameter ['\"`](\w+)['\"`]", r"missing (?:required )?argument ['\"`](\w+)['\"`]",
)]
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
CUTOFF = 0.75


def _match(patterns, message: str) -> str | None:
    for pattern in patterns:
        found = pattern.search(message)
        if found:
            return found.group(1)
    return None


def finding(text: str, language: str | None, message: str, offset: int, index=None, rel: str = "") -> Finding | None:
    name = _match(UNDEFINED, message)
    if name:
        return _undefined(text, language, name, offset, index, rel)
    name = _match(ATTRIBUTE, message)
    if name:
        return _attribute(text, name, offset)
    name = _match(MISSING_ARGUMENT, message)
    if name:
        return _missing_argument(text, language, name, message, offset, index)
    return None


def resolved(message: str, before: str, after: str, offset: int) -> bool | None:
    """Whether `after` settles the diagnostic about a name at `offset` of `before`; None when it cannot tell."""
    import ast

    line = line_of(before, offset)
    parameter = _match(MISSING_ARGUMENT, message)
    name = _match(UNDEFINED, message) or _match(ATTRIBUTE, message)
    if not (compilable(before) and compilable(after)):  # ast.parse holds the GIL as compile() does
        return None
    try:
        tree = ast.parse(after)
    except (SyntaxError, ValueError):
        return False
    if parameter:
        old_calls, new_calls = _calls_on(before, line), _calls_on(after, line)
        return any(new[0] > old[0] or parameter in new[1] for new, old in zip(new_calls, old_calls))
    if name:
        lines = after.split("\n")
        text = lines[line] if line < len(lines) else ""
        if not re.search(rf"\b{re.escape(name)}\b", text):
            return True
        return any(isinstance(node, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name).split(".")[0] == name
                   for a in node.names) for node in tree.body)
    return None


def _calls_on(text: str, line: int) -> list[tuple[int, tuple[str, ...]]]:
    """(number of arguments, keyword names) of each call on 0-based `line`, left to right."""
    import ast

    if not compilable(text):
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    calls = sorted((c for c in ast.walk(tree) if isinstance(c, ast.Call) and c.lineno == line + 1),
                   key=lambda c: c.col_offset)
    return [(len(c.args) + len(c.keywords), tuple(k.arg or "" for k in c.keywords)) for c in calls]


def _occurrence(text: str, name: str, offset: int) -> int | None:
    """Offset of `name` as a whole word on the diagnostic's line, nearest `offset`."""
    start = line_start(text, offset)
    spots = [start + m.start() for m in re.finditer(rf"(?<![\w.]){re.escape(name)}\b", text[start : line_end(text, offset)])]
    if not spots:
        spots = [start + m.start() for m in re.finditer(rf"\b{re.escape(name)}\b", text[start : line_end(text, offset)])]
    return min(spots, key=lambda s: abs(s - offset)) if spots else None


def _names_in(text: str, skip: str) -> list[str]:
    counts = dict.fromkeys(IDENTIFIER.findall(text))
    return [w for w in counts if w != skip and not keyword.iskeyword(w)]


def _undefined(text, language, name, offset, index, rel) -> Finding | None:
    spot = _occurrence(text, name, offset)
    number = line_of(text, spot if spot is not None else offset) + 1
    python = (language or "python") in ("python", "py")
    local = _names_in(text, name) + (dir(builtins) if python else [])
    close = _closest(name, local)
    facts = [f"`{name}` is used on line {number} but not defined in this file"]
    known = index_facts.top_level_definitions(index, name)
    # A name the repository imports elsewhere, or a standard module, is a missing import, not a typo.
    line = index_facts.import_line(index, name, rel, known) if python else None
    if line is None and python and name in sys.stdlib_module_names:
        line = f"import {name}"
    if line is not None:
        at, inserted = index_facts.import_position(text, line)
        facts += [f"the repository index knows `{name}`: {line}"]
        return Finding(f"`{name}` on line {number} is not imported.", tuple(facts),
                       TextChange(at, at, inserted), f"add `{line}`")
    if close and spot is not None:
        return Finding(f"`{name}` on line {number} is not defined; did you mean `{close[0]}`?", tuple(facts),
                       TextChange(spot, spot + len(name), close[0]), f"replace `{name}` with `{close[0]}`")
    indexed = index_facts.names_like(index, name)
    close = _closest(name, indexed)
    if close and spot is not None:
        return Finding(f"`{name}` on line {number} is not defined; did you mean `{close[0]}` (defined in the repository)?",
                       tuple(facts), TextChange(spot, spot + len(name), close[0]), f"replace `{name}` with `{close[0]}`")
    return Finding(f"`{name}` on line {number} is not defined anywhere this file or the repository index can see.",
                   tuple(facts), needs_model=True)


def _closest(name: str, candidates) -> list[str]:
    """The likeliest intended spelling: two letters swapped first, else a close match (stricter when short)."""
    swapped = [c for c in candidates if len(c) == len(name) and sorted(c) == sorted(name) and c != name
               and sum(a != b for a, b in zip(c, name)) == 2]
    if swapped:
        return swapped[:1]
    # Short names are close to everything: `re` is not a typo of `are`.
    return difflib.get_close_matches(name, candidates, n=1, cutoff=CUTOFF if len(name) > 4 else 0.85)


def _attribute(text: str, name: str, offset: int) -> Finding | None:
    start = line_start(text, offset)
    found = re.search(rf"\.\s*({re.escape(name)})\b", text[start : line_end(text, offset)])
    number = line_of(text, offset) + 1
    attributes = [w for w in set(re.findall(r"\.\s*([A-Za-z_]\w*)", text)) | set(re.findall(r"def\s+([A-Za-z_]\w*)", text))
                  if w != name]
    close = _closest(name, attributes) or _closest(name, _names_in(text, name))  # `__slots__` strings, names set by callers
    facts = (f"no attribute `{name}` is defined or used elsewhere in this file",)
    if close and found:
        spot = start + found.start(1)
        return Finding(f"There is no attribute `{name}` (line {number}); did you mean `{close[0]}`?", facts,
                       TextChange(spot, spot + len(name), close[0]), f"replace `.{name}` with `.{close[0]}`")
    return Finding(f"The object on line {number} has no attribute `{name}`.", facts, needs_model=True)


def _missing_argument(text, language, parameter, message, offset, index) -> Finding:
    number = line_of(text, offset) + 1
    callee = re.search(r"(?:call to|for parameter ['\"`]\w+['\"`] in|^)\s*['\"`]?(\w+)['\"`]?\s*\(?", message)
    start = line_start(text, offset)
    spots = [(start + m.start(1), m.group(1)) for m in re.finditer(r"([A-Za-z_]\w*)\s*\(", text[start : line_end(text, offset)])]
    calls = [name for _, name in spots]
    # The diagnostic's range starts at the call (or its callee's name): the first call from there on.
    from_here = [name for at, name in spots if at >= offset] or calls[-1:]
    name = callee.group(1) if callee and callee.group(1) in calls else (from_here[0] if from_here else "")
    facts = [f"the call on line {number} does not pass `{parameter}`"]
    signature = index_facts.signature_of(index, name, text, language) if name else ""
    if signature:
        facts.append(f"`{name}` is defined as: {signature}")
    problem = f"The call to `{name or 'the function'}` on line {number} leaves out the required argument `{parameter}`."
    change = _pass_same_name(text, offset, name, parameter, signature) if signature else None
    if change is not None:
        return Finding(problem, tuple(facts), change, f"pass `{parameter}` to `{name}`")
    return Finding(problem, tuple(facts), needs_model=True)


def _pass_same_name(text: str, offset: int, callee: str, parameter: str, signature: str) -> TextChange | None:
    """Insert `parameter` as the argument when a name spelled like it is in scope just above the call."""
    import ast

    above = _enclosing_function_head(text, offset)
    if not compilable(text) or not re.search(rf"\b{re.escape(parameter)}\b", above):
        return None
    try:
        header = ast.parse(signature.strip().removesuffix(":") + ": pass").body[0]
        tree = ast.parse(text)
    except (SyntaxError, ValueError, IndexError):
        return None
    arguments = header.args if isinstance(header, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    names = [a.arg for a in arguments.posonlyargs + arguments.args] if arguments else []
    number = line_of(text, offset) + 1
    for call in ast.walk(tree):
        func = getattr(call, "func", None)
        called = getattr(func, "id", None) or getattr(func, "attr", None)
        if not isinstance(call, ast.Call) or call.lineno != number or called != callee:
            continue
        bound = names[1:] if names[:1] in (["self"], ["cls"]) and isinstance(func, ast.Attribute) else names
        if parameter not in bound or bound.index(parameter) > len(call.args) or call.keywords:
            return None
        position = bound.index(parameter)
        if position == len(call.args) and not call.args:
            at = _char_offset(text, call.end_lineno, call.end_col_offset) - 1
            return TextChange(at, at, parameter)
        if position == 0:
            at = _char_offset(text, call.args[0].lineno, call.args[0].col_offset)
            return TextChange(at, at, f"{parameter}, ")
        previous = call.args[position - 1]
        at = _char_offset(text, previous.end_lineno, previous.end_col_offset)
        return TextChange(at, at, f", {parameter}")
    return None


def _enclosing_function_head(text: str, offset: int) -> str:
    """The text from the `def` the offset is in up to the offset's line ("" outside a function)."""
    start = line_start(text, offset)
    line = text[start : line_end(text, start)]
    indent = len(line) - len(line.lstrip())
    lines = text[:start].split("\n")[:-1]
    for back, candidate in enumerate(reversed(lines)):
        stripped = candidate.lstrip()
        if stripped.startswith(("def ", "async def ")) and len(candidate) - len(stripped) < indent:
            return "\n".join(lines[len(lines) - 1 - back :])
        if stripped and not stripped.startswith("#") and len(candidate) - len(stripped) == 0 and indent > 0:
            break
    return ""


def _char_offset(text: str, lineno: int, byte_column: int) -> int:
    start = line_offset(text, lineno - 1)
    line = text[start : line_end(text, start)]
    return start + len(line.encode("utf-8")[:byte_column].decode("utf-8", "replace"))
