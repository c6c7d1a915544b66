"""Spotting a model that has started to loop, while it generates.

Small and random-weight models fall into greedy loops: the same line over
and over, or the same handful of words without a line break. `Repetition`
watches the text as it grows and says when its tail is a loop: a non-blank
line `LINE_REPEATS` times in a row, or a run of at least `MIN_PERIOD` characters
repeated `PERIOD_REPEATS` times back to back. `loop_start` gives where the
loop began, so the text before it can be kept. Plain Python; no model here.
"""

from __future__ import annotations

LINE_REPEATS = 3
PERIOD_REPEATS = 3
MIN_PERIOD = 8
MAX_PERIOD = 200
MIN_LINE = 4  # shorter lines (`}`, `end`, `pass`) repeat in good code


def loop_start(text: str) -> int | None:
    """Offset where a repetition loop at the end of `text` begins, or None when there is none."""
    found = _repeated_line(text)
    period = _repeated_tail(text)
    if period is not None and (found is None or period < found):
        found = period
    return found


def _repeated_line(text: str) -> int | None:
    """Start of the second copy of a line that came LINE_REPEATS times in a row (blank lines between allowed)."""
    previous, run, second, offset = "", 0, 0, 0
    for line in text.split("\n")[:-1]:  # complete lines only
        key = line.strip()
        if key:
            if key == previous:
                run += 1
                second = offset if run == 2 else second
            else:
                previous, run = key, 1
            if run >= LINE_REPEATS and len(key) >= MIN_LINE:
                return second  # keep the first occurrence
        offset += len(line) + 1
    return None


def _repeated_tail(text: str) -> int | None:
    """Start of the second copy when the text ends in a unit repeated PERIOD_REPEATS times."""
    n = len(text)
    for period in range(MIN_PERIOD, min(MAX_PERIOD, n // PERIOD_REPEATS) + 1):
        unit = text[n - period :]
        if not unit.strip():
            continue
        if all(text[n - k * period : n - (k - 1) * period] == unit for k in range(2, PERIOD_REPEATS + 1)):
            return n - (PERIOD_REPEATS - 1) * period
    return None


class Repetition:
    """Fed the text piece by piece; `looping` turns true once the tail is a loop (checked cheaply)."""

    def __init__(self) -> None:
        self.text = ""
        self.start: int | None = None
        self._checked = 0

    def push(self, piece: str) -> bool:
        self.text += piece
        # Checking every token would be quadratic on long replies; every 16 characters is enough.
        if self.start is None and len(self.text) - self._checked >= 16:
            self._checked = len(self.text)
            self.start = loop_start(self.text[-4000:])
            if self.start is not None:
                self.start += max(0, len(self.text) - 4000)
        return self.start is not None

    @property
    def looping(self) -> bool:
        return self.start is not None
