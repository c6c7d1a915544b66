"""What Python's own compiler knows about a syntax error, and the edit that fixes it.

`compile()` names most syntax errors precisely ("expected ':'", "'(' was
never closed", "Perhaps you forgot a comma?", "Maybe you meant '=='",
indentation). Each message maps to a plain-words problem and a few
candidate edits (insert the `:` at the end of the header, close the bracket
at the end of a line of the statement, set the line's indentation to one
the block uses...). A candidate is offered only if the compiler then
accepts the file (or its first error moved past the edit), so the fix is
both minimal and known to work; the first such candidate wins.
"""

from __future__ import annotations

import re

from lsp_server.assist.changes import Finding, TextChange, line_end, line_offset
from lsp_server.assist.verify import check, python_error

CLOSERS = {"(": ")", "[": "]", "{": "}"}
MAX_BRACKET_LINES = 8
MAX_CANDIDATES = 12
SLICE_ABOVE_CHARS = 50_000  # how far past the opening line a missing closer is looked for
_CONDITION = re.compile(r"\s*(if|elif|while|assert)\b")
_LONE_EQUALS = re.compile(r"(?<![=!<>:+\-*/%&|^@])=(?!=)")
_KEYWORD = re.compile(r"\s*(async\s+def|def|class|if|elif|else|for|while|with|try|except|finally|match|case)\b")


def finding(text: str, line: int | None = None) -> Finding | None:
    """The compiler's error in `text` (near 0-based `line` when given) as a Finding; None if it compiles."""
    err = python_error(text)
    if err is None or not err.lineno:
        return None
    if line is not None and abs(err.lineno - 1 - line) > 3:
        return None  # the diagnostic is about something else
    row, column = err.lineno - 1, max((err.offset or 1) - 1, 0)
    lines = text.split("\n")
    source_line = lines[row] if row < len(lines) else ""
    facts = (f"Python's compiler: {type(err).__name__}: {err.msg} (line {err.lineno}, column {column + 1})",)
    problem, candidates = _describe(err, text, lines, row, column, source_line)
    passing = _passing(text, row, candidates[:MAX_CANDIDATES])
    if passing and isinstance(err, IndentationError | SyntaxError) and "indent" in problem:
        passing.sort(key=lambda candidate: -_agreement(text, candidate[0]))
    if passing:
        return Finding(problem, facts, passing[0][0].trimmed(text), passing[0][1])
    return Finding(problem, facts, None, "", needs_model=True)


def _passing(text: str, row: int, candidates):
    """The candidates the compiler accepts. In a big file they are tried on the top-level statement
    around the error (a compile of the whole file each would take seconds), and the winner on the file."""
    lo, hi = _top_level_span(text, row) if len(text) > SLICE_ABOVE_CHARS else (0, len(text))
    if lo == 0 and hi == len(text):
        return [(c, t) for c, t in candidates if check(text, "python", c, syntax=True).ok]
    part = text[lo:hi]
    passing = [(c, t) for c, t in candidates
               if lo <= c.start and c.end <= hi
               and check(part, "python", TextChange(c.start - lo, c.end - lo, c.new_text), syntax=True).ok]
    for index, (change, _title) in enumerate(passing):
        if check(text, "python", change, syntax=True).ok:
            return passing[index:]
    return []


def _top_level_span(text: str, row: int) -> tuple[int, int]:
    """Offsets of the top-level statement(s) holding `row` (and the lines a missing closer may reach)."""
    lines = text.split("\n")
    start = row
    while start > 0 and not _starts_statement(lines[start]):
        start -= 1
    while start > 0 and lines[start - 1].startswith("@"):
        start -= 1
    end = min(len(lines), row + MAX_BRACKET_LINES + 1)
    while end < len(lines) and not _starts_statement(lines[end]):
        end += 1
    return line_offset(text, start), line_offset(text, end) if end < len(lines) else len(text)


def _starts_statement(line: str) -> bool:
    return bool(line[:1].strip()) and not line.startswith(("#", ")", "]", "}", "else", "elif", "except", "finally", "@"))


def _agreement(text: str, change: TextChange) -> int:
    """How many lines near a re-indented line (comments included) share its new indentation."""
    row = text.count("\n", 0, change.start)
    lines = change.apply(text).split("\n")
    indent = _indent_of(lines[row])
    near = [l for l in lines[max(0, row - 4) : row] + lines[row + 1 : row + 5] if l.strip()]
    return sum(_indent_of(l) == indent for l in near)


