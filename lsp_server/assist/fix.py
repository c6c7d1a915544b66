"""Chat prompts for "Fix this error" and turning the reply into a small, verified edit.

The model sees a bounded region: the function or statement the error is in,
found by an error-tolerant parse, but never a whole class and never more
than `MAX_REGION_LINES` (an error that hides a function from tree-sitter
would otherwise widen it to a class, or 150 lines past the function); the
fallback is a few lines around the error. Its prompt carries the facts the
tools know (`Finding.facts`: the compiler's message, the callee's signature).
A reply is used only when it ended by itself (not cut off by the token
limit, not a repetition loop). Its code replaces the region in memory, and
the change is cut to the hunks that must change: the nearest single hunk
that passes `verify.check`, else all hunks if they are few; a rewrite that
deletes `DESTRUCTIVE_LINES` or more lines is never offered.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
import textwrap
from dataclasses import dataclass

from lsp_server.assist.changes import TextChange, line_end, line_of, line_offset
from lsp_server.assist.verify import check
from lsp_server.model.types import ChatMessage

__all__ = ["Region", "TextChange", "FixOutcome", "region_for", "fix_messages", "extract_code", "reindent",
           "minimal_change", "accepted_fix", "model_fix"]

SYSTEM = (
    "You are an expert programmer. You fix the error in the code you are given. "
    "Reply with the complete corrected code in a single fenced code block and nothing else. "
    "Change as little as possible: keep every other line exactly as it is."
)
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)
MAX_REGION_LINES = 40
WINDOW_LINES = 4  # each side of the error when no small enclosing function is found
MAX_SCOPE_CHARS = 300_000  # bigger files get the lines around the error, not the enclosing function
MAX_CHANGED_LINES = 6  # more than this to fix one diagnostic is a rewrite
DESTRUCTIVE_LINES = 10
SCOPES = ("function", "method")


@dataclass(frozen=True)
class Region:
    """Whole lines `start..end` (offsets into the file) that the fix may rewrite."""

    start: int
    end: int
    kind: str = "lines"


@dataclass(frozen=True)
class FixOutcome:
    change: TextChange | None
    reason: str = ""  # why there is no change, or what is unchecked about it
    verified: bool = False


def region_for(text: str, language: str | None, offset: int, end_offset: int) -> Region:
    """The enclosing function around the error if it is small, else a few lines around it; whole lines."""
    error_line = line_of(text, offset)
    end_line = max(error_line, line_of(text, max(offset, end_offset)))
    start_line, stop_line, kind = error_line - WINDOW_LINES, end_line + WINDOW_LINES, "lines"
    scope = _scope(text, language, offset)
    if scope is not None and scope[2] in SCOPES:
        first, last = line_of(text, scope[0]), line_of(text, max(scope[0], scope[1] - 1))
        if last - first < MAX_REGION_LINES and first <= error_line <= last:
            start_line, stop_line, kind = first, max(last, end_line), scope[2]
    start_line = max(0, start_line)
    stop_line = min(max(start_line, stop_line), start_line + MAX_REGION_LINES - 1, text.count("\n"))
    start = line_offset(text, start_line)
    return Region(start, line_end(text, line_offset(text, stop_line)), kind)


def _scope(text: str, language: str | None, offset: int):
    if not language or len(text) > MAX_SCOPE_CHARS:  # a whole-file parse and query: seconds (fuzz 7184)
        return None
    try:
        from context.syntax import enclosing_scope

        return enclosing_scope(language, text, offset)
    except Exception:
        return None


def fix_messages(*, path: str, language: str, code: str, message: str, facts: tuple[str, ...] = ()) -> list[ChatMessage]:
    known = "".join(f"- {fact}\n" for fact in facts)
    user = (
        f"In {path} this code has an error:\n\n    {message.strip()}\n\n"
        + (f"What the tools know:\n{known}\n" if known else "")
        + f"```{language}\n{textwrap.dedent(code)}\n```\n\n"
        "Reply with the corrected code."
    )
    return [ChatMessage("system", SYSTEM), ChatMessage("user", user)]


def extract_code(reply: str) -> str | None:
    """The first fenced code block of the reply, or None."""
    match = FENCE.search(reply)
    if match is None:
        return None
    return match.group(1).rstrip()


def _indentation(code: str) -> str:
    lines = [line for line in code.splitlines() if line.strip()]
    return lines[0][: len(lines[0]) - len(lines[0].lstrip())] if lines else ""


def reindent(code: str, like: str) -> str:
    """`code` (dedented by the model) indented as the original region was."""
    indent = _indentation(like)
    return textwrap.indent(textwrap.dedent(code), indent) if indent else textwrap.dedent(code)


def minimal_change(old: str, new: str, base: int) -> TextChange | None:
    """The smallest change turning `old` (at offset `base`) into `new`; None if equal."""
    if old == new:
        return None
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    return TextChange(base + head, base + len(old) - tail, new[head : len(new) - tail])


def accepted_fix(text: str, language: str | None, region: Region, reply: str) -> TextChange | None:
    """The minimal verified change the reply proposes; None otherwise."""
    return model_fix(text, language, region, reply, error_offset=region.start, syntax=True).change


def model_fix(text: str, language: str | None, region: Region, reply: str, *, error_offset: int,
              syntax: bool, finish_reason: str = "stop", resolved=None) -> FixOutcome:
    """The smallest part of the model's reply that passes the checks, or why there is none.

    `resolved(new_text)` re-checks the diagnostic itself where a tool can (True, False or None)."""
    if finish_reason == "length":
        return FixOutcome(None, "the model's reply was cut off by the token limit")
    if finish_reason == "repetition":
        return FixOutcome(None, "the model's reply fell into a repetition loop")
    code = extract_code(reply)
    if code is None or not code.strip():
        return FixOutcome(None, "the model's reply held no code block")
    old = text[region.start : region.end]
    new = reindent(code, old)
    if old == new:
        return FixOutcome(None, "the model proposed the code unchanged")
    old_lines, new_lines = old.split("\n"), new.split("\n")
    hunks = _hunks(old_lines, new_lines)
    error_line = line_of(text, error_offset) - line_of(text, region.start)
    reason = ""
    for chosen in _hunk_choices(hunks, error_line):
        lines = _apply_hunks(old_lines, new_lines, chosen)
        removed = sum(i2 - i1 for _, i1, i2, _, _ in chosen)
        if removed >= DESTRUCTIVE_LINES:
            reason = f"the model's change would delete {removed} lines"
            continue
        change = minimal_change(old, "\n".join(lines), region.start)
        if change is None:
            continue
        if _only_deletes_names(old_lines, lines):
            reason = reason or "the model's change only deletes code"
            continue
        verdict = check(text, language, change, syntax=syntax)
        settled = resolved(change.apply(text)) if verdict.ok and resolved is not None else None
        if verdict.ok and settled is not False:
            return FixOutcome(change, "" if settled else verdict.reason, verdict.verified or bool(settled))
        if settled is False:
            reason = reason or "the model's change does not settle the diagnostic"
            continue
        reason = reason or f"the model's fix fails its check: {verdict.reason}"
    if sum(max(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in hunks) > MAX_CHANGED_LINES and not reason:
        reason = "the model rewrote the code instead of fixing the error, and no part of it works alone"
    return FixOutcome(None, reason or "the model's fix does not pass its check")


def _only_deletes_names(old_lines: list[str], new_lines: list[str]) -> bool:
    """A change that drops identifiers and brings none hides the error instead of fixing it."""
    old, new = Counter(IDENTIFIER.findall("\n".join(old_lines))), Counter(IDENTIFIER.findall("\n".join(new_lines)))
    return bool(old - new) and not (new - old)


def _hunks(old_lines: list[str], new_lines: list[str]):
    """Changed line ranges; a replacement of as many lines by as many is split line by line."""
    hunks = []
    for op in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        tag, i1, i2, j1, j2 = op
        if tag == "replace" and i2 - i1 == j2 - j1:
            hunks += [("replace", i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)
                      if old_lines[i1 + k] != new_lines[j1 + k]]
        elif tag != "equal":
            hunks.append(op)
    return hunks


def _hunk_choices(hunks, error_line: int):
    """Single hunks nearest the error first, then all of them together when that is still small."""
    nearest = sorted(hunks, key=lambda op: min(abs(op[1] - error_line), abs(op[2] - 1 - error_line)))
    choices = [[op] for op in nearest]
    changed = sum(max(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in hunks)
    if len(hunks) > 1 and changed <= MAX_CHANGED_LINES:
        choices.append(list(hunks))
    return choices


def _apply_hunks(old_lines: list[str], new_lines: list[str], chosen) -> list[str]:
    result, cursor = [], 0
    for _, i1, i2, j1, j2 in sorted(chosen, key=lambda op: op[1]):
        result += old_lines[cursor:i1] + new_lines[j1:j2]
        cursor = i2
    return result + old_lines[cursor:]

