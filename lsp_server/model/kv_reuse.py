"""Reusing the KV cache past an edit: the suffix of a prefix-suffix-middle prompt, moved, not re-evaluated.

In prefix-suffix-middle order (DeepSeek-Coder, Qwen2.5-Coder) the suffix
follows the cursor, so a keystroke changes the prompt in the middle and the
longest common prefix with the cached sequence ends at the cursor: the
suffix would be evaluated again every time. As llama-server's `--cache-reuse`
does, `reuse` finds the longest chunk of the old sequence that the new prompt repeats
later (at least `MIN_CHUNK` tokens, found by hashing `PROBE`-token windows),
and moves its KV entries to their new positions (`llama_memory_seq_add`
shifts RoPE positions) instead of evaluating it. llama-server can only close
gaps (text deleted before a chunk); typing inserts text before the suffix,
and llama.cpp only appends to a sequence at its end, so the chunk is parked
in sequence 1 while the typed tokens are appended to sequence 0, then shifted
and copied back. The moved entries were computed next to the old text before
them: like llama-server's, this is an approximation that greedy outputs
tolerate (the tests compare it with a cold cache). Needs a context with two
sequences in one unified cache (`shared_sequences` rebuilds the context once, with
`SEQUENCES`: guidance's look-ahead decodes its candidates side by side on the others).
`prefill` fills the cache with a prompt in idle time, in short chunks so
that a real request waits at most one chunk.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

import llama_cpp

MIN_CHUNK = 32  # fewer tokens are cheaper to evaluate than to find and move
PROBE = 8  # window length hashed to find where a chunk of the old sequence reappears
SEQUENCES = 25  # 0: the prompt; 1: a chunk being moved; 1 and up: look-ahead's spellings, one each (`lookahead.lanes`)


def shared_sequences(llm: llama_cpp.Llama) -> bool:
    """Rebuild `llm`'s context with `SEQUENCES` sharing one cache; False if the model cannot shift."""
    from llama_cpp import _internals

    if not llama_cpp.llama_memory_can_shift(llama_cpp.llama_get_memory(llm._ctx.ctx)):
        return False
    params = llm.context_params
    params.n_seq_max, params.kv_unified = SEQUENCES, True
    fresh = _internals.LlamaContext(model=llm._model, params=params, verbose=llm.verbose)
    old, llm._ctx = llm._ctx, llm._stack.enter_context(contextlib.closing(fresh))
    old.close()
    llm.n_tokens = 0
    return True


def common_prefix(previous: np.ndarray, tokens: list[int]) -> int:
    """Cached tokens `tokens` starts with (never all: the last is re-evaluated for fresh logits)."""
    span = min(len(previous), len(tokens) - 1)
    if span <= 0:
        return 0
    same = previous[:span] == np.asarray(tokens[:span], dtype=previous.dtype)
    return span if bool(same.all()) else int(np.argmin(same))


def _window_hashes(values: np.ndarray) -> list[int]:
    windows = np.lib.stride_tricks.sliding_window_view(values.astype(np.int64), PROBE)
    weights = np.asarray([pow(1_000_003, i, 1 << 61) for i in range(PROBE)], dtype=np.int64)  # wraps: a hash
    return (windows * weights).sum(axis=1).tolist()


def find_chunk(previous: np.ndarray, tokens: list[int], common: int) -> tuple[int, int, int] | None:
    """(where in `tokens`, where in `previous`, length) of the longest reusable chunk after `common`."""
    limit = len(tokens) - 1  # the last prompt token is always evaluated
    if len(previous) - common < MIN_CHUNK or limit - common < MIN_CHUNK:
        return None
    cached: dict[int, int] = {}
    for offset, key in enumerate(_window_hashes(previous[common:])):
        cached.setdefault(key, common + offset)
    wanted = np.asarray(tokens[common:limit], dtype=np.int64)
    if len(wanted) < PROBE:
        return None
    best, skip_to = None, common
    for offset, key in enumerate(_window_hashes(wanted)):
        start, at = common + offset, cached.get(key)
        if at is None or start < skip_to:
            continue
        length = 0
        while start + length < limit and at + length < len(previous) and tokens[start + length] == previous[at + length]:
            length += 1
        if length >= MIN_CHUNK and (best is None or length > best[2]):
            best = (start, at, length)
        skip_to = start + max(1, length)
    return best  # the longest: text accepted from the last answer also matches its generated tokens


def reusable(llm: llama_cpp.Llama, tokens: list[int]) -> int:
    """How many of `tokens` `reuse` would find in the cache (the rest must be evaluated)."""
    return reusable_in(llm.input_ids[: llm.n_tokens], tokens)


