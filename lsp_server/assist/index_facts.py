"""What the repository index knows about a name: its signature, how it is imported, where an import goes.

`signature_of` reads a definition's header from the file or from indexed
files; `import_line` copies how another file of the repository imports the
name (or builds `from module import name` from where it is defined);
`import_position` places the new line in order among the file's imports,
else at the end of its opening import block. Every lookup tolerates a
missing index or grammar: no answer, never an error.
"""

from __future__ import annotations

import re
import sys

from lsp_server.assist.changes import line_offset

MAX_PARSE_CHARS = 300_000  # a whole-file parse for one signature fact took seconds of a fix (fuzz case 7184)


def signature_of(index, name: str, text: str = "", language: str | None = None) -> str:
    """The header of `name`'s definition, from this file first, then the repository index."""
    from context.syntax import definitions

    try:
        for definition in definitions(language or "python", text) if 0 < len(text) <= MAX_PARSE_CHARS else ():
            if definition.name == name and definition.header:
                return " ".join(definition.header.split()).removesuffix(":")
        for rel, found in _found(index, name)[:3]:
            other = index.text(rel)
            entry = index.table.get(rel)
            if other and entry is not None and len(other) <= MAX_PARSE_CHARS:
                for definition in definitions(entry.language, other):
                    if definition.name == name and definition.header:
                        return " ".join(definition.header.split()).removesuffix(":")
    except Exception:  # a helper: no grammar or no index means no signature
        return ""
    return ""


def _found(index, name: str):
    if index is None:
        return []
    try:
        return list(index.table.definitions_named(name))
    except Exception:
        return []


def top_level_definitions(index, name: str):
    return [(rel, d) for rel, d in _found(index, name) if not d.parent]


def names_like(index, name: str) -> list[str]:
    """Top-level names in the index that share `name`'s first letter (close-match candidates)."""
    if index is None:
        return []
    try:
        entries = index.table.entries()
    except Exception:
        return []
    head = name[:1].lower()
    return list({n for entry in entries[:2000] for n in entry.names if n[:1].lower() == head and n != name})


def import_line(index, name: str, rel: str, known) -> str | None:
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


def import_position(text: str, line: str) -> tuple[int, str]:
    """Where `line` goes and the text to insert: in its section (standard library, or the group that
    imports the same package), in the order the section keeps; else a new section after the block."""
    end = import_block_end(text)
    # `from __future__` must stay first: never a section to join, nor a line to go before.
    groups = [g for g in (_import_groups(text, end)) if not all(_top(l) == "__future__" for _, l in g)]
    groups = [[(at, l) for at, l in g if _top(l) != "__future__"] for g in groups]
    stdlib = _top(line) in sys.stdlib_module_names
    same_package = [g for g in groups if any(_top(l) == _top(line) for _, l in g)]
    same_kind = [g for g in groups if all((_top(l) in sys.stdlib_module_names) == stdlib for _, l in g)]
    chosen = (same_package or same_kind or [None])[-1 if not stdlib else 0]
    if chosen is None and not groups:
        return end, line + "\n"
    if chosen is None:
        return (end, line + "\n") if stdlib else (_after_line(text, groups[-1][-1][0]), "\n" + line + "\n")
    for key in (lambda l: (not l.startswith("import "), _import_key(l)), lambda l: _import_key(l)):
        keys = [key(l) for _, l in chosen]
        if keys == sorted(keys):
            later = [start for start, l in chosen if key(l) > key(line)]
            return (later[0] if later else _after_line(text, chosen[-1][0])), line + "\n"
    return _after_line(text, chosen[-1][0]), line + "\n"


def _import_groups(text: str, end: int) -> list[list[tuple[int, str]]]:
    """The single-line top-level imports before `end`, in groups split by blank or other lines."""
    groups: list[list[tuple[int, str]]] = [[]]
    offset = 0
    for line in text[:end].split("\n"):
        if line.startswith(("import ", "from ")) and "(" not in line:
            groups[-1].append((offset, line.split("#", 1)[0].rstrip()))
        elif groups[-1]:
            groups.append([])
        offset += len(line) + 1
    return [g for g in groups if g]


def _top(line: str) -> str:
    return _import_key(line).split(".", 1)[0]


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
