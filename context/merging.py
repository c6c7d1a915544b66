"""One snippet per file for the header lines retrieval guessed.

Guesses (names the code in view does not use yet) are shown one header line
each, and a file importing fifty names can yield dozens of them: each is cheap,
but as separate snippets they crowd the prompt with file headers. Here the
guessed snippets of one file merge into one, in line order, gaps marked with the
elision line, placed where the first of them was; what the code in view
asked for (bodies, outlines) stays as it is.
"""

from __future__ import annotations

from context.packing import OUTLINE_SEGMENTS, Packer, _lines_text, _merge, _with_tokens
from context.snippet import Snippet

SMALL_SNIPPET_LINES = 3


def merge_small_snippets(packer: Packer, lines_of, guessed, max_snippets: int) -> None:
    """Rewrite `packer`'s snippets so each file's `guessed` ones become one, keeping the best `max_snippets`;
    `lines_of(rel)` gives a file's lines."""
    groups: dict[str, list[int]] = {}
    for position, snippet in enumerate(packer.snippets):
        if snippet in guessed and snippet.end_line - snippet.start_line < SMALL_SNIPPET_LINES:
            groups.setdefault(snippet.file, []).append(position)
    merged_at: dict[int, Snippet] = {}
    dropped: set[int] = set()
    for rel, positions in groups.items():
        lines = lines_of(rel)
        if len(positions) < 2 or lines is None:
            continue
        segments = _merge([segment for p in positions for segment in packer.shown[p]])
        text = _lines_text(lines, segments)
        snippet = Snippet(rel, segments[0][0], segments[-1][1], "outline", text)
        OUTLINE_SEGMENTS[snippet] = segments
        tokens = packer.count_tokens(text)
        freed = sum(packer.snippets[p].tokens for p in positions)
        packer.used += tokens - freed  # the elision lines may go over: the last snippets make room below
        merged_at[positions[0]] = _with_tokens(snippet, tokens)
        dropped.update(positions[1:])
    snippets, shown = [], []
    for position, snippet in enumerate(packer.snippets):
        if position in dropped:
            continue
        replacement = merged_at.get(position)
        snippets.append(replacement or snippet)
        shown.append(OUTLINE_SEGMENTS[replacement] if replacement else packer.shown[position])
    while len(snippets) > max_snippets or (packer.used > packer.budget and len(snippets) > 1):  # the lowest-ranked snippets go first
        packer.used -= snippets.pop().tokens
        shown.pop()
    packer.snippets, packer.shown = snippets, shown
    packer._by_file = None  # rebuilt on the next overlap check
