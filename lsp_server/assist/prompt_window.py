"""The one window of document text around the cursor that a completion sees.

The model's prompt, post-processing and the completion cache all read the
same `(prefix, suffix)` pair cut here, so what the model saw is what its
output is judged against. About 1,000 and 250 tokens of code: plenty for
fill-in-the-middle next to the repository snippets, and the engine tokenizes
all of it on every keystroke. The engine's own token budget
(`model.prompts.build_prompt`) is the only later cut, and it also makes the
text valid UTF-8 (`model.text.clean`), so nothing here cleans it.
"""

from __future__ import annotations

import zlib

PREFIX_CHARS = 4_000
SUFFIX_CHARS = 1_000
PREFIX_ANCHOR_CHARS = 1_000  # how far into the prefix window to look for a stable first line


def window(text: str, offset: int) -> tuple[str, str]:
    """Prefix and suffix around `offset`: the prefix from a stable line start, the suffix to a line end."""
    end = min(len(text), offset + SUFFIX_CHARS)
    if end < len(text):
        cut = text.rfind("\n", offset, end)
        end = cut if cut >= 0 else end
    return text[prefix_start(text, offset) : offset], text[offset:end]


def prefix_start(text: str, offset: int) -> int:
    """Where the prefix starts: a line start that stays put while the user types.

    Cutting at `offset - PREFIX_CHARS` would move the start one character a
    keystroke, and with it every prefix token after the repository context, so the
    model would evaluate the whole prefix again each time. Instead the prefix starts
    at the first line in the window's head whose checksum picks it as an anchor
    (about one line in 16, and blank lines): the start only moves when the window
    passes that line.
    """
    start = max(0, offset - PREFIX_CHARS)
    if start == 0:
        return 0
    first = line = text.find("\n", start, offset) + 1
    if first == 0:
        return start  # one enormous line: characters it is
    limit = min(offset, start + PREFIX_ANCHOR_CHARS)
    while line < limit and (end := text.find("\n", line, offset)) >= 0:
        if zlib.crc32(text[line:end].encode("utf-8", "surrogatepass")) & 15 == 0:
            return line
        line = end + 1
    return first
