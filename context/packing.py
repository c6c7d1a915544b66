"""Turning definitions into snippets and packing snippets under a token budget.

A definition becomes a header snippet (signature, plus a short docstring),
an outline (a class header and its members' headers, gaps marked with a
`...` line), or its full body. `Packer` adds snippets in the order it is
given, skips what does not fit or repeats lines already held, and can
upgrade a header to its body in place when the budget allows.
"""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import replace
from typing import Callable

from context.snippet import Snippet
from context.syntax import CONTAINER_KINDS, Definition

MAX_OUTLINE_MEMBERS = 24
SHORT_OUTLINE_MEMBERS = 6
FIRST_CHOICE_SHARE = 0.25  # a definition's richer forms may take this share of the budget
MAX_CHARS_PER_TOKEN = 32  # code averages 3-4; no tokenizer's pieces average more than this over a snippet
MAX_RICH_TOKENS = 256  # and never more than this: a big budget is for more names, not one huge outline
MAX_BODY_LINES = 160
MAX_FULL_SMALL_LINES = 12
DOCSTRING_LINES = 8
ELISION = "..."
# Kinds shown by their header first; their bodies come later if the budget allows.
HEADER_KINDS = CONTAINER_KINDS | {"function", "method", "module"}
_DOC_OPEN = re.compile(r'^\s*[rbuRBU]?("""|\'\'\')')

TokenCounter = Callable[[str], int]
# The line ranges an outline really shows (its text elides the rest); weak so it never grows.
OUTLINE_SEGMENTS: "weakref.WeakKeyDictionary[Snippet, list[tuple[int, int]]]" = weakref.WeakKeyDictionary()


def approx_tokens(text: str) -> int:
    """The fallback token count: four characters a token."""
    return math.ceil(len(text) / 4)


def header_range(d: Definition, lines: list[str]) -> tuple[int, int]:
    """Header lines of `d` (1-based, inclusive), with a following short docstring."""
    end = max(d.header_end_line or d.start_line, d.start_line)
    if end < len(lines) and _DOC_OPEN.match(lines[end]):
        quote = _DOC_OPEN.match(lines[end]).group(1)
        for probe in range(end, min(end + DOCSTRING_LINES, d.end_line, len(lines))):
            body = lines[probe][lines[probe].find(quote) + 3:] if probe == end else lines[probe]
            if quote in body:
                return d.start_line, probe + 1
    return d.start_line, end


def _lines_text(lines: list[str], segments: list[tuple[int, int]]) -> str:
    out: list[str] = []
    previous_end = None
    for start, end in segments:
        if previous_end is not None and start > previous_end + 1:
            first = lines[start - 1]
            out.append(first[: len(first) - len(first.lstrip())] + ELISION)
        out.extend(lines[start - 1:end])
        previous_end = end
    return "\n".join(out)


