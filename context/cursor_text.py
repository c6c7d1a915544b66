"""What the ranking reads of the cursor's own file: the window of lines, whole-word scans, function spans.

Plain text helpers for `context.ranking`, kept apart so the ranking module
holds the scoring alone: the window of lines around the cursor, whether a
name occurs as a whole identifier, where the line after an import statement
starts, the cursor file's function spans, names and imports (from the index
when it has the file), and the innermost span holding a line.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections import Counter, OrderedDict

from context.imports import extract_imports
from context.languages import language_for
from context.syntax import encode, extract_definitions
from context.tables import KINDS

WINDOW_BEFORE = 60
WINDOW_AFTER = 20
MAX_WINDOW_LINE = 2000  # a window line is read no further than this from the cursor: keystrokes stay linear
_FUNCTION_CODES = frozenset({KINDS.index("function"), KINDS.index("method")})
_MEMBER_CODES = frozenset({KINDS.index("method"), KINDS.index("field")})
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_USES_CACHE_SIZE = 16
USES_SCAN_CHARS = 100_000  # each way: a generated file of megabytes is not read whole per new line
_USES: OrderedDict[tuple, tuple[str, dict[str, int]]] = OrderedDict()
_USES_LOCK = threading.Lock()


def _appears(name: str, text: str) -> bool:
    """Whether `name` occurs in `text` as a whole identifier (str.find runs at C speed; a regex would not)."""
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if not (start and _is_word_char(text[start - 1])) and not (end < len(text) and _is_word_char(text[end])):
            return True
        start = text.find(name, end)
    return False


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_$"


def _offset_after_line(text: str, line: int) -> int:
    """Offset of the line after `line` (1-based), past a parenthesized import's continuation lines."""
    position = 0
    for _ in range(line):
        found = text.find("\n", position)
        if found < 0:
            return len(text)
        position = found + 1
    statement = text[text.rfind("\n", 0, max(position - 1, 0)) + 1:position]
    if "(" in statement and ")" not in statement:
        closing = text.find(")", position)
        if closing >= 0:
            position = text.find("\n", closing) + 1 or len(text)
    return position


MAX_SUMMARY_PARSE_CHARS = 200_000


def _file_summary(index, rel: str, language: str, text: str):
    """(function and method line spans, names defined, imports) of the cursor's file.

    From the index when it has the file (a keystroke or two behind does not
    matter here), read straight from its packed record; else parsed once.
    """
    entry = index.table.get(rel)
    if entry is not None:
        kinds, numbers = entry.record[3], array("I", entry.record[4])
        spans = [(numbers[3 * i], numbers[3 * i + 1]) for i, kind in enumerate(kinds) if kind in _FUNCTION_CODES]
        # A method or field does not hide a bare name of the package (`p.Key()` and `Key` coexist).
        names = {name for name, kind in zip(entry.names, kinds) if kind not in _MEMBER_CODES}
        return spans, names, entry.imports
    spec = language_for(language)
    # A large file the index has not parsed yet (just opened) is left to the index: parsing it
    # here too costs the completion seconds, and the summary only refines the ranking.
    if spec is None or len(text) > min(index.max_file_bytes, MAX_SUMMARY_PARSE_CHARS):
        return [], set(), ()
    source = encode(text)
    root = spec.parse(source).root_node
    definitions = extract_definitions(spec, source, root, with_headers=False)
    spans = [(d.start_line, d.end_line) for d in definitions if d.kind in ("function", "method")]
    names = {d.name for d in definitions if d.kind not in ("method", "field")}
    return spans, names, tuple(extract_imports(spec, source, root))


def window_bounds(text: str, offset: int) -> tuple[int, int]:
    """Offsets of the window's first character and of the end of its last line."""
    start = offset
    for _ in range(WINDOW_BEFORE + 1):
        start = text.rfind("\n", 0, start)
        if start < 0:
            break
    start += 1
    end = offset
    for _ in range(WINDOW_AFTER + 1):
        end = text.find("\n", end + 1)
        if end < 0:
            end = len(text)
            break
    return start, end


def _window(text: str, offset: int, cursor_line: int) -> tuple[int, list[str]]:
    """(first line number, lines) from WINDOW_BEFORE lines above the cursor to WINDOW_AFTER below; 0-based."""
    start, end = window_bounds(text, offset)
    lines = text[start:end].split("\n")
    first = cursor_line - text.count("\n", start, offset)
    if max(map(len, lines)) > MAX_WINDOW_LINE:  # a minified or generated line: read near the cursor only
        column = offset - (text.rfind("\n", 0, offset) + 1)
        cursor = cursor_line - first
        lines = [line[max(0, column - MAX_WINDOW_LINE):column + MAX_WINDOW_LINE // 4] if number == cursor
                 else line[:MAX_WINDOW_LINE] for number, line in enumerate(lines)]
    return first, lines


def _innermost(spans, line: int) -> tuple[int, int] | None:
    best = None
    for start, end in spans:
        if start <= line <= end and (best is None or end - start < best[1] - best[0]):
            best = (start, end)
    return best


def uses_outside(rel: str, text: str, first: int, last: int) -> tuple[tuple[str, dict[str, int]], ...]:
    """(text, identifier counts) of the file above offset `first` and below offset `last` (at most
    USES_SCAN_CHARS each way): the rest of the file, outside the window. Each part is counted once per
    content, so a keystroke inside the window (which leaves both parts as they were) costs two hashes,
    not a scan of the file."""
    return tuple(_counted(rel, part) for part in (text[max(0, first - USES_SCAN_CHARS):first],
                                                   text[last:last + USES_SCAN_CHARS]))


def _counted(rel: str, part: str) -> tuple[str, dict[str, int]]:
    key = (rel, len(part), hash(part))
    hit = _USES.get(key)
    if hit is None:
        hit = (part, Counter(_IDENTIFIER.findall(part)))
        with _USES_LOCK:
            _USES[key] = hit
            while len(_USES) > _USES_CACHE_SIZE:
                _USES.popitem(last=False)
    return hit
