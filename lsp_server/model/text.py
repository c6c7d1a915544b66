"""Text hygiene at the model boundary: what goes in is valid UTF-8, what comes out is whole characters.

Editors send UTF-16 offsets, so a cursor can sit between the two halves of a
surrogate pair, and files on disk need not be UTF-8. `clean` makes any input
encodable (a lone surrogate or an undecodable byte becomes U+FFFD). Tokens,
on the other hand, can end in the middle of a multi-byte character;
`TextStream` decodes token bytes incrementally, holds back an unfinished
character and any text that might be the start of a stop string, and reports
when a stop string is complete. `tokenizer_pieces` is the one gate in front
of llama.cpp's tokenizer: its pre-tokenizer regexes recurse once a character,
so one match of about 30,000 letters (or punctuation, or CJK) overflows the
stack and kills the process; no piece handed to it has a line longer than
`MAX_TOKENIZER_LINE`. A model server tokenizes what it is sent in one piece,
so text for one has such lines shortened instead (`shorten_long_lines`).
"""

from __future__ import annotations

import codecs
import re

# Far below the ~20,000-character runs that still tokenize and the ~30,000 that crash
# (DeepSeek-Coder's pre-tokenizer; measured on fixtures/models/deepseek-tiny.gguf).
MAX_TOKENIZER_LINE = 4096
_WORD_EDGE = re.compile(r"\b")


def clean(text: str | bytes) -> str:
    """`text` as a string that encodes to valid UTF-8 (U+FFFD for lone surrogates and bad bytes)."""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", errors="replace")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # Round-trip through UTF-16 joins valid surrogate pairs and replaces lone halves.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def tokenizer_pieces(text: str, limit: int = MAX_TOKENIZER_LINE) -> list[str]:
    """`text` as consecutive pieces (joined, they are `text`) whose lines are at most `limit` characters.

    Text without such a line comes back whole, so ordinary code tokenizes exactly as
    before. A long line is cut at its last whitespace, else its last change between
    a letter or digit and anything else, in the second half of each `limit` stretch,
    else at `limit`: a regex match never spans a cut, so no match is longer than `limit`.
    """
    if len(text) <= limit or max(map(len, text.split("\n"))) <= limit:
        return [text]
    pieces: list[str] = []
    start = line_start = 0
    while line_start < len(text):
        newline = text.find("\n", line_start)
        line_end = len(text) if newline < 0 else newline
        while line_end - line_start > limit:
            cut = _cut_point(text, line_start, line_start + limit)
            pieces.append(text[start:cut])
            start = line_start = cut
        line_start = line_end + 1
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def shorten_long_lines(text: str, limit: int = MAX_TOKENIZER_LINE) -> str:
    """`text` with each line over `limit` characters cut to its head and tail, joined by " … "."""
    if len(text) <= limit or max(map(len, text.split("\n"))) <= limit:
        return text
    keep = limit // 2 - 2
    return "\n".join(line if len(line) <= limit else f"{line[:keep]} … {line[-keep:]}" for line in text.split("\n"))


def _cut_point(text: str, start: int, end: int) -> int:
    """A cut in `text[start:end]`'s second half: after whitespace, else at a word boundary, else `end`."""
    floor = start + (end - start) // 2
    space = max(text.rfind(" ", floor, end), text.rfind("\t", floor, end), text.rfind("\r", floor, end))
    if space >= 0:
        return space + 1
    last = None
    for last in _WORD_EDGE.finditer(text, floor + 1, end):
        pass
    return last.start() if last is not None else end


class TextStream:
    """Accumulate token bytes; `push` returns newly safe text, and `stopped` says a stop string arrived."""

    def __init__(self, stop: tuple[str, ...] = ()) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._stop = tuple(s for s in stop if s)
        self._text = ""  # everything decoded so far, up to a stop string
        self._emitted = 0  # characters of _text already returned by push
        self.stopped = False

    def push(self, data: bytes) -> str:
        if self.stopped:
            return ""
        self._text += self._decoder.decode(data)
        cut = self._find_stop()
        if cut is not None:
            self._text, self.stopped = self._text[:cut], True
            return self._take(len(self._text))
        return self._take(len(self._text) - self._held_back())

    def finish(self) -> str:
        """The rest of the text, once generation ended (an unfinished character becomes U+FFFD)."""
        if not self.stopped:
            self._text += self._decoder.decode(b"", final=True)
            cut = self._find_stop()
            if cut is not None:
                self._text, self.stopped = self._text[:cut], True
        return self._take(len(self._text))

    @property
    def text(self) -> str:
        return self._text

    def _find_stop(self) -> int | None:
        hits = [i for i in (self._text.find(s, max(0, self._emitted - len(s))) for s in self._stop) if i >= 0]
        return min(hits) if hits else None

    def _held_back(self) -> int:
        """Length of the longest tail of the text that is a proper prefix of a stop string."""
        longest = 0
        for stop in self._stop:
            for n in range(min(len(stop) - 1, len(self._text)), longest, -1):
                if self._text.endswith(stop[:n]):
                    longest = n
                    break
        return longest

    def _take(self, end: int) -> str:
        end = max(end, self._emitted)
        piece, self._emitted = self._text[self._emitted : end], end
        return piece
