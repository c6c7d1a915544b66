"""Top-level declarations a parse error hid: found by their column-0 keyword line instead.

Tree-sitter's grammars reject some valid code (a TypeScript interface of generic
call signatures), and its error recovery can then swallow the rest of the file
into one ERROR node, so the query finds none of the declarations after it. For a
tree with errors, lines that open a declaration at column 0 (`export function
name`, `func Name`, `type Name`) are read as definitions of that name when the
query did not find it. Their span runs to the next column-0 `}` line for a body in
braces, else it is the line alone. Only files with errors pay for the scan.
"""

from __future__ import annotations

import bisect
import re
import sys

_JS = re.compile(rb"^(?:export[ \t]+)?(?:default[ \t]+)?(?:declare[ \t]+)?(?:async[ \t]+)?"
                 rb"(function\*?|const|let|var|class|abstract[ \t]+class|interface|type|enum)[ \t]+([A-Za-z_$][\w$]*)",
                 re.MULTILINE)
_GO = re.compile(rb"^(func|type|var|const)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
PATTERNS = {"typescript": _JS, "tsx": _JS, "javascript": _JS, "go": _GO}
KINDS = {b"function": "function", b"function*": "function", b"func": "function", b"class": "class",
         b"interface": "interface", b"type": "type", b"enum": "enum", b"const": "constant", b"let": "constant",
         b"var": "variable"}
_NEWLINE = re.compile(rb"\n")
_CLOSER = re.compile(rb"\n\}")
MAX_LINE_CHARS = 400
MAX_BODY_LINES = 2000  # a lost closing brace must not make one definition span the rest of a huge file


def recovered(language: str, source: bytes, known: set[str], make) -> list:
    """Definitions (built by `make(name, kind, start_line, end_line, line_text)`) of column-0
    declarations whose names are not in `known`. Linear in the file: line numbers and closing braces
    are found by bisecting offsets collected in one pass each."""
    pattern = PATTERNS.get(language)
    if pattern is None:
        return []
    newlines = [m.start() for m in _NEWLINE.finditer(source)]
    closers = [m.start() for m in _CLOSER.finditer(source)]
    found = []
    for match in pattern.finditer(source):
        name = match.group(2).decode("utf-8", "replace")
        if name in known:
            continue
        known.add(name)
        keyword = match.group(1).split()[-1]
        line = bisect.bisect_left(newlines, match.start())  # 0-based: newlines before the match
        line_end = newlines[line] if line < len(newlines) else len(source)
        end = line
        if source[match.end():line_end].rstrip().endswith(b"{"):
            at = bisect.bisect_left(closers, line_end)
            if at < len(closers):
                end = min(bisect.bisect_left(newlines, closers[at]) + 1, line + MAX_BODY_LINES)
        text = source[match.start():line_end].decode("utf-8", "replace").strip()[:MAX_LINE_CHARS]
        found.append(make(sys.intern(name), KINDS.get(keyword, "constant"), line + 1, end + 1, text))
    return found
