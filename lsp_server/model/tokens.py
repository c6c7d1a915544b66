"""Tokenizing prompt text once: a memo of plain-text tokens, by whole text and by chunks of lines.

Every keystroke builds a prompt of a few thousand tokens, and fitting it to
the window measures its parts several times; llama.cpp's BPE pre-tokenizers
are slow (about 3 us a token for DeepSeek-Coder), so each distinct text is
tokenized once and remembered (an LRU keyed by the text). Most of a prompt
is also the same from one keystroke to the next, or from one cursor to a
nearby one: for tokenizers whose pre-tokenizer never joins text across a
newline that follows a non-space character (the GPT-2 and StarCoder
patterns; DeepSeek's, which isolates every newline), tokens(a + b) equals
tokens(a) + tokens(b) when b starts at such a newline, so a text is cut at
content-defined newlines (chosen by a hash of the line they end, so the same
lines give the same chunks wherever a part starts) and each chunk is
remembered on its own. Other tokenizers (SentencePiece; llama-3 and Qwen
patterns, which join punctuation with the newlines after it) are memoized by
whole text only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Iterator

# tokenizer.ggml.pre values whose split rule makes a newline after a non-space a token boundary.
LINE_SPLIT_PRETOKENIZERS = frozenset({"gpt-2", "starcoder", "deepseek-coder", "deepseek-llm"})
CHUNK_MASK = 3  # a candidate newline ends a chunk when hash(line) & 3 == 0: about 4 lines a chunk


class LruMemo:
    """A small thread-safe LRU map (the model thread and the loop may both count tokens)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, tuple[int, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[int, ...] | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: tuple[int, ...]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def line_chunks(text: str) -> Iterator[str]:
    """`text` cut before content-chosen newlines that follow a non-space character."""
    start = line_start = 0
    while (newline := text.find("\n", line_start)) >= 0:
        if newline > start and not text[newline - 1].isspace() and hash(text[line_start:newline]) & CHUNK_MASK == 0:
            yield text[start:newline]
            start = newline
        line_start = newline + 1
    yield text[start:]


class TokenMemo:
    """Plain-text tokens (no BOS, special tokens not parsed) of `tokenize`, remembered."""

    def __init__(self, tokenize: Callable[[str], list[int]], *, split_lines: bool,
                 texts: int = 256, chunks: int = 8192) -> None:
        self._tokenize = tokenize
        self.split_lines = split_lines
        self._texts = LruMemo(texts)
        self._chunks = LruMemo(chunks)

    def tokens(self, text: str) -> tuple[int, ...]:
        if not text:
            return ()
        found = self._texts.get(text)
        if found is None:
            found = self._chunked(text) if self.split_lines else tuple(self._tokenize(text))
            self._texts.put(text, found)
        return found

    def count(self, text: str) -> int:
        return len(self.tokens(text))

    def _chunked(self, text: str) -> tuple[int, ...]:
        tokens: list[int] = []
        for chunk in line_chunks(text):
            found = self._chunks.get(chunk)
            if found is None:
                found = tuple(self._tokenize(chunk))
                self._chunks.put(chunk, found)
            tokens += found
        return tuple(tokens)


def splits_at_lines(pretokenizer: str) -> bool:
    return pretokenizer in LINE_SPLIT_PRETOKENIZERS
