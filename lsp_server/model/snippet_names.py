"""Identifiers the retrieved snippets define: context-guided decoding's candidates (`guidance`).

`context_names` reads the names a snippet defines, as a reader skimming it
would: after a definition keyword (`def`, `class`, `func`, `interface`...),
or first on a line before `=`, `:` or `(` (assignments, fields, the methods of
an outline), and in a Go file its typed specs, iota constants and fields;
the snippet retrieval named for the cursor (`symbol`) comes first, then the
rest, best snippet first. `context_types` says which of them are types.
Bounded: `MAX_SCAN_CHARS` of snippet text per request, at most `MAX_NAMES`
names of at most `MAX_NAME_BYTES` bytes, with patterns linear in their input.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable

MAX_NAMES = 48  # candidates per request: beyond the best few dozen the bias only adds noise
MAX_NAME_BYTES = 64
MAX_SCAN_CHARS = 20_000  # of snippet text read for names, per request
NAME = r"(?:[^\W\d]|\$)[\w$]*"  # an identifier; `$` is a letter in JavaScript and TypeScript
WORD = re.compile(NAME)
# Names a snippet defines: after a definition keyword, or first on a line before `=`, `:` or `(`
# (assignments, fields, methods of an outline). Other languages' keywords cost nothing here.
_DEFINED = re.compile(
    r"\b(def|class|func|function|type|interface|enum|struct|const|let|var|trait|fn|module)\s+"
    rf"(?:\([^)\n]{{0,200}}\)\s*)?({NAME})"
    r"|^[ \t]*(?:(?:export|public|private|protected|static|readonly|async|abstract|declare|default)\s+)*"
    rf"({NAME})\s*(?:[?!]\s*)?(?:[:=(<]|,)", re.M)  # one run of spaces before `?`, one after: linear
# ... and in a Go file, an indented spec or field with or without a type: `regexpTypeHost regexpType = 1`,
# an iota constant alone on its line, `Name string \`json:"name"\``
_GO_DEFINED = re.compile(_DEFINED.pattern + rf"|^[ \t]+({NAME})(?:[ \t]+[\w.*\[\]]+)?[ \t]*(?:=(?!=)|//|`|$)", re.M)
_TYPE_KEYWORDS = frozenset("class type interface enum struct trait".split())
KEYWORDS = frozenset("def class func function fn var let const struct interface "  # reserved where they define
                     "if elif else for while return import from as with try except finally raise pass "
                     "break continue and or not in is lambda yield await async case switch default "
                     "package go goto defer fallthrough select range new delete typeof instanceof this self super "
                     "true false True False None nil null undefined".split())


def context_names(snippets: Iterable, limit: int = MAX_NAMES) -> tuple[str, ...]:
    """Identifiers the snippets define, best snippet first (its `symbol` before the rest), bounded."""
    return _definitions(snippets, limit)[0]


def context_types(snippets: Iterable, limit: int = MAX_NAMES) -> tuple[str, ...]:
    """Those of `context_names` that a snippet defines as a type (`class`, `interface`, `struct`...)."""
    return _definitions(snippets, limit)[1]


def _definitions(snippets: Iterable, limit: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    snippets = tuple(snippets)
    try:
        return _names_of(snippets, limit)  # the held context is the same tuple keystroke after keystroke
    except TypeError:  # unhashable stand-ins
        return _names_of.__wrapped__(snippets, limit)


@functools.lru_cache(maxsize=8)
def _names_of(snippets: tuple, limit: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names: dict[str, None] = {}
    types: set[str] = set()
    for snippet in snippets:
        symbol = getattr(snippet, "symbol", "")
        if symbol and WORD.fullmatch(symbol) and symbol not in KEYWORDS:
            names.setdefault(symbol)
    scanned = 0
    for snippet in snippets:
        text = str(getattr(snippet, "text", ""))[: MAX_SCAN_CHARS - scanned]
        scanned += len(text)
        defined = _GO_DEFINED if str(getattr(snippet, "file", "")).endswith(".go") else _DEFINED
        for match in defined.finditer(text):
            name = match.group(2) or match.group(3) or match.group(4)
            if name not in KEYWORDS and len(name.encode("utf-8")) <= MAX_NAME_BYTES:
                names.setdefault(name)
                if match.group(1) in _TYPE_KEYWORDS:
                    types.add(name)
        if scanned >= MAX_SCAN_CHARS:
            break
    kept = tuple(names)[:limit]
    return kept, tuple(name for name in kept if name in types)