def _describe(err: SyntaxError, text: str, lines: list[str], row: int, column: int, source_line: str):
    msg, number = err.msg, row + 1
    if msg == "expected ':'":
        keyword = _KEYWORD.match(source_line)
        what = f"The `{keyword.group(1).split()[-1]}` header" if keyword else "The statement"
        return (f"{what} on line {number} is missing the `:` that ends it.",
                [(_insert(text, _code_end(text, row), ":"), f"add `:` at the end of line {number}")])
    opened = re.match(r"'([(\[{])' was never closed", msg)
    if opened:
        bracket = opened.group(1)
        return (f"The `{bracket}` opened on line {number}, column {column + 1} is never closed.",
                _closing_candidates(text, lines, row, bracket))
    if "Perhaps you forgot a comma" in msg:
        return (f"Two items on line {number} are not separated: a comma is missing.",
                _comma_candidates(text, err, row, column))
    if "Maybe you meant '=='" in msg or (msg == "invalid syntax" and _CONDITION.match(source_line)
                                          and _LONE_EQUALS.search(source_line)):
        return (f"`=` on line {number} assigns; a condition compares with `==`.",
                _equals_candidates(text, row))
    if isinstance(err, IndentationError) or "outside function" in msg or "indent" in msg:
        return (_indent_problem(msg, number, source_line), _indent_candidates(text, lines, row, msg))
    unmatched = re.match(r"unmatched '([)\]}])'", msg)
    if unmatched:
        start = line_offset(text, row) + column
        return (f"The `{unmatched.group(1)}` on line {number} closes nothing.",
                [(TextChange(start, start + 1, ""), f"remove the extra `{unmatched.group(1)}`")])
    return (f"Python cannot parse line {number}: {msg}.", [])


def _insert(text: str, offset: int, new: str) -> TextChange:
    return TextChange(offset, offset, new)


def _code_end(text: str, row: int) -> int:
    """End of the code on `row`, before trailing spaces and a `#` comment."""
    start = line_offset(text, row)
    line = text[start : line_end(text, start)]
    code = _strip_comment(line).rstrip()
    return start + len(code)


def _strip_comment(line: str) -> str:
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote and line[i - 1] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:i]
    return line


def _closing_candidates(text: str, lines: list[str], row: int, bracket: str):
    closer = CLOSERS[bracket]
    candidates = []
    for candidate_row in range(row, min(len(lines), row + MAX_BRACKET_LINES)):
        if candidate_row > row and not lines[candidate_row].strip():
            break
        offset = _code_end(text, candidate_row)
        candidates.append((_insert(text, offset, closer), f"add `{closer}` at the end of line {candidate_row + 1}"))
        # `f(a, b:` style headers: the closer goes before the colon.
        if text[offset - 1 : offset] == ":":
            candidates.append((_insert(text, offset - 1, closer), f"add `{closer}` before the `:` on line {candidate_row + 1}"))
    return candidates


def _comma_candidates(text: str, err: SyntaxError, row: int, column: int):
    start = line_offset(text, row)
    line = text[start : line_end(text, start)]
    last = (err.end_offset or len(line) + 1) - 1 if err.end_lineno == err.lineno else len(line)
    gaps = [m.start() for m in re.finditer(r"(?<=\S)\s+(?=\S)", line[column:last])]
    return [(_insert(text, start + column + gap, ","), f"add `,` on line {row + 1}, column {column + gap + 1}")
            for gap in gaps]


def _equals_candidates(text: str, row: int):
    start = line_offset(text, row)
    line = _strip_comment(text[start : line_end(text, start)])
    return [(TextChange(start + m.start(), start + m.start() + 1, "=="), f"use `==` on line {row + 1}")
            for m in _LONE_EQUALS.finditer(line)]


def _indent_problem(msg: str, number: int, line: str) -> str:
    if msg.startswith("expected an indented block"):
        return f"The block before line {number} is empty: {msg}."
    if "outside function" in msg:
        return f"Line {number} is not indented into the function it belongs to ({msg})."
    width = len(line) - len(line.lstrip())
    return f"Line {number} is indented by {width} column(s), which no enclosing block uses ({msg})."


def _indent_candidates(text: str, lines: list[str], row: int, msg: str):
    if row >= len(lines):
        return []
    line = lines[row]
    current = line[: len(line) - len(line.lstrip())]
    wanted: list[str] = []
    previous = [l for l in lines[max(0, row - 40) : row] if l.strip()][::-1]
    wanted_from = [l for l in previous if not l.lstrip().startswith("#")]
    following = [l for l in lines[row + 1 : row + 6] if l.strip()]
    if wanted_from:
        indent = _indent_of(wanted_from[0])
        if msg.startswith("expected an indented block") or wanted_from[0].rstrip().endswith(":"):
            wanted.append(indent + _unit(lines))
        wanted.append(indent)
    if following:
        wanted.append(_indent_of(following[0]))
    wanted += [_indent_of(l) for l in wanted_from]
    start = line_offset(text, row)
    candidates = []
    for indent in dict.fromkeys(wanted):
        if indent != current:
            candidates.append((TextChange(start, start + len(current), indent),
                               f"indent line {row + 1} by {len(indent)} column(s)"))
    code_above = [l for l in previous if not l.lstrip().startswith("#")]
    if code_above and _indent_of(code_above[0]) != current and not code_above[0].rstrip().endswith(":"):
        # The line above may be the one that lost its indentation.
        above = row - 1 - next(i for i, l in enumerate(lines[row - 1 :: -1]) if l.strip() and not l.lstrip().startswith("#"))
        above_start, above_indent = line_offset(text, above), _indent_of(code_above[0])
        candidates.append((TextChange(above_start, above_start + len(above_indent), current),
                           f"indent line {above + 1} by {len(current)} column(s)"))
    return candidates


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _unit(lines: list[str]) -> str:
    """The file's indentation step: a tab, or the smallest space indent it uses."""
    widths = [len(_indent_of(l)) for l in lines if l.strip() and l.startswith(" ")]
    if any(l.startswith("\t") for l in lines):
        return "\t"
    return " " * (min(widths) if widths else 4)
