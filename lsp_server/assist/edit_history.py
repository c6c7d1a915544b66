"""What the user just changed, per document: the recent edits a next-edit prompt shows the model.

`EditHistory.record` is called on every didChange with the document's whole
new text. Edits that come less than `COALESCE_S` apart and within
`NEAR_LINES` lines of the hunk being built grow that hunk (a word typed key
by key is one change, not twenty); anything else seals it and starts a new
one. A `Hunk` is the changed lines before and after, where they start, and a
unified diff with the file's name, computed once when it is sealed. Each
document keeps the last `size` hunks, and `recent` returns, newest last,
those that fit a token budget. A hunk the user made by accepting one of our
suggestions is marked `accepted`, so the model can tell its own edits from
the user's. The text before the newest hunk (`original`) is kept, because
the sweep format shows the window as it was before the latest change. No
LSP types: the caller passes URIs, paths and text.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Callable

from lsp_server import positions

log = logging.getLogger(__name__)

COALESCE_S = 1.0
NEAR_LINES = 3
DEFAULT_SIZE = 8
MAX_SEED_BYTES = 1_000_000
MAX_TEXT_CHARS = 2_000_000
MAX_DOCUMENTS = 64  # histories of documents edited longest ago are dropped past this


@dataclass(frozen=True)
class Hunk:
    path: str
    start: int  # first changed line (0-based) in the text before
    before: tuple[str, ...]  # the changed lines before, with their line ends
    after: tuple[str, ...]  # and after
    at: float  # when the last edit of the hunk happened (monotonic seconds)
    accepted: bool = False

    @property
    def diff(self) -> str:
        """A unified diff of the hunk, `--- a/path` / `+++ b/path`, no context lines, real line numbers."""
        removed = "".join(f"-{line}" for line in _ended(self.before))
        added = "".join(f"+{line}" for line in _ended(self.after))
        old, new = _span(self.start, len(self.before)), _span(self.start, len(self.after))
        return f"--- a/{self.path}\n+++ b/{self.path}\n@@ -{old} +{new} @@\n{removed}{added}"

    @property
    def original(self) -> str:
        return "".join(self.before)

    @property
    def updated(self) -> str:
        return "".join(self.after)


@dataclass
class _Document:
    path: str
    text: str  # the text as of the last record
    base: str  # the text before the hunk being built
    open_hunk: Hunk | None = None
    hunks: list[Hunk] = field(default_factory=list)  # sealed, oldest first
    original: str = ""  # the text before the newest hunk


class EditHistory:
    def __init__(self, size: int = DEFAULT_SIZE, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self._clock = clock
        self._documents: dict[str, _Document] = {}

    def record(self, uri: str, path: str, text: str) -> None:
        """The document's text after a change. The first change of a document is measured from the
        file on disk when that is a small change away (an editor opens files as they are on disk);
        otherwise the first text seen is the baseline. Never raises: it runs inside didChange, whose
        other work (the index) must not depend on it."""
        try:
            self._record(uri, path, text)
        except Exception:
            log.exception("edit history failed; forgetting %s", uri)
            self._documents.pop(uri, None)

    def _record(self, uri: str, path: str, text: str) -> None:
        if len(text) > MAX_TEXT_CHARS:  # too big to diff on every keystroke, and to suggest in
            self._documents.pop(uri, None)
            return
        document = self._documents.pop(uri, None)
        if document is None:
            seed = _seed(path, text)
            document = _Document(path, seed, seed, original=seed)
        self._documents[uri] = document  # newest last
        if len(self._documents) > MAX_DOCUMENTS:
            del self._documents[next(iter(self._documents))]
        if text == document.text:
            return
        now = self._clock()
        changed = changed_lines(document.text, text)
        hunk = document.open_hunk
        if hunk is not None and (now - hunk.at >= COALESCE_S or not _near(hunk, changed)):
            self._seal(document)
            hunk = None
        base = document.base
        start, before, after = changed_lines(base, text)
        if before == after:  # the user typed the hunk back to what it was
            document.open_hunk = None
        else:
            document.open_hunk = Hunk(path, start, before, after, now)
            if hunk is None:
                document.original = base
        document.text = text

    def mark_accepted(self, uri: str) -> None:
        """The last change in `uri` was one of our suggestions, accepted."""
        document = self._documents.get(uri)
        if document is not None and document.open_hunk is not None:
            document.open_hunk = _accepted(document.open_hunk)
            self._seal(document)
        elif document is not None and document.hunks:
            document.hunks[-1] = _accepted(document.hunks[-1])

    def recent(self, uri: str, budget_tokens: int = 1024, count: Callable[[str], int] | None = None,
               limit: int | None = None) -> list[Hunk]:
        """The newest hunks of `uri` (the one being built included), oldest first, within the budget."""
        document = self._documents.get(uri)
        if document is None:
            return []
        count = count or (lambda text: len(text) // 3 + 1)
        hunks = document.hunks + ([document.open_hunk] if document.open_hunk is not None else [])
        kept: list[Hunk] = []
        for hunk in reversed(hunks[-(limit or self.size):]):
            budget_tokens -= count(hunk.original) + count(hunk.updated) + 8
            if budget_tokens < 0:
                break
            kept.append(hunk)
        return kept[::-1]

    def original(self, uri: str) -> str | None:
        """The text before the newest change (the whole text), or None if nothing was changed."""
        document = self._documents.get(uri)
        if document is None or (document.open_hunk is None and not document.hunks):
            return None
        return document.original

    def forget(self, uri: str) -> None:
        self._documents.pop(uri, None)

    def __len__(self) -> int:
        return len(self._documents)

    def _seal(self, document: _Document) -> None:
        if document.open_hunk is not None:
            document.hunks.append(document.open_hunk)
            del document.hunks[: -self.size]
        document.open_hunk = None
        document.base = document.text


def _seed(path: str, text: str) -> str:
    """The file on disk, if it is a small text file a few lines away from `text`; else `text`."""
    try:
        if not os.path.isabs(path) or os.path.getsize(path) > MAX_SEED_BYTES:
            return text
        with open(path, encoding="utf-8", newline="") as file:
            disk = file.read()
    except (OSError, UnicodeDecodeError, ValueError):
        return text
    _start, before, after = changed_lines(disk, text)
    return disk if len(before) + len(after) <= 2 * NEAR_LINES else text


def changed_lines(old: str, new: str) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """The first line that differs, and the differing lines of each text (common lines at both ends dropped).

    Runs on every keystroke with the whole document, so the common ends are found by comparing
    strings (C speed) and only the lines around the change are split and compared."""
    if old == new:
        return _line_count(old), (), ()
    head = _common_prefix(old, new)
    # A line is surely the same in both when its break lies inside the common part; a `\r` at its
    # very end is not sure (a `\n` may follow in one text only).
    cut = max(old.rfind("\n", 0, head) + 1, old.rfind("\r", 0, max(0, head - 1)) + 1)
    tail = _common_suffix(old, new, min(len(old), len(new)) - cut)
    end_old = _next_line_start(old, len(old) - tail + 1)
    end_new = end_old - len(old) + len(new)
    start, before, after = _changed_lines(old[cut:end_old], new[cut:end_new])
    return _line_count(old[:cut]) + start, before, after


def _changed_lines(old: str, new: str) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    a, b = positions.lines_with_ends(old), positions.lines_with_ends(new)
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    return start, tuple(a[start:end_a]), tuple(b[start:end_b])


_CHUNK = 4096


def _common_prefix(a: str, b: str) -> int:
    limit, at = min(len(a), len(b)), 0
    while at < limit and a[at:at + _CHUNK] == b[at:at + _CHUNK]:
        at += _CHUNK
    while at < limit and a[at] == b[at]:
        at += 1
    return min(at, limit)


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common end of `a` and `b`, at most `limit`."""
    size = 0
    while size + _CHUNK <= limit and a[len(a) - size - _CHUNK:len(a) - size] == b[len(b) - size - _CHUNK:len(b) - size]:
        size += _CHUNK
    while size < limit and a[len(a) - size - 1] == b[len(b) - size - 1]:
        size += 1
    return size


