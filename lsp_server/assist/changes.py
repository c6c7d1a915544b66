"""Text changes and findings: the plain values explain and fix pass around.

A `TextChange` replaces `text[start:end]` by `new_text` (character offsets
into the document as it was). A `Finding` is what the tools know about one
diagnostic: the problem in plain words, the facts they reported, and, when
the answer is mechanical and verified, the exact change that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsp_server import positions


@dataclass(frozen=True)
class TextChange:
    start: int  # offsets into the original text
    end: int
    new_text: str

    def apply(self, text: str) -> str:
        return text[: self.start] + self.new_text + text[self.end :]

    def trimmed(self, text: str) -> "TextChange":
        """The same change without the characters it keeps at either end (8 spaces -> 4: delete 4)."""
        old, new, head = text[self.start : self.end], self.new_text, 0
        while head < min(len(old), len(new)) and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < min(len(old), len(new)) - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
            tail += 1
        return TextChange(self.start + head, self.end - tail, new[head : len(new) - tail])


@dataclass(frozen=True)
class Finding:
    problem: str  # plain words: "The `def` header on line 7 is missing its closing `:`."
    facts: tuple[str, ...] = ()  # what a tool reported, e.g. "python: expected ':' (line 7)"
    change: TextChange | None = None  # the verified fix, when it is mechanical
    fix_title: str = ""  # the change in words: "add `:` at the end of line 7"
    needs_model: bool = False  # the fix needs judgement (a value to pass, a rewrite)


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def line_offset(text: str, line: int) -> int:
    """Offset of the start of 0-based `line` (clamped to the end of the text)."""
    start = positions.line_start(text, line)
    return len(text) if start < 0 else start


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def changed_lines(text: str, change: TextChange) -> tuple[int, int]:
    """(lines removed, lines added) by the change, counted as whole lines touched."""
    old = text[change.start : change.end]
    return old.count("\n"), change.new_text.count("\n")
