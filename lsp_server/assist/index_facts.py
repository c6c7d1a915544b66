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

from lsp_server.assist.changes import line_offset


def signature_of(index, name: str, text: str = "", language: str | None = None) -> str:
    """The header of `name`'s definition, from this file first, then the repository index."""
    from context.syntax import definitions

    try:
        for definition in definitions(language or "python", text) if text else ():
            if definition.name == name and definition.header:
                return " ".join(definition.header.split()).removesuffix(":")
        for rel, found in _found(index, name)[:3]:
            other = index.text(rel)
            entry = index.table.get(rel)
            if other and entry is not None:
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