def reusable_in(previous: np.ndarray, tokens: list[int]) -> int:
    """How many of `tokens` `reuse` would find in a cache holding `previous`."""
    common = common_prefix(previous, tokens)
    chunk = find_chunk(previous, tokens, common)
    return common + (chunk[2] if chunk else 0)


def _append(llm: llama_cpp.Llama, tokens: list[int], cancel, batch: int) -> int:
    """Decode `tokens` at the end of sequence 0 (positions follow its last one), `batch` at a time,
    checking `cancel` before each; returns how many were decoded (fewer when cancelled)."""
    for i in range(0, len(tokens), batch):
        if cancel is not None and cancel.cancelled:
            return i
        part = tokens[i : i + batch]
        array = (llama_cpp.llama_token * len(part))(*part)  # the batch only points at it: keep it alive
        code = llama_cpp.llama_decode(llm._ctx.ctx, llama_cpp.llama_batch_get_one(array, len(part)))
        if code != 0:
            raise RuntimeError(f"llama_decode returned {code}")
    return len(tokens)


def reuse(llm: llama_cpp.Llama, tokens: list[int], *, move: bool = True, cancel=None,
          batch: int | None = None) -> tuple[int, int]:
    """Prepare the cache for `tokens`: (prompt tokens now in the cache, of those reused rather than evaluated).
    Without `move`, only the common prefix is kept (a context without two sequences). New tokens
    before a moved chunk are evaluated here, `batch` at a time; `cancel` set between batches keeps
    what was evaluated and raises Cancelled."""
    previous = llm.input_ids[: llm.n_tokens]
    common = common_prefix(previous, tokens)
    chunk = find_chunk(previous, tokens, common) if move else None
    mem = llama_cpp.llama_get_memory(llm._ctx.ctx)
    if chunk is None:
        if common > 0 and llama_cpp.llama_memory_seq_rm(mem, -1, common, -1):
            llm.n_tokens = common
            return common, common
        llm.reset()
        return 0, 0
    start, at, length = chunk
    llama_cpp.llama_memory_seq_rm(mem, 0, at + length, -1)
    if start > common:  # typed text before the chunk: park it, append the new tokens, bring it back
        llama_cpp.llama_memory_seq_cp(mem, 0, 1, at, at + length)
        llama_cpp.llama_memory_seq_rm(mem, 0, common, -1)
        try:
            done = _append(llm, tokens[common:start], cancel, batch or llm.n_batch)
        except RuntimeError:  # evaluate the whole prompt instead (the next eval clears both sequences)
            llm.reset()
            return 0, 0
        if done < start - common:  # cancelled: drop the new tokens, the chunk closes the gap instead
            llama_cpp.llama_memory_seq_rm(mem, 0, common, -1)
            llama_cpp.llama_memory_seq_add(mem, 1, at, at + length, common - at)
            llama_cpp.llama_memory_seq_cp(mem, 1, 0, common, common + length)
            llama_cpp.llama_memory_seq_rm(mem, 1, -1, -1)
            llm.input_ids[common : common + length] = previous[at : at + length].copy()
            llm.n_tokens = common + length
            cancel.raise_if_cancelled()
        llama_cpp.llama_memory_seq_add(mem, 1, at, at + length, start - at)
        llama_cpp.llama_memory_seq_cp(mem, 1, 0, start, start + length)
        llama_cpp.llama_memory_seq_rm(mem, 1, -1, -1)
    else:  # text deleted before the chunk: close the gap
        llama_cpp.llama_memory_seq_rm(mem, 0, common, at)
        llama_cpp.llama_memory_seq_add(mem, 0, at, at + length, start - at)
    llm.input_ids[: start + length] = tokens[: start + length]
    llm.n_tokens = start + length
    return start + length, common + length


def prefill(llm: llama_cpp.Llama, tokens: list[int], cancel, chunk: int, *, move: bool = True) -> tuple[int, float]:
    """Evaluate all but the last of `tokens` into the cache, `chunk` tokens at a time, checking `cancel`
    before each: (tokens evaluated, seconds). A cancelled prefill keeps what it evaluated."""
    started = time.perf_counter()
    first, _ = reuse(llm, tokens, move=move, cancel=cancel, batch=chunk)
    for i in range(first, len(tokens) - 1, chunk):
        cancel.raise_if_cancelled()
        llm.eval(tokens[i : min(i + chunk, len(tokens) - 1)])
    return max(0, len(tokens) - 1 - first), time.perf_counter() - started
