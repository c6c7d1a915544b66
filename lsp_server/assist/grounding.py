"""What the tools already know about a diagnostic, before any model is asked.

`ground` tries, in order: the name checks (`names`: did you mean, missing
import, missing argument) when the message is about a name; Python's own
compiler for Python files (`python_syntax`); tree-sitter's MISSING/ERROR
nodes for every other language the index parses (`tree_syntax`). The
result is a `Finding` (the problem in plain words, the facts, and a verified
change when the fix is mechanical) or None when the tools know nothing.
`line_facts` adds what the repository index knows about the names on the
error line (their signatures), for the model's prompt.
"""

from __future__ import annotations

import re

from lsp_server.assist import index_facts, names, python_syntax, tree_syntax
from lsp_server.assist.changes import Finding, line_end, line_of, line_start
from lsp_server.assist.verify import check, compilable, is_python

MAX_LINE_FACTS = 3


def ground(text: str, language: str | None, message: str, offset: int, *, index=None, rel: str = "") -> Finding | None:
    """The tools' answer for the diagnostic `message` at `offset` of `text`, or None."""
    try:
        found = names.finding(text, language, message, offset, index, rel)
        if found is not None and found.change is not None and not check(text, language, found.change, syntax=False).ok:
            found = Finding(found.problem, found.facts, needs_model=True)  # the edit would break the file
        if found is not None:
            return found
        if is_python(language) and compilable(text):
            return python_syntax.finding(text, line_of(text, offset))
        if language:
            return tree_syntax.finding(language, text, offset, message)
    except Exception:  # grounding is a helper: the model path still runs without it
        import logging

        logging.getLogger(__name__).exception("grounding failed")
    return None


def is_syntax(message: str, finding: Finding | None) -> bool:
    """Whether the diagnostic is a parse/compile error (then the fix must remove it)."""
    if finding is not None and any(f.startswith(("Python's compiler", "tree-sitter")) for f in finding.facts):
        return True
    return bool(re.search(r"syntax|expected|unexpected|indent|never closed|unmatched|unterminated", message, re.I))


def line_facts(text: str, language: str | None, offset: int, index=None) -> tuple[str, ...]:
    """Signatures of the functions called on the error line, from the file and the index."""
    line = text[line_start(text, offset) : line_end(text, offset)]
    facts = []
    for name in dict.fromkeys(re.findall(r"([A-Za-z_]\w*)\s*\(", line)):
        if len(facts) >= MAX_LINE_FACTS:
            break
        signature = index_facts.signature_of(index, name, text, language)
        if signature:
            facts.append(f"`{name}` is defined as: {signature}")
    return tuple(facts)
