"""A plain-string reference for LSP positions and edits, to check the server's document against.

Written from the specification, not from the server's code: lines end at
`\\n`, `\\r\\n` or `\\r` and nowhere else; a character is a UTF-16 code unit;
a column past the end of its line means the end of the line, a line past
the last one means the end of the document; a column inside a surrogate
pair rounds down to before the pair. Offsets are indexes into the Python
string. Texts are kept as the server receives them: JSON turns an escaped
surrogate pair (`"\\ud800\\udc00"`) into one character, so the reference does too.
"""

from __future__ import annotations

import json
import random
import re

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def as_received(text: str) -> str:
    """`text` after a JSON round trip: what the server's string holds (lone surrogates stay)."""
    return json.loads(json.dumps(text))


class Document:
    def __init__(self, text: str) -> None:
        self.text = as_received(text)
        self.version = 1

    def line_starts(self) -> list[int]:
        return [0] + [match.end() for match in LINE_BREAK.finditer(self.text)]

    def _line_end(self, starts: list[int], line: int) -> int:
        """Where line `line`'s content ends (before its line break)."""
        if line + 1 < len(starts):
            end = starts[line + 1]
            return end - 2 if self.text[end - 2:end] == "\r\n" else end - 1
        return len(self.text)

    def offset(self, position: dict) -> int:
        starts = self.line_starts()
        line, character = position["line"], position["character"]
        if line >= len(starts):
            return len(self.text)
        index, end, units = starts[line], self._line_end(starts, line), 0
        while index < end:
            width = 2 if ord(self.text[index]) > 0xFFFF else 1
            if units + width > character:
                break
            units += width
            index += 1
        return index

    def apply(self, start: dict, end: dict, text: str) -> None:
        first, last = self.offset(start), self.offset(end)
        self.text = self.text[:first] + as_received(text) + self.text[max(first, last):]

    def order(self, position: dict) -> int:
        return self.offset(position)

    def random_position(self, rng: random.Random, past_end: bool = False) -> dict:
        """A position in the document (UTF-16 units); with past_end, beyond its line or last line."""
        starts = self.line_starts()
        line = rng.randrange(len(starts))
        start, end = starts[line], self._line_end(starts, line)
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in self.text[start:end])
        if past_end:
            if rng.random() < 0.5:
                return {"line": line, "character": units + rng.randrange(1, 20)}
            return {"line": len(starts) + rng.randrange(0, 5), "character": rng.randrange(0, 5)}
        return {"line": line, "character": rng.randrange(units + 1)}
