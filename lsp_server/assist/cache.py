"""Completions already computed, served again without a model call.

Two cases fill it: a suggestion the editor showed (when the user types its
first characters, the rest is still the suggestion), and a speculative
completion computed while idle as if the shown suggestion had been accepted.
An entry remembers a tail of the text before its cursor, the cursor's
absolute offset and a head of the text after it; a later cursor matches when
the text before it is that tail plus a head of the suggestion. Memory is
bounded: a fixed number of entries, each with short windows of text.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

TAIL_CHARS = 512
HEAD_CHARS = 256


@dataclass(frozen=True)
class CachedCompletion:
    uri: str
    prefix_tail: str
    prefix_length: int
    suffix_head: str
    text: str


class CompletionCache:
    def __init__(self, size: int = 64) -> None:
        self._entries: deque[CachedCompletion] = deque(maxlen=size)
        self._lock = threading.Lock()
        self.hits = 0

    def store(self, uri: str, offset: int, prefix: str, suffix: str, text: str) -> None:
        """Remember `text` shown at `offset`; `prefix`/`suffix` are windows around it."""
        if not text:
            return
        entry = CachedCompletion(uri, prefix[-TAIL_CHARS:], offset, suffix[:HEAD_CHARS], text)
        with self._lock:
            self._entries.append(entry)

    def lookup(self, uri: str, offset: int, prefix: str, suffix: str) -> str | None:
        """The rest of a cached suggestion whose head the user has typed, if any."""
        with self._lock:
            entries = list(reversed(self._entries))
        for entry in entries:
            typed = offset - entry.prefix_length
            if entry.uri != uri or not 0 <= typed < len(entry.text):
                continue
            if not suffix.startswith(entry.suffix_head):
                continue
            if prefix.endswith(entry.prefix_tail + entry.text[:typed]):
                self.hits += 1
                return entry.text[typed:]
        return None

    def forget(self, uri: str) -> None:
        with self._lock:
            kept = [entry for entry in self._entries if entry.uri != uri]
            self._entries.clear()
            self._entries.extend(kept)

    def __len__(self) -> int:
        return len(self._entries)
