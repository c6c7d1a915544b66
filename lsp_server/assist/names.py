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

from lsp_server.assist.changes import Finding, TextChange, line_end, line_of, line_offset, line_start

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
    known = _index_definitions(index, name)
    # A name the repository imports elsewhere, or a standard module, is a missing import, not a typo.
    line = _import_line(index, name, rel, known) if python else None
    if line is None and python and name in sys.stdlib_module_names:
        line = f"import {name}"
    if line is not None:
        at = import_position(text, line)
        facts += [f"the repository index knows `{name}`: {line}"]
        return Finding(f"`{name}` on line {number} is not imported.", tuple(facts),
                       TextChange(at, at, line + "\n"), f"add `{line}`")
    if close and spot is not None:
        return Finding(f"`{name}` on line {number} is not defined; did you mean `{close[0]}`?", tuple(facts),
                       TextChange(spot, spot + len(name), close[0]), f"replace `{name}` with `{close[0]}`")
    indexed = [n for n in _index_names(index, name)]
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
    line = text[line_start(text, offset) : line_end(text, offset)]
    calls = re.findall(r"([A-Za-z_]\w*)\s*\(", line)
    name = callee.group(1) if callee and callee.group(1) in calls else (calls[0] if calls else "")
    facts = [f"the call on line {number} does not pass `{parameter}`"]
    signature = signature_of(index, name, text, language) if name else ""
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
    if not re.search(rf"\b{re.escape(parameter)}\b", above):
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


def signature_of(index, name: str, text: str = "", language: str | None = None) -> str:
    """The header of `name`'s definition, from this file first, then the repository index."""
    from context.syntax import definitions

    try:
        for definition in definitions(language or "python", text) if text else ():
            if definition.name == name and definition.header:
                return " ".join(definition.header.split()).removesuffix(":")
        for rel, found in _index_found(index, name)[:3]:
            other = index.text(rel)
            entry = index.table.get(rel)
            if other and entry is not None:
                for definition in definitions(entry.language, other):
                    if definition.name == name and definition.header:
                        return " ".join(definition.header.split()).removesuffix(":")
    except Exception:  # a helper: no grammar or no index means no signature
        return ""
    return ""


def _index_found(index, name: str):
    if index is None:
        return []
    try:
        return list(index.table.definitions_named(name))
    except Exception:
        return []


def _index_definitions(index, name: str):
    return [(rel, d) for rel, d in _index_found(index, name) if not d.parent]


def _index_names(index, name: str) -> list[str]:
    """Top-level names in the index that share `name`'s first letter (close-match candidates)."""
    if index is None:
        return []
    try:
        entries = index.table.entries()
    except Exception:
        return []
    head = name[:1].lower()
    return list({n for entry in entries[:2000] for n in entry.names if n[:1].lower() == head and n != name})


def _import_line(index, name: str, rel: str, known) -> str | None:
    """How the repository imports `name`: copied from a file that does, else from its definition's module."""
    if index is None:
        return None
    try:
        for entry in index.table.entries()[:5000]:
            if entry.language != "python" or entry.rel == rel:
                continue
            for record in entry.imports:
                if record.local == name:
                    return _render_import(record)
    except Exception:
        return None
    for found_rel, _definition in known:
        if found_rel != rel and found_rel.endswith(".py"):
            module = found_rel[:-3].replace("/", ".").removesuffix(".__init__")
            return f"from {module} import {name}"
    return None


def _render_import(record) -> str | None:
    if not record.source or record.source.startswith("."):
        return None  # a relative import is relative to that other file
    if record.name:
        alias = f" as {record.local}" if record.local != record.name else ""
        return f"from {record.source} import {record.name}{alias}"
    alias = f" as {record.local}" if record.local != record.source.split(".")[-1] else ""
    return f"import {record.source}{alias}"


def import_position(text: str, line: str) -> int:
    """Where `line` goes: in order among the block's single-line imports of its form, else at the block's end."""
    end = import_block_end(text)
    form = line.split(" ", 1)[0]
    key = _import_key(line)
    same = [(m.start(), m.group(0)) for m in re.finditer(rf"^{form} [^\n(]*$", text[:end], re.M)]
    if not same:
        return end
    modules = [_import_key(l) for _, l in same]
    if modules != sorted(modules):  # no order to keep: add at the end of that form's lines
        return _after_line(text, same[-1][0])
    for start, existing in same:
        if _import_key(existing) > key:
            return start
    return _after_line(text, same[-1][0])


def _import_key(line: str) -> str:
    return line.split(" ", 1)[1].split(" import ")[0].lower() if " " in line else line


def _after_line(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end + 1


def import_block_end(text: str) -> int:
    """Offset just after the last top-level import of the file's opening block (after the docstring if none)."""
    offset, last, in_docstring = 0, None, False
    lines = text.split("\n")
    for number, line in enumerate(lines):
        stripped = line.strip()
        if number == 0 and stripped.startswith(('"""', "'''")):
            in_docstring = not (len(stripped) > 3 and stripped.endswith(stripped[:3]))
            last = line_offset(text, 1) if not in_docstring else None
        elif in_docstring:
            if stripped.endswith(('"""', "'''")):
                in_docstring, last = False, line_offset(text, number + 1)
        elif line.startswith(("import ", "from ")) and "(" not in line:
            last = line_offset(text, number + 1)
        elif line.startswith(("import ", "from ")):
            close = next((i for i in range(number, len(lines)) if ")" in lines[i]), number)
            last = line_offset(text, close + 1)
        elif stripped and not stripped.startswith("#") and not line[:1].isspace() and last is not None and (
                not line.startswith(("if ", "try", "except", "else"))):
            break
    return min(last if last is not None else 0, len(text))