def _merge(segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(segments):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def definition_snippets(rel: str, d: Definition, lines: list[str], members: list[Definition],
                        wanted_members: frozenset[str] = frozenset(), compact: bool = False) -> list[Snippet]:
    """Compact forms of `d`, largest first: outlines with fewer members, headers without docstrings.

    Classes become outlines (header and members' headers, gaps marked), functions
    their header, small constants and types their whole text. `compact` asks for
    the smallest form only.
    """
    if d.end_line > len(lines) or not _still_there(d, lines):
        return []  # the index is behind the file: its line numbers no longer hold
    header = header_range(d, lines)
    bare = (d.start_line, max(d.header_end_line, d.start_line))
    variants: list[list[tuple[int, int]]] = []
    if compact:
        members = []
    if d.kind in CONTAINER_KINDS and members:
        ordered = sorted(members, key=lambda m: (m.name not in wanted_members, m.start_line))
        for limit in (MAX_OUTLINE_MEMBERS, SHORT_OUTLINE_MEMBERS):
            chosen = [(m.start_line, max(m.header_end_line, m.start_line)) for m in ordered[:limit]]
            variants.append(_merge([header] + chosen))
    if d.end_line - d.start_line < MAX_FULL_SMALL_LINES and d.kind not in HEADER_KINDS and not compact:
        variants.append([(d.start_line, d.end_line)])
    variants += [[bare]] if compact else [[header], [bare]]
    if bare[1] > bare[0]:  # a header of many lines (type parameters, one per line): its name's line, last
        named = next((n for n in range(bare[0], bare[1] + 1) if d.name in lines[n - 1]), bare[0])
        variants.append([(named, named)])
    snippets = []
    for segments in dict.fromkeys(tuple(v) for v in variants):
        kind = "outline" if len(segments) > 1 else "definition"
        snippet = Snippet(rel, segments[0][0], segments[-1][1], kind, _lines_text(lines, list(segments)), d.name)
        OUTLINE_SEGMENTS[snippet] = list(segments)
        snippets.append(snippet)
    return snippets


def _still_there(d: Definition, lines: list[str]) -> bool:
    last = min(max(d.header_end_line, d.start_line), len(lines))
    return any(d.name in lines[i] for i in range(d.start_line - 1, last))


def body_snippet(rel: str, d: Definition, lines: list[str]) -> Snippet | None:
    if d.end_line > len(lines) or d.end_line - d.start_line + 1 > MAX_BODY_LINES:
        return None
    return Snippet(rel, d.start_line, d.end_line, "definition", _lines_text(lines, [(d.start_line, d.end_line)]), d.name)


class Packer:
    """Snippets in priority order under `budget` tokens; no snippet repeats another's lines."""

    def __init__(self, budget: int, count_tokens: TokenCounter) -> None:
        self.budget = budget
        self.count_tokens = count_tokens
        self.snippets: list[Snippet] = []
        self.shown: list[list[tuple[int, int]]] = []  # per snippet: the line ranges it shows
        self.used = 0
        self._by_file: dict[str, list[tuple[int, int]]] | None = {}

    def _ranges(self, rel: str) -> list[tuple[int, int]]:
        if self._by_file is None:
            self._by_file = {}
            for snippet, shown in zip(self.snippets, self.shown):
                self._by_file.setdefault(snippet.file, []).extend(shown)
        return self._by_file.get(rel, [])

    def covered(self, rel: str, start: int, end: int) -> bool:
        for a, b in self._ranges(rel):
            if a <= start and end <= b:
                return True
        return False

    def overlaps(self, rel: str, start: int, end: int) -> bool:
        for a, b in self._ranges(rel):
            if start <= b and a <= end:
                return True
        return False

    def _append(self, snippet: Snippet, position: int | None = None) -> None:
        shown = OUTLINE_SEGMENTS.get(snippet) or [(snippet.start_line, snippet.end_line)]
        if position is None:
            self.snippets.append(snippet)
            self.shown.append(shown)
            if self._by_file is not None:
                self._by_file.setdefault(snippet.file, []).extend(shown)
        else:
            self.snippets.insert(position, snippet)
            self.shown.insert(position, shown)
            self._by_file = None  # rebuilt on the next check

    def add(self, snippet: Snippet | None) -> bool:
        if snippet is None or self.covered(snippet.file, snippet.start_line, snippet.end_line):
            return False
        if len(snippet.text) > (self.budget - self.used) * MAX_CHARS_PER_TOKEN:
            return False  # cannot fit: do not tokenize a megabyte line (seconds) to learn that
        tokens = self.count_tokens(snippet.text)
        if self.used + tokens > self.budget:
            return False
        self._append(_with_tokens(snippet, tokens))
        self.used += tokens
        return True

    def add_first(self, variants: list[Snippet]) -> bool:
        """The first of `variants` (largest first) that fits; only the last may exceed a fair share."""
        cap = max(min(int(self.budget * FIRST_CHOICE_SHARE), MAX_RICH_TOKENS), 48)
        for position, snippet in enumerate(variants):
            if position < len(variants) - 1 and self.count_tokens(snippet.text) > cap:
                continue
            if self.covered(snippet.file, snippet.start_line, snippet.end_line):
                return False
            if self.add(snippet):
                return True
        return False

    def upgrade(self, body: Snippet | None) -> bool:
        """Put `body` where the first snippet it contains was, dropping every snippet it contains."""
        if body is None or self.covered(body.file, body.start_line, body.end_line):
            return False
        inside, straddling = [], False
        for i, (snippet, shown) in enumerate(zip(self.snippets, self.shown)):
            if snippet.file != body.file:
                continue
            hits = [body.start_line <= a and b <= body.end_line for a, b in shown
                    if a <= body.end_line and body.start_line <= b]
            if hits and all(hits) and len(hits) == len(shown):
                inside.append(i)
            elif hits:
                straddling = True  # e.g. a Go type's outline reaching its methods further down
        if straddling:
            return False
        if not inside:
            return self.add(body)
        tokens = self.count_tokens(body.text)
        freed = sum(self.snippets[i].tokens for i in inside)
        if self.used - freed + tokens > self.budget:
            return False
        position = inside[0]
        self.snippets = [s for i, s in enumerate(self.snippets) if i not in inside]
        self.shown = [s for i, s in enumerate(self.shown) if i not in inside]
        self._by_file = None
        self._append(_with_tokens(body, tokens), position)
        self.used = self.used - freed + tokens
        return True


def _with_tokens(snippet: Snippet, tokens: int) -> Snippet:
    counted = replace(snippet, tokens=tokens)
    if snippet in OUTLINE_SEGMENTS:
        OUTLINE_SEGMENTS[counted] = OUTLINE_SEGMENTS[snippet]
    return counted
