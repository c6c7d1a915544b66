"""From a rewritten window to the few edits it makes, and the gate that keeps only good ones.

The model answers with the whole window rewritten; the user wants to see
what changes. `edits_from_rewrite` diffs the window against the rewrite on
lines (difflib), then narrows each changed block to the characters that
differ, so a rename is one word replaced, not a line retyped. `gate` turns a
suggestion down, answering silence, when it: only retypes what is there (no
edit), undoes the user's newest change, deletes much more than it writes when
the user was not deleting, changes more than the aggressiveness allows, or
adds tree-sitter errors to the file (the syntax gate ghost text uses). Edits
are code-point offsets into the current text; no LSP types here.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass

from lsp_server import positions
from lsp_server.assist.edit_history import Hunk

log = logging.getLogger(__name__)

# aggressiveness -> (most changed blocks, most changed lines) a suggestion may have
LIMITS = {"low": (1, 3), "medium": (4, 8), "high": (12, 21)}


@dataclass(frozen=True)
class TextEdit:
    start: int  # code points into the current text
    end: int
    text: str


def edits_from_rewrite(text: str, window_start: int, window: str, rewritten: str) -> list[TextEdit]:
    """Minimal edits that turn `window` (at offset `window_start` of `text`) into `rewritten`."""
    if window.endswith(("\n", "\r")) and not rewritten.endswith(("\n", "\r")):
        rewritten += "\n"
    elif not window.endswith(("\n", "\r")) and rewritten.endswith("\n"):
        rewritten = rewritten[:-1]  # the prompt ended the file's last line; the file does not
    old, new = positions.lines_with_ends(window), positions.lines_with_ends(rewritten)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # Line for line where the counts match (a rename touches each line on its own), else the block.
        pairs = zip(range(a0, a1), range(b0, b1)) if a1 - a0 == b1 - b0 else [(None, None)]
        for a, b in pairs:
            lo, hi, new_lo, new_hi = (a, a + 1, b, b + 1) if a is not None else (a0, a1, b0, b1)
            before, after = "".join(old[lo:hi]), "".join(new[new_lo:new_hi])
            head = _common_prefix(before, after)
            tail = _common_suffix(before[head:], after[head:])
            edits.append(TextEdit(window_start + starts[lo] + head, window_start + starts[hi] - tail,
                                  after[head : len(after) - tail]))
    return [edit for edit in edits if text[edit.start : edit.end] != edit.text]


def apply(text: str, edits: list[TextEdit]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def gate(text: str, edits: list[TextEdit], *, language: str, newest: Hunk | None,
         aggressiveness: str = "medium") -> list[TextEdit]:
    """`edits` if they are worth showing, else [] (see the module docstring for why not)."""
    if not edits:
        return []
    most_blocks, most_lines = LIMITS.get(aggressiveness, LIMITS["medium"])
    changed_lines = sum(text.count("\n", e.start, e.end) + e.text.count("\n") + 1 for e in edits)
    if len(edits) > most_blocks or changed_lines > most_lines:
        return []
    deleted = sum(e.end - e.start for e in edits)
    written = sum(len(e.text) for e in edits)
    # Deleting follows deleting: the user removed lines (a dropped parameter's uses go next).
    user_deleting = newest is not None and (len(newest.after) < len(newest.before) or not newest.updated.strip())
    if deleted > 2 * written + 8 and not user_deleting:
        return []
    result = apply(text, edits)
    if newest is not None and _undoes(text, result, newest):
        return []
    if _adds_syntax_errors(language, text, result):
        return []
    return edits


def _undoes(text: str, result: str, newest: Hunk) -> bool:
    """The suggestion puts back what the user's newest change replaced."""
    return bool(newest.updated) and newest.updated in text and newest.original and \
        result.count(newest.original) > text.count(newest.original) and \
        result.count(newest.updated) < text.count(newest.updated)


def _adds_syntax_errors(language: str, before: str, after: str) -> bool:
    try:
        from context.languages import language_for
        from context.syntax import error_count

        if language_for(language) is None:
            return False
        return error_count(language, after) > error_count(language, before)
    except Exception:  # a grammar that fails to load must not turn every suggestion away silently forever
        log.debug("syntax gate failed; keeping the suggestion", exc_info=True)
        return False


def _common_prefix(a: str, b: str) -> int:
    size = min(len(a), len(b))
    index = 0
    while index < size and a[index] == b[index]:
        index += 1
    return index


def _common_suffix(a: str, b: str) -> int:
    size = min(len(a), len(b))
    index = 0
    while index < size and a[-1 - index] == b[-1 - index]:
        index += 1
    return index
