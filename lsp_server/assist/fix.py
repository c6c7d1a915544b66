"""Chat prompts for "Fix this error" and turning the reply into a minimal edit.

The model sees the enclosing statement or function (from tree-sitter, or the
error's lines when there is no grammar), dedented, with the error message,
and answers with the corrected code in one fenced block. The fix is accepted
only if the file parses with it (no ERROR/MISSING nodes, or fewer than
before when other errors remain elsewhere); the edit then covers only the
characters that changed, so the editor's undo and cursor stay sensible.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from lsp_server.model.types import ChatMessage

SYSTEM = (
    "You are an expert programmer. You fix the error in the code you are given. "
    "Reply with the complete corrected code in a single fenced code block and nothing else. "
    "Change as little as possible."
)
FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Region:
    """Whole lines `start..end` (offsets into the file) that the fix may rewrite."""

    start: int
    end: int
    kind: str = "lines"


@dataclass(frozen=True)
class TextChange:
    start: int  # offsets into the original text
    end: int
    new_text: str


def region_for(text: str, language: str | None, offset: int, end_offset: int) -> Region:
    """The enclosing statement or function around the error, widened to whole lines."""
    start, end, kind = offset, max(offset, end_offset), "lines"
    if language:
        try:
            from context.syntax import enclosing_scope

            scope = enclosing_scope(language, text, offset)
        except Exception:
            scope = None
        if scope is not None:
            start, end, kind = min(start, scope[0]), max(end, scope[1]), scope[2]
    start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return Region(start, len(text) if line_end < 0 else line_end, kind)


def fix_messages(*, path: str, language: str, code: str, message: str) -> list[ChatMessage]:
    user = (
        f"In {path} this code has an error:\n\n    {message.strip()}\n\n"
        f"```{language}\n{textwrap.dedent(code)}\n```\n\n"
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
    """The minimal change the reply proposes, if it parses; None otherwise."""
    code = extract_code(reply)
    if code is None or not code.strip():
        return None
    old = text[region.start : region.end]
    new = reindent(code, old)
    if language:
        from context.syntax import error_count

        before = error_count(language, text)
        after = error_count(language, text[: region.start] + new + text[region.end :])
        if not (after == 0 or after < before):
            return None
    return minimal_change(old, new, region.start)
