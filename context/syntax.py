"""Syntax helpers on tree-sitter trees: parse errors, enclosing scopes, definitions.

Every function takes a language (name, language id or path) and source text,
parses it with that language's grammar and answers in plain Python values.
Lines are 1-based and inclusive; offsets are character offsets into the
text. A small cache of recent parses makes repeated questions about the same
text (post-processing asks several) cost one parse. Trees are walked with
cursors or queries, never recursion, so deep nesting cannot overflow.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import NamedTuple

import tree_sitter

from context.languages import LanguageSpec, language_for
from context.recovery import recovered

# Kinds whose definitions contain other definitions (their functions are methods).
CONTAINER_KINDS = frozenset({"class", "interface", "struct", "trait", "impl", "enum"})
# Kinds that open a scope a cursor can be inside.
SCOPE_KINDS = CONTAINER_KINDS | {"function", "method", "module"}
MAX_HEADER_CHARS = 400
_BODYLESS_FULL_LINES = 4


class Definition(NamedTuple):
    """A named definition: lines `start_line..end_line`; its header ends at `header_end_line`.

    `header` is the signature text (decorators, name, parameters, return
    type; up to the body). `parent` names the enclosing class, struct, impl or
    receiver type of a method or field. A named tuple: cheap to build by the
    ten thousand when the index loads its cache.
    """

    name: str
    kind: str
    start_line: int
    end_line: int
    header: str
    parent: str = ""
    header_end_line: int = 0


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def char_to_byte(text: str, offset: int) -> int:
    offset = max(0, min(offset, len(text)))
    return offset if text.isascii() else len(encode(text[:offset]))


def byte_to_char(source: bytes, offset: int) -> int:
    return len(source[:offset].decode("utf-8", "surrogatepass"))


MAX_CACHED_SOURCE_BYTES = 2_000_000  # a 1 MB Python tree is about 55 MB


class _ParseCache:
    """The last few parses, keyed by language and text, shared across threads."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, str], tuple[bytes, tree_sitter.Tree, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, spec: LanguageSpec, text: str) -> tuple[bytes, tree_sitter.Tree, dict]:
        key = (spec.name, text)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        source = encode(text)
        entry = (source, spec.parse(source), {})
        with self._lock:
            self._items[key] = entry
            # Also bound the bytes: a tree costs many times its source, and the fuzzer's 1-2 MB
            # documents kept eight trees (hundreds of MB); the newest parse is always kept.
            held = sum(len(item[0]) for item in self._items.values())
            while len(self._items) > self._size or (len(self._items) > 1 and held > MAX_CACHED_SOURCE_BYTES):
                held -= len(self._items.popitem(last=False)[1][0])
        return entry


_CACHE = _ParseCache()


def _spec(language: str) -> LanguageSpec:
    spec = language_for(language)
    if spec is None:
        raise ValueError(f"unsupported language: {language!r}")
    return spec


def error_count(language: str, text: str) -> int:
    """How many ERROR and MISSING nodes tree-sitter produced for `text`."""
    return count_errors(parse(language, text).root_node)


def parse(language: str, text: str) -> tree_sitter.Tree:
    """The (cached, shared) tree for `text`: copy it before editing it."""
    return _CACHE.get(_spec(language), text)[1]


def count_errors(root: tree_sitter.Node) -> int:
    if not root.has_error:
        return 0
    count = 0
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.is_error or node.is_missing:
            count += 1
        # Only subtrees that hold an error are worth entering.
        if node.has_error and not node.is_missing and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return count


def definitions(language: str, text: str) -> list[Definition]:
    """The definitions in `text`, in source order."""
    spec = _spec(language)
    source, tree, memo = _CACHE.get(spec, text)
    if "definitions" not in memo:
        memo["definitions"] = extract_definitions(spec, source, tree.root_node)
    return list(memo["definitions"])


def enclosing_scope(language: str, text: str, offset: int) -> tuple[int, int, str] | None:
    """(start, end, kind) in characters of the innermost function/class/... around `offset`."""
    spec = _spec(language)
    source, tree, memo = _CACHE.get(spec, text)
    if "scopes" not in memo:
        memo["scopes"] = _scope_nodes(spec, source, tree.root_node)
    position = char_to_byte(text, offset)
    best: tuple[int, int, str] | None = None
    for start, end, kind in memo["scopes"]:
        if start <= position <= end and (best is None or end - start < best[1] - best[0]):
            best = (start, end, kind)
    if best is None:
        return None
    if text.isascii():
        return best
    return byte_to_char(source, best[0]), byte_to_char(source, best[1]), best[2]


