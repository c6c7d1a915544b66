"""What a file imports: the `imports` query captures turned into plain records.

An `ImportRecord` says which local name a file binds, from which source (the
module, package, path or header as written) and which name in that source
(`""` for the module itself, `"*"` for everything, `"default"` for a JS
default export). Each language's import syntax is read here; resolving
sources to workspace files lives in `context.resolve`.
"""

from __future__ import annotations

from typing import NamedTuple

import tree_sitter

from context.go_package import package_name
from context.languages import LanguageSpec

WILDCARD = "*"
PACKAGE = "@package"


class ImportRecord(NamedTuple):
    local: str
    source: str
    name: str
    line: int


def extract_imports(spec: LanguageSpec, source: bytes, root: tree_sitter.Node) -> list[ImportRecord]:
    records: list[ImportRecord] = []
    for _, captures in tree_sitter.QueryCursor(spec.query("imports")).matches(root):
        texts = {name: _text(source, nodes[0]) for name, nodes in captures.items() if not name.startswith("_")}
        first = next(iter(captures.values()))[0]
        line = first.start_point.row + 1
        if "import.tree" in captures:
            records.extend(_rust_use_tree(source, captures["import.tree"][0], "", line))
        else:
            record = _READERS.get(spec.name, _read_generic)(texts, line)
            if record is not None:
                records.append(record)
    # A wildcard import also matches the plain-import pattern (Java): the wildcard wins.
    wildcard_lines = {(r.line, r.source) for r in records if r.name == WILDCARD}
    return list(dict.fromkeys(
        r for r in records if r.name == WILDCARD or (r.line, f"{r.source}.{r.name}") not in wildcard_lines
    ))


def _read_python(t: dict[str, str], line: int) -> ImportRecord | None:
    if "import.module" in t:
        module = t["import.module"]
        return ImportRecord(t.get("import.alias", module), module, "", line)
    if "import.wildcard" in t:
        return ImportRecord("", t["import.source"], WILDCARD, line)
    if "import.name" in t:
        return ImportRecord(t.get("import.alias", t["import.name"]), t["import.source"], t["import.name"], line)
    return None


def _read_script(t: dict[str, str], line: int) -> ImportRecord | None:
    source = t.get("import.source", "")
    if "import.wildcard" in t:  # `export * from './x'`
        return ImportRecord("", source, WILDCARD, line)
    if "import.name" in t:
        return ImportRecord(t.get("import.alias", t["import.name"]), source, t["import.name"], line)
    if "import.default" in t:
        return ImportRecord(t["import.default"], source, "default", line)
    if "import.namespace" in t:
        return ImportRecord(t["import.namespace"], source, "", line)
    return None


def _read_go(t: dict[str, str], line: int) -> ImportRecord | None:
    path = t.get("import.source", "").strip('"`')
    alias = t.get("import.alias", "")
    if alias == "_" or not path:
        return None
    if alias == ".":
        return ImportRecord("", path, WILDCARD, line)
    return ImportRecord(alias or package_name(path), path, "", line)


def _read_java(t: dict[str, str], line: int) -> ImportRecord | None:
    if "import.package" in t:
        return ImportRecord("", t["import.package"], PACKAGE, line)
    dotted = t.get("import.source", "")
    if "import.wildcard" in t:
        return ImportRecord("", dotted, WILDCARD, line)
    module, _, name = dotted.rpartition(".")
    return ImportRecord(name, module, name, line)


def _read_c(t: dict[str, str], line: int) -> ImportRecord | None:
    if "import.source" in t:
        return ImportRecord("", t["import.source"].strip('"'), WILDCARD, line)
    if "import.system" in t:
        return ImportRecord("", t["import.system"], WILDCARD, line)
    return None


def _read_generic(t: dict[str, str], line: int) -> ImportRecord | None:
    if "import.module" in t:  # Rust `mod name;` and `extern crate name;`
        return ImportRecord(t["import.module"], "self::" + t["import.module"], "", line)
    return None


_READERS = {
    "python": _read_python,
    "javascript": _read_script,
    "typescript": _read_script,
    "tsx": _read_script,
    "go": _read_go,
    "java": _read_java,
    "c": _read_c,
    "cpp": _read_c,
}


def _rust_use_tree(source: bytes, node: tree_sitter.Node, prefix: str, line: int) -> list[ImportRecord]:
    """Expand `a::{b, c as d, e::*}` into one record per bound name (iteratively)."""
    records: list[ImportRecord] = []
    pending = [(node, prefix)]
    while pending:
        node, prefix = pending.pop()
        kind = node.type
        if kind == "use_as_clause":
            path = _join(prefix, _text(source, node.child_by_field_name("path")))
            module, _, name = path.rpartition("::")
            records.append(ImportRecord(_text(source, node.child_by_field_name("alias")), module, name, line))
        elif kind == "scoped_use_list":
            path_node = node.child_by_field_name("path")
            inner = _join(prefix, _text(source, path_node)) if path_node is not None else prefix
            pending.append((node.child_by_field_name("list"), inner))
        elif kind == "use_list":
            pending.extend((child, prefix) for child in reversed(node.named_children))
        elif kind == "use_wildcard":
            text = _text(source, node)
            records.append(ImportRecord("", _join(prefix, text[:-3] if text.endswith("::*") else ""), WILDCARD, line))
        elif kind in ("scoped_identifier", "identifier", "crate", "self", "super"):
            path = _join(prefix, _text(source, node))
            module, _, name = path.rpartition("::")
            if name == "self":  # `use a::b::{self}` binds `b`
                module, _, name = module.rpartition("::")
            records.append(ImportRecord(name, module, name, line))
    return records


def _join(prefix: str, path: str) -> str:
    return f"{prefix}::{path}" if prefix and path else prefix or path


def _text(source: bytes, node: tree_sitter.Node | None) -> str:
    if node is None:
        return ""
    return source[node.start_byte:node.end_byte].decode("utf-8", "replace")