def _next_line_start(text: str, at: int) -> int:
    """The first offset >= `at` where a line starts (or the text's end)."""
    at = min(at, len(text))
    while at < len(text):
        newline, carriage = text.find("\n", at - 1), text.find("\r", at - 1)
        found = min(end for end in (newline, carriage, len(text)) if end >= 0)
        if found >= len(text) - 1 or text[found] == "\n" or text[found + 1] != "\n":
            return min(found + 1, len(text))
        at = found + 2  # a `\r\n`: the line starts after its `\n`
    return len(text)


def _line_count(text: str) -> int:
    """len(positions.lines_with_ends(text)), without splitting."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (1 if text and not text.endswith(("\n", "\r")) else 0)


def _near(hunk: Hunk, changed: tuple[int, tuple[str, ...], tuple[str, ...]]) -> bool:
    start, before, _after = changed
    return hunk.start - NEAR_LINES <= start <= hunk.start + len(hunk.after) + NEAR_LINES and len(before) <= 50


def _span(start: int, count: int) -> str:
    """A unified diff range: `line` for one line, `line,count` else (an empty one names the line before)."""
    if count == 1:
        return str(start + 1)
    return f"{start if count == 0 else start + 1},{count}"


def _accepted(hunk: Hunk) -> Hunk:
    return Hunk(hunk.path, hunk.start, hunk.before, hunk.after, hunk.at, accepted=True)


def _ended(lines: tuple[str, ...]) -> list[str]:
    """Lines for difflib, the last one ended too (a diff of a last line without its newline)."""
    return [line if line.endswith(("\n", "\r")) else line + "\n" for line in lines]
