"""When to index again a document the user is typing in.

Parsing a whole file again on every keystroke costs the indexing thread tens
of milliseconds a key in a large file, while the model thread and the event
loop need the CPU (and the GIL) for the completion that keystroke asked for.
So an open document is indexed at once when it opens, and after that once its
edits pause for `quiet_s`, or every `max_delay_s` while they go on, so new
imports and definitions still arrive while someone types without a pause.
The index calls it under its own lock.
"""

from __future__ import annotations

import time
from typing import Callable

QUIET_S = 0.3
MAX_DELAY_S = 1.5


class EditSchedule:
    def __init__(self, quiet_s: float = QUIET_S, max_delay_s: float = MAX_DELAY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._quiet_s, self._max_delay_s, self._clock = quiet_s, max_delay_s, clock
        self._first: dict[str, float] = {}  # key -> its first edit not indexed yet
        self._due: dict[str, float] = {}

    def edited(self, key: str) -> None:
        now = self._clock()
        first = self._first.setdefault(key, now)
        self._due[key] = min(now + self._quiet_s, first + self._max_delay_s)

    def forget(self, key: str) -> None:
        self._first.pop(key, None)
        self._due.pop(key, None)

    def take_due(self) -> list[str]:
        """The keys due now, in the order they fell due; they leave the schedule."""
        now = self._clock()
        due = sorted((at, key) for key, at in self._due.items() if at <= now)
        for _, key in due:
            self.forget(key)
        return [key for _, key in due]

    def wait_s(self) -> float | None:
        """Seconds until the next key falls due, or None when nothing is pending."""
        if not self._due:
            return None
        return max(0.0, min(self._due.values()) - self._clock())
