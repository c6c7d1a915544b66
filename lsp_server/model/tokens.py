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
whole text only. Tokens are remembered as `array("i")`: a tuple of token ids
costs 36 bytes a token (each id above 256 is its own int object), an array
4. Both memos are bounded by the bytes they hold (token arrays, text keys and
a per-entry overhead), not by entries: a chunk or a text may be a few
characters or 64K, and a cap by count let the memos grow for thousands of
keystrokes (a soak's RSS rose ~5 MB after warm-up as 8,192 chunks filled), and
8,192 chunks of up to 64K characters could hold hundreds of MB. At their
budgets (1 MB of chunks, a few dozen prompt windows; 2 MB of texts) they fill
within the first ~800 keystrokes of a soak, and typing is as fast (bench/typing_sim.py).
"""

from __future__ import annotations

import sys
import threading
from array import array
from collections import OrderedDict
from itertools import chain
from typing import Callable, Hashable, Iterator

# tokenizer.ggml.pre values whose split rule makes a newline after a non-space a token boundary.
LINE_SPLIT_PRETOKENIZERS = frozenset({"gpt-2", "starcoder", "deepseek-coder", "deepseek-llm"})
CHUNK_MASK = 3  # a candidate newline ends a chunk when hash(line) & 3 == 0: about 4 lines a chunk
MEMO_MAX_CHARS = 65_536  # longer texts (a commit's diff) are tokenized in one call and not remembered
TEXTS_BYTES = 2 << 20  # whole texts: the parts of the last few dozen prompts (a part is measured several times)
CHUNKS_BYTES = 1 << 20  # chunks of lines: ~4,000 lines of code, a few dozen prompt windows
ENTRY_BYTES = 120  # an OrderedDict entry and node, measured with tracemalloc; keys and arrays counted apart


class LruMemo:
    """A small thread-safe LRU map within `max_bytes` (the model thread and the loop may both count tokens)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0  # what the entries hold: keys, token arrays and ENTRY_BYTES each
        self._items: OrderedDict[Hashable, array] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> array | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: array) -> None:
        cost = _cost(key, value)
        if cost > self.max_bytes:
            return  # larger than the whole memo: it would only evict everything
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= _cost(key, old)
            self._items[key] = value
            self.bytes += cost
            while self.bytes > self.max_bytes:
                evicted, tokens = self._items.popitem(last=False)
                self.bytes -= _cost(evicted, tokens)

    def __len__(self) -> int:
        return len(self._items)


def _cost(key: Hashable, value: array) -> int:
    # sys.getsizeof is O(1) for str, int and array (headers and buffers included)
    return sys.getsizeof(key) + sys.getsizeof(value) + ENTRY_BYTES


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
    """Plain-text tokens (no BOS, special tokens not parsed) of `tokenize`, remembered.

    With `split_lines`, the chunks a text lacks are tokenized together in one call
    (llama.cpp pays a fixed cost per call, about 0.3 ms for DeepSeek's regexes) and
    the tokens are dealt back to their chunks by the byte length of each token's
    piece (`piece_length`); chunk boundaries are token boundaries, so they line up.
    `tokenize` is the engine's gate (`LlamaEngine._tokenize`, through `text.tokenizer_pieces`),
    so a memo never hands llama.cpp a line long enough to crash it.
    """

    def __init__(self, tokenize: Callable[[str], list[int]], *, split_lines: bool,
                 piece_length: Callable[[int], int] | None = None, texts_bytes: int = TEXTS_BYTES,
                 chunks_bytes: int = CHUNKS_BYTES) -> None:
        self._tokenize = tokenize
        self.split_lines = split_lines and piece_length is not None
        self._piece_length = piece_length
        self._texts = LruMemo(texts_bytes)
        self._chunks = LruMemo(chunks_bytes)

    def tokens(self, text: str) -> array:
        """The tokens of `text` (an int array: do not modify it, it is remembered)."""
        if not text:
            return array("i")
        if len(text) > MEMO_MAX_CHARS:
            return array("i", self._tokenize(text))
        found = self._texts.get(text)
        if found is None:
            found = self._chunked(text) if self.split_lines else array("i", self._tokenize(text))
            self._texts.put(text, found)
        return found

    def count(self, text: str) -> int:
        return len(self.tokens(text))

    def _chunked(self, text: str) -> array:
        chunks = list(line_chunks(text))
        # Chunks are remembered by hash(chunk), not by their text: chunk texts were most of the
        # memo (RSS rose by ~11 MB as 8,192 filled). str hashes are keyed per process (SipHash), so
        # a collision (about 1 in 2**40 at this size) cannot be forced and would only skew one prompt.
        known = [self._chunks.get(hash(chunk)) for chunk in chunks]
        start = 0
        while start < len(chunks):  # tokenize each run of unknown chunks in one call
            if known[start] is not None:
                start += 1
                continue
            end = start
            while end < len(chunks) and known[end] is None:
                end += 1
            known[start:end] = self._run_tokens(chunks[start:end])
            for chunk, found in zip(chunks[start:end], known[start:end]):
                self._chunks.put(hash(chunk), found)
            start = end
        return array("i", chain.from_iterable(known))

    def _run_tokens(self, run: list[str]) -> list[array]:
        """Tokens of each chunk of `run`, from one tokenize call over the run."""
        tokens = self._tokenize("".join(run)) if len(run) > 1 else None
        if tokens is None:
            return [array("i", self._tokenize(chunk)) for chunk in run]
        dealt: list[array] = []
        position = 0
        for chunk in run:
            size, first = len(chunk.encode("utf-8")), position
            while size > 0 and position < len(tokens):
                size -= self._piece_length(tokens[position])
                position += 1
            if size != 0:  # a token across the boundary: not expected, but never guess
                return [array("i", self._tokenize(chunk)) for chunk in run]
            dealt.append(array("i", tokens[first:position]))
        return dealt if position == len(tokens) else [array("i", self._tokenize(chunk)) for chunk in run]


def splits_at_lines(pretokenizer: str) -> bool:
    return pretokenizer in LINE_SPLIT_PRETOKENIZERS
