"""Saved KV-cache states of recently used documents: going back to a file finds its prompt evaluated.

llama.cpp's cache holds one prompt. When a request for another document (or
a chat or next-edit prompt, which have no document) is about to replace it,
`DocumentStates.enter` first copies sequence 0's cells out with the tokens
they hold (`llama_state_seq_get_data`; about 23 KB a token on SmolLM2-135M),
keyed by the document, and puts a document's cells back when a request for it
would find more of its prompt there than in the live cache (then the usual
reuse in `kv_reuse` works on them). Least recently used states are dropped
beyond `limit_bytes` (`model.stateCacheMb`); a state bigger than the limit is
not kept. A restore llama.cpp refuses leaves an empty cache: the prompt is
evaluated as it would have been without this. The engine calls `enter` under
its lock, on the model thread, before every evaluation; `forget` (a closed
document, from the event loop) only queues the key for the next `enter`.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict, deque

import numpy as np

import llama_cpp

from lsp_server.model.kv_reuse import reusable_in

MIN_TOKENS = 64  # fewer are cheaper to evaluate again than to keep


class DocumentStates:
    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = max(0, limit_bytes)
        self.current: str | None = None  # the document whose prompt the live cache holds
        self._saved: OrderedDict[str, tuple[np.ndarray, ctypes.Array]] = OrderedDict()
        self.bytes = 0  # kept as a count: `describe` runs on the event loop while the model thread saves
        self.saves = self.restores = 0
        self._closed: deque[str] = deque()  # documents closed since the last `enter` (any thread appends)

    def usable(self, key: str | None, tokens: list[int]) -> int:
        """How many of `tokens` the saved state of `key` holds (0 when none is saved)."""
        saved = self._saved.get(key) if key else None
        return reusable_in(saved[0], tokens) if saved is not None else 0

    def enter(self, llm: llama_cpp.Llama, key: str | None, tokens: list[int], cached_now: int) -> None:
        """Make the cache `key`'s: save the current document's state, restore `key`'s when it holds more
        of `tokens` than the `cached_now` the live cache does."""
        key = key or None  # a request without a path has no document to keep
        while self._closed:
            closed = self._closed.popleft()
            self._drop(closed)
            if closed == self.current and key != closed:
                self.current = None  # its live cells are not worth saving any more
        if key == self.current:
            return
        self._save(llm)
        self.current = key
        if key is not None and self.usable(key, tokens) > cached_now:
            self._restore(llm, key)

    def forget(self, key: str) -> None:
        """A closed document's state goes at the model thread's next `enter` (safe from any thread)."""
        self._closed.append(key)

    def _save(self, llm: llama_cpp.Llama) -> None:
        key, count = self.current, llm.n_tokens
        if key is None or count < MIN_TOKENS or not self.limit_bytes:
            return
        ctx, mem = llm._ctx.ctx, llama_cpp.llama_get_memory(llm._ctx.ctx)
        llama_cpp.llama_memory_seq_rm(mem, 0, count, -1)  # nothing past what input_ids names
        llama_cpp.llama_memory_seq_rm(mem, 1, -1, -1)  # kv_reuse's scratch sequence, empty between jobs
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        if size <= 0 or size > self.limit_bytes:
            return
        data = (ctypes.c_uint8 * size)()
        if llama_cpp.llama_state_seq_get_data(ctx, data, size, 0) != size:
            return
        self._drop(key)
        self._saved[key] = (llm.input_ids[:count].copy(), data)
        self.bytes += size
        self.saves += 1
        while self.bytes > self.limit_bytes:
            self._drop(next(iter(self._saved)))  # the least recently used

    def _drop(self, key: str) -> tuple[np.ndarray, ctypes.Array] | None:
        saved = self._saved.pop(key, None)
        if saved is not None:
            self.bytes -= len(saved[1])
        return saved

    def _restore(self, llm: llama_cpp.Llama, key: str) -> None:
        tokens, data = self._drop(key)
        ctx = llm._ctx.ctx
        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(ctx), -1, -1, -1)
        llm.n_tokens = 0
        if llama_cpp.llama_state_seq_set_data(ctx, data, len(data), 0) != len(data):
            llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(ctx), -1, -1, -1)
            return
        llm.input_ids[: len(tokens)] = tokens
        llm.n_tokens = len(tokens)
        self.restores += 1

    def describe(self) -> dict:
        return {"documents": len(self._saved), "bytes": self.bytes, "limitBytes": self.limit_bytes,
                "saves": self.saves, "restores": self.restores}
