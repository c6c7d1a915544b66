"""Context-guided decoding: nudge the model toward identifiers its repository context defines.

A small model seldom copies a name from context thousands of tokens above
the cursor, even when the right definition is there (issue 17, item 7). As
monitor-guided decoding does (Agrawal et al., NeurIPS 2023), the decoder is
told which identifiers are legal here: `context_names` lists the names the
snippets define (best-ranked snippet first, and the `symbol` retrieval named
first of all); `identifier_site` says whether the cursor stands where an
identifier starts (after `.`, `(`, `=`, whitespace..., or inside a partly
typed one, outside strings and comments on its line); `Guide` then adds a
bias to the logits of the tokens that spell the next bytes of some candidate,
and follows it token by token while the generation stays on a candidate's
path. It stops once the identifier is complete or the model leaves every
path, so only the identifier is ever steered. Soft, not a mask: a strong
enough preference of the model (a keyword, a literal, a name in the file)
still wins. Matching is by bytes against vocabulary pieces (`PieceIndex`),
like token healing, so a healed prompt's cut bytes are simply the head of
every candidate. Inputs are bounded: at most `MAX_NAMES` names of at most
`MAX_NAME_BYTES` bytes, so the per-token cost is a few dictionary look-ups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from lsp_server.model.healing import PieceIndex

MAX_NAMES = 48  # candidates per request: beyond the best few dozen the bias only adds noise
MAX_NAME_BYTES = 64
MAX_SCAN_CHARS = 20_000  # of snippet text read for names, per request
BIAS = 6.0  # logits added to a candidate's next token (tuned on bench/context_use.py's dev set)
_WORD = re.compile(r"[^\W\d]\w*")
_TYPED = re.compile(r"[^\W\d]\w*$")
# Names a snippet defines: after a definition keyword, or first on a line before `=`, `:` or `(`
# (assignments, fields, methods of an outline). Other languages' keywords cost nothing here.
_DEFINED = re.compile(
    r"\b(?:def|class|func|function|type|interface|enum|struct|const|let|var|trait|fn|module)\s+"
    r"(?:\([^)]*\)\s*)?([^\W\d]\w*)"
    r"|^[ \t]*(?:(?:export|public|private|protected|static|readonly|async|abstract|declare|default)\s+)*"
    r"([^\W\d]\w*)\s*(?:[?!]?\s*[:=(<]|,)", re.M)
_KEYWORDS = frozenset("if elif else for while return import from as with try except finally raise pass "
                      "break continue and or not in is lambda yield await async case switch default "
                      "package go defer select range new delete typeof instanceof this self super "
                      "true false True False None nil null undefined".split())


def context_names(snippets: Iterable, limit: int = MAX_NAMES) -> tuple[str, ...]:
    """Identifiers the snippets define, best snippet first (its `symbol` before the rest), bounded."""
    snippets = list(snippets)
    names: dict[str, None] = {}
    for snippet in snippets:
        symbol = getattr(snippet, "symbol", "")
        if symbol and _WORD.fullmatch(symbol) and symbol not in _KEYWORDS:
            names.setdefault(symbol)
    scanned = 0
    for snippet in snippets:
        text = str(getattr(snippet, "text", ""))[: MAX_SCAN_CHARS - scanned]
        scanned += len(text)
        for match in _DEFINED.finditer(text):
            name = match.group(1) or match.group(2)
            if name not in _KEYWORDS and len(name.encode("utf-8")) <= MAX_NAME_BYTES:
                names.setdefault(name)
        if scanned >= MAX_SCAN_CHARS:
            break
    return tuple(names)[:limit]


def identifier_site(prefix: str) -> str | None:
    """The identifier typed so far ("" at a fresh start) when the cursor stands where an identifier
    starts or continues, else None (inside a string or comment, after a digit, a quote...)."""
    line = prefix[prefix.rfind("\n") + 1:][-400:]  # bounded: only the cursor's line decides
    typed = _TYPED.search(line)
    head = line[: typed.start()] if typed else line
    if head and (head[-1].isalnum() or head[-1] in "_\"'`$@#\\)]}"):
        return None
    quotes = head.replace("\\\\", "").replace("\\\"", "").replace("\\'", "")
    if quotes.count('"') % 2 or quotes.count("'") % 2 or quotes.count("`") % 2:
        return None
    if "#" in head or "//" in head or "/*" in head:  # a comment (or a string holding one: no loss)
        return None
    return typed.group(0) if typed else ""


def guide_for(prefix: str, removed: bytes, names: Iterable[str], index: PieceIndex,
              bias: float | None = None) -> "Guide | None":
    """The `Guide` for a prompt whose text ends with `prefix` minus the `removed` bytes token healing
    cut off (the model retypes them first); None when the cursor is no identifier site or no name fits."""
    names, bias = list(names)[:MAX_NAMES], BIAS if bias is None else bias
    typed = identifier_site(prefix) if names and bias > 0 else None
    if typed is None:
        return None
    targets: dict[bytes, None] = {}
    for name in names:
        if not isinstance(name, str) or not name.startswith(typed) or name == typed:
            continue
        data = name.encode("utf-8")
        if len(data) <= MAX_NAME_BYTES:
            targets.setdefault(removed + data[len(typed.encode("utf-8")):])
    return Guide(tuple(targets), index, bias) if targets else None


@dataclass
class Guide:
    """Byte strings the generation may spell next (`targets`), and how far it has spelled them."""

    targets: tuple[bytes, ...]
    index: PieceIndex
    bias: float
    done: bytes = b""
    active: bool = True
    _boosted: dict[bytes, np.ndarray] = field(default_factory=dict)

    def boosted(self) -> np.ndarray:
        """Token ids whose piece is a non-empty prefix of what some live target still needs."""
        if self.done not in self._boosted:
            ids: set[int] = set()
            for target in self.targets:
                if target.startswith(self.done) and len(target) > len(self.done):
                    ids.update(self.index.prefixes_of(target[len(self.done):]))
            self._boosted = {self.done: np.fromiter(sorted(ids), dtype=np.int64, count=len(ids))}
        return self._boosted[self.done]

    def pick(self, logits: np.ndarray, chosen: int) -> int:
        """The greedy choice: the best boosted token if its logit plus the bias beats `chosen`'s."""
        ids = self.boosted()
        if not len(ids):
            return chosen
        best = int(ids[int(logits[ids].argmax())])
        return best if logits[best] + self.bias > logits[chosen] else chosen

    def boost(self, logits: np.ndarray) -> None:
        """Add the bias in place (for a sampler that reads the logits after this)."""
        ids = self.boosted()
        logits[ids] += self.bias

    def advance(self, piece: bytes) -> None:
        """Follow the chosen token: stay while some target continues it, stop once one is complete."""
        self.done += piece
        live = False
        for target in self.targets:
            if self.done.startswith(target):  # a whole candidate spelled: the identifier is complete
                self.active = False
                return
            live = live or target.startswith(self.done)
        self.active = live
