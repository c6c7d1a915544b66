"""What tree-sitter knows about a syntax error, in every language the index parses.

An error-tolerant parse marks the problem: a MISSING node is a token the
grammar expected and did not find (a `;`, a `)`, a `}`), inserted at its
place; an ERROR node wraps text that fits nowhere. The nearest such node to
the diagnostic becomes a Finding: "`;` is missing after ..." with the exact
insertion, or "unexpected `...`" with, for a short stray token, its removal.
A candidate is offered only if the parse then has fewer errors.
"""

from __future__ import annotations

import re

from lsp_server.assist.changes import Finding, TextChange, line_of
from lsp_server.assist.verify import check

EXPECTED = re.compile(r"['\"`]([^'\"`\s\w]{1,3})['\"`] expected|expected ['\"`]([^'\"`\s\w]{1,3})['\"`]", re.I)
MAX_DISTANCE_LINES = 3
MAX_FINDING_CHARS = 1_000_000  # as the index: a 2 MB document's parse took 6 s of a request (fuzz 3418)
MAX_STRAY_CHARS = 3  # removing more than a stray token is a judgement, not a mechanical fix


def error_nodes(language: str, text: str):
    """(kind, start, end, token) of each MISSING/ERROR node, in character offsets."""
    from context.syntax import encode, parse

    tree = parse(language, text)
    if not tree.root_node.has_error:
        return []
    source, found, stack = encode(text), [], [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_missing:
            found.append(("missing", node.start_byte, node.end_byte, node.type))
        elif node.is_error:
            found.append(("error", node.start_byte, node.end_byte, ""))
        if node.has_error and not node.is_missing:
            stack.extend(reversed(node.children))
    if text.isascii():
        return found
    chars = _chars(source, [offset for _, start, end, _ in found for offset in (start, end)])
    return [(kind, chars[start], chars[end], token) for kind, start, end, token in found]


def _chars(source: bytes, offsets: list[int]) -> dict[int, int]:
    """Code-point offsets of byte offsets in one pass: decoding the prefix for each of a binary
    file's thousands of ERROR nodes was quadratic (minutes, the GIL held, for a 1 MB document)."""
    table, byte, char = {}, 0, 0
    for offset in sorted(set(offsets)):
        char += len(source[byte:offset].decode("utf-8", "surrogatepass"))
        table[offset], byte = char, offset
    return table


def _near(text: str, offset: int, nodes: list) -> list:
    """The nodes within MAX_DISTANCE_LINES lines of `offset` (line_of per node was quadratic)."""
    low = offset
    for _ in range(MAX_DISTANCE_LINES + 1):
        low = text.rfind("\n", 0, low) if low > 0 else -1
        if low < 0:
            break
    high = offset - 1
    for _ in range(MAX_DISTANCE_LINES + 1):
        high = text.find("\n", high + 1)
        if high < 0:
            high = len(text)
            break
    return [n for n in nodes if low + 1 <= n[1] <= high]


def finding(language: str, text: str, offset: int, message: str = "") -> Finding | None:
    """The parse error nearest `offset` as a Finding, or None when the parse there is clean
    (or the text is too big to parse on a request: then the model explains it alone)."""
    if len(text) > MAX_FINDING_CHARS:
        return None
    try:
        nodes = error_nodes(language, text)
    except Exception:  # no grammar for it
        return None
    expected = EXPECTED.search(message)
    if expected and nodes:
        found = _expected_token(language, text, offset, expected.group(1) or expected.group(2))
        if found is not None:
            return found
    line = line_of(text, offset)
    near = _near(text, offset, nodes)
    if not near:
        return None
    # MISSING nodes carry the answer; prefer them, then the closest.
    kind, start, end, token = min(near, key=lambda n: (n[0] != "missing", abs(n[1] - offset)))
    number = line_of(text, start) + 1
    fact = f"tree-sitter ({language}): {'MISSING ' + repr(token) if kind == 'missing' else 'ERROR'} at line {number}"
    if kind == "missing":
        what = f"an expression ({token.replace('_', ' ')})" if token.isidentifier() else f"`{token}`"
        problem = f"{what[:1].upper()}{what[1:]} is missing on line {number}" + _after(text, start) + "."
        change = TextChange(start, start, token) if not token.isidentifier() else None
        title = f"add `{token}` on line {number}"
    else:
        stray = text[start:end]
        shown = stray.strip().splitlines()[0][:40] if stray.strip() else stray
        problem = f"The parser cannot fit `{shown}` on line {number} into the code around it."
        # Only stray punctuation is removed mechanically; dropping a word or a value is a judgement.
        punctuation = stray.strip() and not any(ch.isalnum() or ch == "_" for ch in stray)
        change = TextChange(start, end, "") if punctuation and len(stray.strip()) <= MAX_STRAY_CHARS else None
        title = f"remove the stray `{stray.strip()}` on line {number}"
    if change is not None and check(text, language, change, syntax=True).ok:
        return Finding(problem, (fact,), change, title)
    return Finding(problem, (fact,), None, "", needs_model=True)


def _expected_token(language: str, text: str, offset: int, token: str) -> Finding | None:
    """The tool said which token it expected: insert it at the diagnostic, or right after the code before it."""
    number = line_of(text, offset) + 1
    before = len(text[:offset].rstrip(" \t"))
    for at in dict.fromkeys((before, offset)):
        change = TextChange(at, at, token)
        if check(text, language, change, syntax=True).ok:
            return Finding(f"A `{token}` is expected on line {number}" + _after(text, at) + ".",
                           (f"the diagnostic asks for `{token}`; tree-sitter ({language}) parses the file with it",),
                           change, f"add `{token}` on line {number}")
    return None


def _after(text: str, offset: int) -> str:
    before = text[max(0, offset - 30) : offset].rstrip().split("\n")[-1].strip()
    return f", after `{before[-20:]}`" if before else ""