def _scope_nodes(spec: LanguageSpec, source: bytes, root: tree_sitter.Node) -> list[tuple[int, int, str]]:
    scopes = []
    for kind, node, _name, body, _parent in _definition_matches(spec, root):
        if body is not None and _resolve_kind(kind, node, None) in SCOPE_KINDS:
            start = _outer(node).start_byte
            scopes.append((start, node.end_byte, kind))
    return scopes


def _definition_matches(spec: LanguageSpec, root: tree_sitter.Node):
    found: dict[tuple[int, int, int], tuple] = {}
    for _, captures in tree_sitter.QueryCursor(spec.query("definitions")).matches(root):
        kind = node = None
        for capture, nodes in captures.items():
            if capture.startswith("definition."):
                kind, node = capture[len("definition."):], nodes[0]
        names = captures.get("name")
        if node is None or not names:
            continue
        key = (node.start_byte, node.end_byte, names[0].start_byte)
        body = captures.get("body", [None])[0]
        # The same node can match a pattern with a body and one without: keep the richer one.
        if key not in found or (body is not None and found[key][3] is None):
            found[key] = (kind, node, names[0], body, captures.get("parent", [None])[0])
    return list(found.values())


def _outer(node: tree_sitter.Node) -> tree_sitter.Node:
    """The node including its decorators (Python) or export keyword (JS/TS)."""
    parent = node.parent
    if parent is None:
        return node
    if parent.type in ("decorated_definition", "export_statement", "template_declaration"):
        return parent
    # A Go `type`/`const`/`var` keyword belongs to the one spec it declares.
    if parent.type in ("type_declaration", "const_declaration", "var_declaration") and parent.named_child_count == 1:
        return parent
    return node


def _resolve_kind(kind: str, node: tree_sitter.Node, container_kind: str | None) -> str:
    if kind == "function" and container_kind in CONTAINER_KINDS:
        return "method"
    return kind


def extract_definitions(spec: LanguageSpec, source: bytes, root: tree_sitter.Node,
                        with_headers: bool = True) -> list[Definition]:
    """Definitions of one parsed file; functions inside classes become methods with a parent.

    The index passes `with_headers=False`: it reads headers from the file when
    it needs them, and leaving the text out keeps its memory and cache small.
    """
    raw = sorted(_definition_matches(spec, root), key=lambda m: (m[1].start_byte, -m[1].end_byte))
    results: list[Definition] = []
    stack: list[tuple[int, str, str]] = []  # (end_byte, kind, name) of open containers
    for kind, node, name_node, body, parent_node in raw:
        while stack and stack[-1][0] <= node.start_byte:
            stack.pop()
        container = stack[-1] if stack else None
        kind = _resolve_kind(kind, node, container[1] if container else None)
        name = _text(source, name_node)
        parent = _text(source, parent_node) if parent_node is not None else ""
        if not parent and container and container[1] in CONTAINER_KINDS:
            parent = container[2]
        results.append(_definition(source, node, name, kind, body, parent, with_headers))
        if body is not None and kind in SCOPE_KINDS:
            stack.append((node.end_byte, kind, name))
    if root.has_error:  # error recovery may have swallowed top-level declarations
        def make(name: str, kind: str, start: int, end: int, line: str) -> Definition:
            return Definition(name, kind, start, end, line if with_headers else "", "", start)
        results += recovered(spec.name, source, {d.name for d in results if not d.parent}, make)
    return results


def _definition(source: bytes, node: tree_sitter.Node, name: str, kind: str,
                body: tree_sitter.Node | None, parent: str, with_headers: bool = True) -> Definition:
    outer = _outer(node)
    start_row = outer.start_point.row
    end_row = node.end_point.row
    if end_row > start_row and node.end_point.column == 0:
        end_row -= 1
    if body is not None and body.start_byte > node.start_byte:
        header_bytes = source[outer.start_byte:body.start_byte].rstrip()
        header_end_row = start_row + header_bytes.count(b"\n")
        if body.start_point.row == header_end_row or not header_bytes:
            header_end_row = max(header_end_row, start_row)
    else:
        header_end_row = end_row if end_row - start_row < _BODYLESS_FULL_LINES else start_row
        line_end = source.find(b"\n", outer.start_byte)
        header_bytes = source[outer.start_byte:node.end_byte if header_end_row == end_row or line_end < 0 else line_end]
    header = header_bytes.decode("utf-8", "replace").strip()[:MAX_HEADER_CHARS] if with_headers else ""
    return Definition(sys.intern(name), kind, start_row + 1, end_row + 1, header, sys.intern(parent), header_end_row + 1)


def _text(source: bytes, node: tree_sitter.Node) -> str:
    return source[node.start_byte:node.end_byte].decode("utf-8", "replace")
