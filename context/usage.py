"""How the code around writes each name after the words the cursor follows: usage counts for name ranking.

Guided decoding (`lsp_server.model.guidance`) offers the names the context
defines, and the model often takes the wrong one; which one the line needs is
told by how the repository writes them: `self.writer: AsyncWriter`,
`dict_class=CaseInsensitiveDict`, `logger := New()`, `token.FLOAT` (issue 17,
item 3: how often each member is used elsewhere). `usage_key` reduces the
text before the cursor (the name's typed part cut off) to its last word and
the punctuation after it (`writer:`, `dict_class=`, `token.`, `case*`; ""
at an indent alone: no evidence), and `UsageCounts.counts` says how often
each candidate follows that key in the given texts: the open document, the
snippets' files and the files of its folder (a Go package, a Python
package), chosen by the caller. The key begins with a literal, so a text
costs one fast regex scan, each hit checked by `usage_key` itself (what is
counted is what the cursor's key would be); a file's counts are kept per key
and text in a bounded cache, and the key stays the same while a name is
typed, so a keystroke costs a dictionary look-up per file.
"""

from __future__ import annotations

import posixpath
import re
import threading
from collections import Counter, OrderedDict
from typing import Iterable

NAME = r"(?:[^\W\d]|\$)[\w$]*"
MAX_KEY_CHARS = 80  # of the cursor's line read back for the key
MAX_NAME_CHARS = 200  # of a name's typed part cut off before the key
MAX_TEXT_CHARS = 400_000  # of one text scanned (a hostile megabyte of `+` costs 20 ms)
MAX_HITS = 4_000  # occurrences of the key checked per text: the first few thousand say enough
CACHE_ENTRIES = 512  # (key, text) counts kept
MAX_FILES = 16  # other files read besides the document: the snippets' first, then the folder's


def usage_key(before: str) -> str:
    """The last word of `before` (one line's text up to where a name starts) and the punctuation
    after it, spaces dropped: `self.writer: ` -> `writer:`; "" when neither is there. Read from the
    end, so a long run of punctuation costs one pass (a regex search costs one per start)."""
    text = before[-MAX_KEY_CHARS:].rstrip(" \t")
    start = len(text)
    while start and not _is_word(text[start - 1]) and not text[start - 1].isspace():
        start -= 1
    punct, head = text[start:], text[:start].rstrip(" \t")
    begin = len(head)
    while begin and _is_word(head[begin - 1]):
        begin -= 1
    return head[begin:] + punct


def cursor_key(prefix: str) -> str:
    """`usage_key` at the cursor: of its line before the name's typed part."""
    line = prefix[prefix.rfind("\n", max(0, len(prefix) - MAX_KEY_CHARS - MAX_NAME_CHARS)) + 1:]
    end = len(line)
    while end and _is_word(line[end - 1]) and len(line) - end < MAX_NAME_CHARS:
        end -= 1
    return usage_key(line[:end])


def _is_word(char: str) -> bool:
    return char.isalnum() or char in "_$"


def _pattern(key: str) -> re.Pattern:
    split = 0
    while split < len(key) and _is_word(key[split]):
        split += 1
    word, punct, spaces = key[:split], key[split:], r"[ \t]*"
    return re.compile(re.escape(word) + (spaces if word else "") + re.escape(punct) + spaces + f"({NAME})")


class UsageCounts:
    """Counts of the names that follow a key, per text, kept for the next keystroke (thread-safe)."""

    def __init__(self, entries: int = CACHE_ENTRIES) -> None:
        self._entries = entries
        self._cache: OrderedDict[tuple, Counter] = OrderedDict()
        self._lock = threading.Lock()

    def counts(self, key: str, names: Iterable[str], texts: Iterable[str]) -> dict[str, int]:
        """How often each of `names` follows `key` in `texts`, summed; names never seen are left out."""
        wanted = {name for name in names if isinstance(name, str)}
        if not key or not wanted:
            return {}
        return {name: count for name, count in self.followers(key, texts).items() if name in wanted}

    def followers(self, key: str, texts: Iterable[str]) -> Counter:
        """Every name that follows `key` in `texts`, with how often, summed."""
        total: Counter = Counter()
        if key:
            pattern = _pattern(key)
            for text in texts:
                total.update(self._text_counts(key, pattern, text))
        return total

    def _text_counts(self, key: str, pattern: re.Pattern, text: str) -> Counter:
        cache_key = (key, len(text), hash(text))
        with self._lock:
            found = self._cache.get(cache_key)
            if found is not None:
                self._cache.move_to_end(cache_key)
                return found
        found = _scan(key, pattern, text[:MAX_TEXT_CHARS])
        with self._lock:
            self._cache[cache_key] = found
            while len(self._cache) > self._entries:
                self._cache.popitem(last=False)
        return found


def _scan(key: str, pattern: re.Pattern, text: str) -> Counter:
    """Names after `key` in `text`: each hit counts when the cursor's own key would be `key` there."""
    found: Counter = Counter()
    for number, match in enumerate(pattern.finditer(text)):
        if number >= MAX_HITS:
            break
        start = match.start(1)
        line_start = text.rfind("\n", max(0, start - MAX_KEY_CHARS), start) + 1
        if usage_key(text[max(line_start, start - MAX_KEY_CHARS):start]) == key:
            found[match.group(1)] += 1
    return found


def usage_texts(index, path: str, document: str, snippets: Iterable) -> list[str]:
    """The texts whose usage counts: the document, then the snippets' files and the files of the
    document's folder with its suffix (at most `MAX_FILES`), as the index holds them (no secret file:
    the index keeps none)."""
    rel = index.relative(path) if path else None
    if rel is None:
        return [document]
    suffix = posixpath.splitext(rel)[1]
    folder = [f for f in index.table.files_in_dir(posixpath.dirname(rel)) if f.endswith(suffix)] if suffix else []
    others = dict.fromkeys(str(getattr(s, "file", "")) for s in snippets)
    others.update(dict.fromkeys(folder))
    texts = [document]
    for other in others:
        if len(texts) > MAX_FILES:
            break
        if other and other != rel and index.table.has(other):
            text = index.text(other)
            if text:
                texts.append(text)
    return texts
