"""Which of the context's names the code around the cursor favours: extra bias per candidate.

Context-guided decoding (`guidance`) offers the model dozens of names the
retrieved snippets define; with one bias for all, the model takes whichever
begins with the piece it likes best, often not the one the line needs. Two
cheap signals rank them, as a reader would (issue 17, item 3). The **words
nearby**: a candidate whose subwords (`hash`, `query`, `key` of
`hashQueryKeyByOptions`) appear in the lines just above the cursor is the
likelier one, nearer lines counting more and subwords many candidates share
less; not a name the prefix already shows, which the model copies unaided
(the bias is for what it cannot see). And **what the cursor's expression
expects**: after `except `, `raise `, `new `, `-> `, `List[`, `[]` or `&`
(and `module.` after them) a type is written, so the names the snippets
define as types (`class`, `interface`, `struct`...) are preferred there.
And **how the code around writes them** (`context.usage`, counted by the
caller): a name the repository writes after the cursor's key
(`writer: AsyncWriter`) gets up to `USAGE_BIAS`, in proportion to the most
written one, less after a key many other names follow too. All only add
to the bias of names already offered; nothing is removed, and the model's
own strong preference still wins. Bounded: the last `LINES`
lines (at most `MAX_CHARS` characters) are read.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Iterable

from context import lookup

EVIDENCE_BIAS = 4.0  # logits for a candidate all of whose subwords are on the cursor's line
TYPE_BIAS = 4.0  # logits for a type where the cursor expects one
USAGE_BIAS = 3.0  # logits for the name the code around writes most after the cursor's key (bench/context_use.py)
SPECIFIC_SHARE = 0.25  # ... in full where it holds this share of all names written there; less after a generic key
LINES, MAX_CHARS = 8, 2_000
MAX_VISIBLE_CHARS = 8_000  # of the prefix searched for the names the model can already read
MAX_WORD_CHARS = 64  # a longer word nearby is no evidence (and stays out of the subwords cache)
_WORD = re.compile(r"[^\W\d][\w$]*")
_COMMON = frozenset("is to of by in on at as an the and or for get set has with from self this".split())
# Where a type name starts: after these, at the end of the cursor's line (what is typed of the name cut off).
_TYPE_SITE = re.compile(
    r"(?:\bexcept\s*\(?|\braise\s+|->\s*|\bnew\s+|\bextends\s+|\bimplements\s+|\binstanceof\s+"
    r"|\bisinstance\([^,()]{1,80},\s*\(?|\b(?:[A-Z]\w*|list|dict|set|tuple|type)\["
    r"|\[\]\*?|\bmap\[[^\]]{1,80}\]\*?|&|\bchan\s+)(?:[^\W\d][\w$]*\.){0,3}$")  # `except errors.`, `&pkg.`


def preferences(names: Iterable[str], prefix: str, types: Iterable[str] = (), usage: Iterable = (),
                usage_total: int = 0) -> dict[str, float]:
    """Extra bias per name (absent: none) from the lines above the cursor, what its spot expects and
    `usage`'s (name, count) pairs, of `usage_total` names written after the cursor's key in all."""
    names = [name for name in names if isinstance(name, str)]
    if not names:
        return {}
    text = prefix[-MAX_CHARS:]
    lines = text.split("\n")[-LINES:]
    cursor_line = lines[-1]
    before = cursor_line[: re.search(r"[\w$]*$", cursor_line).start()]  # the name's typed part cut off
    type_site = _TYPE_SITE.search(before[-200:]) is not None  # what decides is next to the cursor
    near = _nearness(lines[:-1] + [before])
    visible = set(_WORD.findall(prefix[-MAX_VISIBLE_CHARS:]))
    parts = {name: subwords(name) for name in names}
    shared: dict[str, int] = {}
    for words in parts.values():
        for word in words:
            shared[word] = shared.get(word, 0) + 1
    types = frozenset(types) if type_site else frozenset()
    written = _usage_share(usage, parts, usage_total)
    extra = {}
    for name, words in parts.items():
        bonus = (TYPE_BIAS if name in types else 0.0) + USAGE_BIAS * written.get(name, 0.0)
        if words and name not in visible:  # a name the model can read it can copy unaided
            weights = {word: 1 / math.sqrt(shared[word]) for word in words}
            bonus += EVIDENCE_BIAS * sum(w * near.get(word, 0.0) for word, w in weights.items()) / sum(weights.values())
        if bonus:
            extra[name] = bonus
    return extra


def _usage_share(usage: Iterable, names: dict, total: int = 0) -> dict[str, float]:
    """Each offered name's count over the largest offered one's, scaled down where that one holds less
    than `SPECIFIC_SHARE` of the `total` names written after the key (`if `, `return `: little evidence)."""
    counts = {}
    for pair in usage:
        if isinstance(pair, tuple) and len(pair) == 2 and pair[0] in names and isinstance(pair[1], int) and pair[1] > 0:
            counts[pair[0]] = pair[1]
    top = max(counts.values(), default=0)
    generic = SPECIFIC_SHARE > 0 and isinstance(total, int) and total > top
    specific = min(1.0, top / (SPECIFIC_SHARE * total)) if generic else 1.0
    return {name: specific * count / top for name, count in counts.items()}


@functools.lru_cache(maxsize=4096)  # the same names and nearby words come back keystroke after keystroke
def subwords(name: str) -> frozenset[str]:
    """`hashQueryKeyByOptions` -> hash, query, key, option: lower case, plural `s` dropped, filler words out."""
    words = set()
    for word in lookup.subwords.__wrapped__(name):  # retrieval's split, not its cache: this one keeps the result
        if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        if len(word) > 1 and word not in _COMMON:
            words.add(word)
    return frozenset(words)


def _nearness(lines: list[str]) -> dict[str, float]:
    """Each subword of the lines' identifiers: 1 on the cursor's line, less the further up it last appears."""
    near: dict[str, float] = {}
    for distance, line in enumerate(reversed(lines)):
        for word in _WORD.findall(line):
            for part in subwords(word) if len(word) <= MAX_WORD_CHARS else ():
                near.setdefault(part, 1 / (1 + 0.5 * distance))
    return near
