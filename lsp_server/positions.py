"""Positions in a document by LSP's rules: lines, columns, offsets and incremental edits.

LSP counts only `\\n`, `\\r\\n` and `\\r` as line breaks; `str.splitlines` also
breaks at `\\x0b`, `\\x0c`, `\\x1c`-`\\x1e`, `\\x85`, U+2028 and U+2029, so a
document kept with it drifts from the client's after any of those. Columns
are counted in the negotiated encoding's units ("utf-16" by default, "utf-8"
or "utf-32" by choice); offsets are code points into a Python string.
Positions from a client are clamped, never trusted: past the end of a line
means its end (before its line break), past the last line means the end of
the text, and a column inside a character (half a surrogate pair, the middle
of a UTF-8 sequence) rounds down. Plain ints and strings only: no protocol types.
"""

from __future__ import annotations

import re

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
_BREAK = re.compile(r"\r\n|\r|\n")


def units(char: str, encoding: str) -> int:
    """Length of one code point in `encoding`'s units."""
    code = ord(char)
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    if encoding == UTF32:
        return 1
    return 2 if code > 0xFFFF else 1


def column_to_index(line: str, column: int, encoding: str) -> int:
    """Code-point index in `line` for `column` units, rounded down and clamped to the line."""
    column = max(0, column)
    if encoding == UTF32 or line.isascii():
        return min(column, len(line))
    total = 0
    for index, char in enumerate(line):
        total += units(char, encoding)
        if total > column:
            return index
    return len(line)


def index_to_column(line: str, index: int, encoding: str) -> int:
    """Units of `line[:index]`."""
    head = line[:index]
    if encoding == UTF32 or head.isascii():
        return len(head)
    return sum(units(char, encoding) for char in head)


def lines(text: str) -> list[str]:
    """The lines of `text` without their breaks; a break at the end leaves an empty last line."""
    return _BREAK.split(text) if "\r" in text else text.split("\n")


def lines_with_ends(text: str) -> list[str]:
    """The lines of `text` with their breaks; joined, they are `text` (no empty last line)."""
    pieces = _BREAK.split(text) if "\r" in text else text.split("\n")
    breaks = [match.group() for match in _BREAK.finditer(text)] if "\r" in text else ["\n"] * (len(pieces) - 1)
    result = [line + end for line, end in zip(pieces, breaks)]
    return result + [pieces[-1]] if pieces[-1] else result


def line_start(text: str, line: int) -> int:
    """Offset where `line` (0-based) starts, or -1 past the last line."""
    if line <= 0:
        return 0
    start = 0  # skip whole chunks by counting their breaks (C speed), then walk the last one
    while True:
        end = min(start + _CHUNK, len(text))
        if end < len(text) and text[end - 1] == "\r" and text[end] == "\n":
            end += 1  # never split a `\r\n`
        breaks = _count_breaks(text, start, end)
        if breaks >= line or end >= len(text):
            break
        line, start = line - breaks, end
    if "\r" not in text:
        for _ in range(line):
            newline = text.find("\n", start, end)
            if newline < 0:
                return -1
            start = newline + 1
        return start
    for number, match in enumerate(_BREAK.finditer(text, start, end), start=1):
        if number == line:
            return match.end()
    return -1


_CHUNK = 1 << 16


def _count_breaks(text: str, start: int, end: int) -> int:
    newlines = text.count("\n", start, end)
    if "\r" not in text:
        return newlines
    return newlines + text.count("\r", start, end) - text.count("\r\n", start, end)


def line_end(text: str, start: int) -> int:
    """Offset of the break that ends the line starting at `start` (the text's end on the last line)."""
    newline, carriage = text.find("\n", start), text.find("\r", start)
    ends = [end for end in (newline, carriage) if end >= 0]
    return min(ends) if ends else len(text)


def offset_at(text: str, line: int, character: int, encoding: str = UTF16) -> tuple[int, int, int]:
    """(offset, line, character) for a client position: the offset, and the position clamped to the text."""
    start = line_start(text, line)
    if start < 0:
        return (len(text), *position_at(text, len(text), encoding))
    row = text[start : line_end(text, start)]
    index = column_to_index(row, character, encoding)
    return start + index, max(0, line), index_to_column(row, index, encoding)


def position_at(text: str, offset: int, encoding: str = UTF16) -> tuple[int, int]:
    """(line, character) of an offset; an offset between `\\r` and `\\n` counts as the end of its line."""
    offset = max(0, min(offset, len(text)))
    if "\r" not in text:
        start = text.rfind("\n", 0, offset) + 1
        return text.count("\n", 0, offset), index_to_column(text[start:offset], offset - start, encoding)
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        offset -= 1
    line = text.count("\n", 0, offset) + text.count("\r", 0, offset) - text.count("\r\n", 0, offset)
    start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    return line, index_to_column(text[start:offset], offset - start, encoding)


def apply_change(text: str, start: tuple[int, int], end: tuple[int, int], new_text: str,
                 encoding: str = UTF16) -> str:
    """`text` with the range `start`..`end` (client positions, clamped) replaced by `new_text`."""
    first = offset_at(text, *start, encoding)[0]
    last = offset_at(text, *end, encoding)[0]
    first, last = min(first, last), max(first, last)  # a reversed range from a careless client
    return text[:first] + new_text + text[last:]
