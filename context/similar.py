"""Similar code from recently edited or opened files: identifier-set Jaccard over windows.

The query is the set of identifiers in the lines just above the cursor; the
candidates are fixed-size windows (overlapping by half; sparser in long files,
so each request does bounded work) of the most recent files.
Window identifier sets are cached per file text, so a keystroke costs one
pass over the query lines and a set intersection per window.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

WINDOW_LINES = 20
STRIDE_LINES = 10
QUERY_LINES = 20
QUERY_CHARS = 4000  # the query reads no further back than this, so one huge line costs no more
MIN_SCORE = 0.08
MAX_RECENT_FILES = 6
MAX_WINDOWS_PER_FILE = 150
MIN_SHARED_SHARE = 0.2
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_CACHE_SIZE = 64
MAX_CACHED_TEXT_CHARS = 16_000_000


def identifiers(text: str) -> frozenset[str]:
    return frozenset(IDENTIFIER.findall(text))


def query(text: str, offset: int) -> frozenset[str]:
    """The identifiers of the QUERY_LINES lines above `offset` (at most QUERY_CHARS characters)."""
    floor = max(0, offset - QUERY_CHARS)
    start = offset
    for _ in range(QUERY_LINES):
        start = text.rfind("\n", floor, start)
        if start <= floor:
            start = floor
            break
    return identifiers(text[start:offset])


class WindowCache:
    """Per file text: its windows as (start_line, end_line, identifier set); 1-based lines."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, int], tuple[str, list]] = OrderedDict()
        self._lock = threading.Lock()

    def windows(self, rel: str, text: str) -> tuple[list[tuple[int, int, frozenset[str]]], frozenset[str]]:
        """The file's windows and the union of their identifiers (to skip unrelated files at once)."""
        key = (rel, hash(text))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and (hit[0] is text or hit[0] == text):
                self._items.move_to_end(key)
                return hit[1]
        lines = text.split("\n")
        result = []
        # Long files are sampled with a wider stride, so no file costs more than MAX_WINDOWS_PER_FILE.
        stride = max(STRIDE_LINES, -(-(len(lines) - WINDOW_LINES) // MAX_WINDOWS_PER_FILE))
        for start in range(0, max(len(lines) - WINDOW_LINES, 0) + 1, stride):
            end = min(start + WINDOW_LINES, len(lines))
            tokens = identifiers("\n".join(lines[start:end]))
            if tokens:
                result.append((start + 1, end, tokens))
        result = (result, frozenset().union(*(tokens for _, _, tokens in result)))
        with self._lock:
            put_bounded(self._items, key, (text, result), _CACHE_SIZE)
        return result

    def forget(self, rel: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == rel]:
                del self._items[key]


def put_bounded(items: OrderedDict, key: tuple[str, int], value: tuple, size: int) -> None:
    """Remember `value` (its text first) for (rel, hash of text): a file's older texts are dropped,
    and the texts held stay under MAX_CACHED_TEXT_CHARS (each entry keeps its text alive: edits of
    big documents kept a hundred megabyte versions). The caller holds the lock."""
    for stale in [k for k in items if k[0] == key[0] and k != key]:
        del items[stale]
    items[key] = value
    items.move_to_end(key)
    held = sum(len(item[0]) for item in items.values())
    while len(items) > 1 and (len(items) > size or held > MAX_CACHED_TEXT_CHARS):
        held -= len(items.popitem(last=False)[1][0])


WINDOWS = WindowCache()


def ranked_windows(query: frozenset[str], files: list[tuple[str, str]]) -> list[tuple[float, str, int, int]]:
    """(score, rel, start, end) of every window scoring above MIN_SCORE, best first."""
    if not query:
        return []
    scored = []
    for rel, text in files[:MAX_RECENT_FILES]:
        windows, vocabulary = WINDOWS.windows(rel, text)
        if len(query & vocabulary) < MIN_SHARED_SHARE * len(query):
            continue  # no window of this file can share enough with the query
        for start, end, tokens in windows:
            shared = len(query & tokens)
            if shared:
                score = shared / (len(query) + len(tokens) - shared)
                if score >= MIN_SCORE:
                    scored.append((score, rel, start, end))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    return scored
