"""The unit of repository context: a span of lines from one file.

Retrieval returns snippets, prompt formats place them before the file being
completed, and the `context` CLI prints them; they are plain frozen data so
that every layer can share them without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snippet:
    """Lines `start_line..end_line` (1-based, inclusive) of `file`.

    `file` is relative to the workspace root with `/` separators. `text` is
    those lines, with any elision inside marked by a line holding `...`.
    `kind` is "definition", "outline" or "similar"; `symbol` names what a
    definition snippet defines, when it defines one thing.
    """

    file: str
    start_line: int
    end_line: int
    kind: str
    text: str
    symbol: str = ""
    tokens: int = 0
