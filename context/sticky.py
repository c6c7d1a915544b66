"""Repository context that holds still while the user types on one line.

Retrieval is cheap but not free (a few ms in a large repository), and the
snippets open the prompt: when they change, the model evaluates the whole
prompt again instead of the few tokens typed since the last request. So
`StickyRetrieval` answers a keystroke with the snippets it found for the
previous one when nothing retrieval looks at has moved: the same document,
every line but the cursor's unchanged, no new complete identifier on the
cursor's line (the word being typed is not one yet), the same budget and
token counter, and younger than `max_age_s`, so changes elsewhere in the
workspace still arrive while someone types one long line. And a fresh
retrieval is laid out to keep what it shares with the held snippets in the
held order (`stable_order`): a word that shifts the ranking, or one new
definition, then costs the prompt from that snippet on, not from the first.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from context.retrieval import retrieve
from context.similar import IDENTIFIER
from context.snippet import Snippet

MAX_DOCUMENTS = 4
NAMES_SPAN = 4096  # identifiers read either side of the cursor: a minified line costs no more
NAMES_ALIGN = 1024  # the span starts on this grid, so it stays put while the user types


@dataclass(frozen=True)
class _Held:
    before: str  # the text before the cursor's line
    after: str  # the text after it
    names: frozenset[str]  # complete identifiers on the cursor's line
    key: tuple
    at: float
    snippets: tuple[Snippet, ...]


def _same_around(held: _Held, text: str, start: int, end: int) -> bool:
    """Whether `text` outside `start:end` is what `held` saw there (no copies of the text)."""
    return (len(held.before) == start and len(held.after) == len(text) - end
            and text.startswith(held.before) and text.endswith(held.after))


def line_names(line: str, column: int) -> frozenset[str]:
    """Identifiers on `line`, except the one the cursor at `column` is typing or touching."""
    return frozenset(m.group() for m in IDENTIFIER.finditer(line) if not m.start() <= column <= m.end())


def cursor_names(text: str, start: int, end: int, offset: int) -> frozenset[str]:
    """`line_names` of the cursor's line `text[start:end]`, read at most NAMES_SPAN from the cursor."""
    low = max(start, start + (offset - start - NAMES_SPAN) // NAMES_ALIGN * NAMES_ALIGN)
    high = min(end, offset + NAMES_SPAN)
    return line_names(text[low:high], offset - low)


def stable_order(fresh: tuple[Snippet, ...], held: tuple[Snippet, ...]) -> tuple[Snippet, ...]:
    """`fresh`'s snippets: the new ones in their ranked order, then those `held` had too, in the
    held order. The prompt lays snippets out last first, so it starts as the held prompt did, up
    to where a held snippet left, and the new ones sit nearest the cursor."""
    kept = set(fresh) & set(held)
    return tuple(s for s in fresh if s not in kept) + tuple(s for s in held if s in kept)


class StickyRetrieval:
    def __init__(self, retrieve: Callable[..., tuple[Snippet, ...]] = retrieve, *, max_age_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._retrieve, self._max_age_s, self._clock = retrieve, max_age_s, clock
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()
        self.reused = 0

    def __call__(self, index, path: str, text: str, offset: int, budget_tokens: int, *,
                 count_tokens=None) -> tuple[tuple[Snippet, ...], bool]:
        """The snippets for this cursor, and whether they are the previous keystroke's."""
        start = text.rfind("\n", 0, offset) + 1
        end = text.find("\n", offset)
        end = len(text) if end < 0 else end
        names = cursor_names(text, start, end, offset)
        key = (id(index), budget_tokens, count_tokens)
        now = self._clock()
        with self._lock:
            held = self._held.get(path)
        if (held is not None and held.key == key and now - held.at < self._max_age_s and names <= held.names
                and _same_around(held, text, start, end)):
            self.reused += 1
            return held.snippets, True
        snippets = tuple(self._retrieve(index, path, text, offset, budget_tokens, count_tokens=count_tokens))
        if held is not None and held.key == key:
            snippets = stable_order(snippets, held.snippets)
        with self._lock:
            self._held.pop(path, None)
            self._held[path] = _Held(text[:start], text[end:], names, key, now, snippets)
            while len(self._held) > MAX_DOCUMENTS:
                self._held.pop(next(iter(self._held)))
        return snippets, False

    def forget(self, path: str) -> None:
        with self._lock:
            self._held.pop(path, None)
