"""The typing script every latency benchmark replays, and the document it edits.

`typing_script()` turns the code a user writes into timed keystrokes the way
a person types it: about 100 ms a key with some spread, an auto-indent after
each newline (one edit, as editors insert it), a few typos corrected with
backspace, and a pause at the end of each line (0.7-1.5 s; 2.5-4 s after a
block opener, where a whole body is offered) and after some punctuation. The script is deterministic (a fixed seed),
so our server, llama.cpp's server and the engine floor all see the same
edits at the same times. `Document` applies them and converts offsets to LSP
positions (UTF-16 code units).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parent / "workspace"
TARGET_FILE = WORKSPACE / "inventory" / "report.py"
ANCHOR = "    return [line for line in warehouse.items() if line.needs_reorder()]\n\n\n"

# What the user writes between `reorder_list` and `print_report` in report.py.
TYPED_CODE = '''def summarize_stock(warehouse: Warehouse, discount_percent: float = 0) -> dict[str, int]:
    """Stock value per category, after the discount and the regional tax."""
    totals: dict[str, int] = {}
    for line in warehouse.items():
        price = apply_discount(line.item.price_cents, discount_percent)
        value = price * line.quantity
        value += tax_cents(warehouse.region, value)
        category = line.item.category
        totals[category] = totals.get(category, 0) + value
    return totals
'''
QUICK_LINES = 3  # --quick types the first lines only
NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


@dataclass(frozen=True)
class Keystroke:
    at_ms: float  # when the key lands, from the start of the replay
    offset: int  # character offset of the edit in the document before it
    delete: int  # characters removed at `offset` (backspace: 1)
    insert: str  # text inserted at `offset`
    pause_ms: float  # time until the next key (the user's idle time after this one)

    @property
    def cursor(self) -> int:
        return self.offset + len(self.insert)


def initial_text() -> tuple[str, int]:
    """The file as opened (without the function to type) and the offset where typing starts."""
    original = TARGET_FILE.read_text()
    start = original.index(ANCHOR) + len(ANCHOR)
    return original[:start] + "\n\n\n" + original[start:], start


def typing_script(quick: bool = False, seed: int = 7) -> list[Keystroke]:
    """Timed keystrokes that type TYPED_CODE at the start offset of `initial_text()`."""
    rng = random.Random(seed)
    _, offset = initial_text()
    lines = TYPED_CODE.splitlines()[: QUICK_LINES if quick else None]
    events: list[tuple[float, int, int, str]] = []  # (gap before, offset, delete, insert)
    for number, line in enumerate(lines):
        body = line.lstrip(" ")
        if number:  # Enter, with the editor's auto-indent in the same edit
            indent = line[: len(line) - len(body)]
            # a pause to read the suggestion; longer after a block opener, where a whole body is offered
            thinking = rng.uniform(2500, 4000) if lines[number - 1].endswith(":") else rng.uniform(700, 1500)
            events.append((thinking, offset, 0, "\n" + indent))
            offset += 1 + len(indent)
        for position, char in enumerate(body):
            gap = rng.uniform(60, 140) + (rng.uniform(200, 500) if char in "(=:," and rng.random() < 0.4 else 0)
            if position > 2 and char.isalpha() and rng.random() < 0.04:
                events.append((gap, offset, 0, rng.choice(NEIGHBOURS)))
                events.append((rng.uniform(150, 300), offset, 1, ""))
                gap = rng.uniform(80, 160)
            events.append((gap, offset, 0, char))
            offset += 1
    return _timed(events)


def _timed(events: list[tuple[float, int, int, str]]) -> list[Keystroke]:
    times, now = [], 0.0
    for gap, *_ in events:
        times.append(now)
        now += gap
    keys = []
    for index, (_, offset, delete, insert) in enumerate(events):
        following = times[index + 1] - times[index] if index + 1 < len(events) else 2000.0
        keys.append(Keystroke(times[index], offset, delete, insert, following))
    return keys


class Document:
    """A text with LSP-position conversion; edits are applied in order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.version = 1

    def position(self, offset: int) -> dict:
        before = self.text[:offset]
        line = before.count("\n")
        column = before[before.rfind("\n") + 1 :]
        return {"line": line, "character": len(column.encode("utf-16-le")) // 2}

    def apply(self, key: Keystroke) -> dict:
        """Apply one keystroke; return the LSP content change for it."""
        change = {
            "range": {"start": self.position(key.offset), "end": self.position(key.offset + key.delete)},
            "text": key.insert,
        }
        self.text = self.text[: key.offset] + key.insert + self.text[key.offset + key.delete :]
        self.version += 1
        return change

    def split(self, offset: int, prefix_lines: int = 256, suffix_lines: int = 64) -> tuple[str, str, str]:
        """(lines before the cursor line, cursor line up to the cursor, rest of the line and lines after)."""
        line_start = self.text.rfind("\n", 0, offset) + 1
        before = self.text[:line_start].splitlines(keepends=True)[-prefix_lines:]
        after = self.text[offset:].splitlines(keepends=True)[: suffix_lines + 1]
        return "".join(before), self.text[line_start:offset], "".join(after)
