"""Checking a proposed fix in memory before it is offered.

A change is applied to a copy of the text and checked with what the server
can run itself: tree-sitter (no new ERROR/MISSING nodes; fewer when the
diagnostic was a syntax error) and, for Python, the compiler, whose verdict
also catches what tree-sitter lets through (a `def` or `if` left with an
empty body, a `return` outside a function). A Python error at the
diagnostic must be gone (or have moved past the edit); a file that compiled
must still compile. `Verdict.verified` says whether the diagnostic itself
was re-checked, or only that nothing got worse. `compile()` holds the GIL
for its whole run (seconds on a few MB, which would stall the event loop),
so a file over `MAX_COMPILE_CHARS` is checked by tree-sitter alone, whose
parse lets other threads run.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

from lsp_server.assist.changes import TextChange, line_of


MOVED_PAST_LINES = 3
MAX_COMPILE_CHARS = 300_000  # about 8,000 lines: compiled in well under a tenth of a second


def compilable(text: str) -> bool:
    return len(text) <= MAX_COMPILE_CHARS


@dataclass(frozen=True)
class Verdict:
    ok: bool
    verified: bool  # the diagnostic was re-checked and is gone, not only "nothing got worse"
    reason: str = ""


@lru_cache(maxsize=4)  # the document itself is compiled for every candidate's "before"
def python_error(text: str) -> SyntaxError | None:
    """The first error Python's compiler reports for `text`, or None when it compiles."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not errors
            compile(text, "<file>", "exec", dont_inherit=True)
    except SyntaxError as err:  # IndentationError and TabError included
        return err
    except (ValueError, RecursionError, MemoryError, OverflowError):
        return None
    return None


def is_python(language: str | None) -> bool:
    return (language or "").lower() in ("python", "py")


def tree_errors(language: str | None, text: str) -> int | None:
    if not language:
        return None
    try:
        from context.syntax import error_count

        return error_count(language, text)
    except Exception:  # no grammar for it
        return None


def check(text: str, language: str | None, change: TextChange, *, syntax: bool) -> Verdict:
    """Whether `change` may be offered for a diagnostic (`syntax`: a parse or compile error)."""
    new = change.apply(text)
    if new == text:
        return Verdict(False, False, "the change does nothing")
    if is_python(language) and compilable(text) and compilable(new):
        return _check_python(text, new, change, syntax=syntax)
    before, after = tree_errors(language, text), tree_errors(language, new)
    if before is None or after is None:
        return Verdict(True, False, "no parser for this language: the fix is unchecked")
    if after > before or (syntax and before and after >= before):
        return Verdict(False, False, f"the file would have {after} parse error(s) instead of {before}")
    return Verdict(True, syntax, "" if syntax else "it parses, but the diagnostic could not be re-checked")


def _same_error(before: SyntaxError, after: SyntaxError, text: str, change: TextChange) -> bool:
    """The error the file already had, untouched by (and not next to) a change about something else."""
    shift = change.new_text.count("\n") - text.count("\n", change.start, change.end)
    edit_line = line_of(text, change.start) + 1
    expected = (before.lineno or 0) + (shift if (before.lineno or 0) > edit_line else 0)
    return after.msg == before.msg and after.lineno == expected and abs(expected - edit_line) > MOVED_PAST_LINES


def _check_python(text: str, new: str, change: TextChange, *, syntax: bool) -> Verdict:
    before, after = python_error(text), python_error(new)
    if after is not None and before is not None and not syntax and _same_error(before, after, text, change):
        return Verdict(True, False, "an unrelated syntax error elsewhere in the file is unchanged")
    if after is not None:
        edit_end = line_of(new, change.start + len(change.new_text)) + 1
        # Another error well past the edit was there before (compile stops at the first); one right
        # after the edit is most likely the edit's own doing.
        moved_past = before is not None and (after.lineno or 0) > max(edit_end, before.lineno or 0) + MOVED_PAST_LINES
        if not moved_past:
            return Verdict(False, False, f"Python would still report: {after.msg} (line {after.lineno})")
    if syntax or before is not None:
        return Verdict(True, True)
    return Verdict(True, False, "it compiles, but the diagnostic could not be re-checked")
