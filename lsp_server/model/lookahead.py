"""Look-ahead for guided decoding: how likely the model finds each candidate name as a whole.

At the start of an identifier, `guidance.Guide` knows which repository names
may come, but the first token alone may decide badly between them: a model
may like `cookie` best as a piece and still think `CaseInsensitiveDict` the
likelier name once it is spelled out. `name_logprobs` scores a few candidate
spellings by the model itself: each one's tokens (its natural tokenization)
are decoded after the cached prompt, all of them in one batch where the
context shares its cache between sequences (each spelling on its own
sequence over the prompt's entries, `BATCH_TOKENS` at a time), the log-probabilities of
its tokens are summed, and so is that of the name ending there (the next
token starts no identifier character, so a short name is not favoured just
for being a prefix of a longer one). The decoded positions are removed from
the KV cache afterwards, so generation goes on as if nothing had been
looked at. A spelling that does not tokenize back to its own bytes, or does
not fit the context, scores minus infinity (never chosen by look-ahead).
Side by side, each candidate costs about two and a half generated tokens'
time on a CPU (one at a time, about four: `bench/results/lookahead.md`), so
`Throughput.look_candidates` says how many fit in a share of the request's
latency budget: all `guidance.LOOKAHEAD` on a GPU, a few on a slow laptop's CPU.
"""

from __future__ import annotations

import functools
import math

import numpy as np

import llama_cpp
from lsp_server.model.healing import PieceIndex
from lsp_server.model.pieces import token_piece, tokenize_bytes

MAX_TOKENS = 24  # of one candidate's spelling (a 64-byte name is seldom more than a dozen)
BATCH_TOKENS = 64  # of spellings decoded at once: each needs its logits row (64 x 150k vocabulary: 38 MB)
_WORD_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$" + bytes(range(0x80, 0x100))


@functools.lru_cache(maxsize=4)
def word_tokens(index: PieceIndex, n_vocab: int) -> np.ndarray:
    """A mask over the vocabulary: tokens whose piece starts with an identifier character (one byte
    of 0x80 and up counts: it begins a non-ASCII letter more often than anything else)."""
    mask = np.zeros(n_vocab, dtype=bool)
    for byte in _WORD_BYTES:
        ids = index.starting_with(bytes([byte]))
        mask[ids[ids < n_vocab]] = True
    return mask


def _log_softmax(row: np.ndarray) -> np.ndarray:
    row = row.astype(np.float64)
    top = row.max()
    return row - (top + math.log(float(np.exp(row - top).sum())))


def name_logprobs(llm: llama_cpp.Llama, index: PieceIndex, logits: np.ndarray, spellings: tuple[bytes, ...]) -> list[float]:
    """The log-probability of each spelling, then a non-identifier character, after the evaluated
    sequence whose next-token `logits` are given (a copy: decoding here overwrites llama.cpp's)."""
    vocab, n_past = llm._model.vocab, llm.n_tokens
    first, words = _log_softmax(logits[: llm.n_vocab()]), word_tokens(index, llm.n_vocab())
    spelled = [_tokens(vocab, data, n_past, llm.n_ctx()) for data in spellings]
    scores = [-math.inf] * len(spellings)
    for group in _groups([i for i, tokens in enumerate(spelled) if tokens], spelled, lanes(llm)):
        try:
            rows = _decode(llm, [spelled[i] for i in group], n_past)
            for i, (tokens, row) in zip(group, rows):
                scores[i] = float(first[tokens[0]]) + sum(float(_log_softmax(r)[t]) for r, t in zip(row, tokens[1:]))
                ends = _log_softmax(row[-1])
                scores[i] += math.log(max(float(np.exp(ends[~words]).sum()), 1e-30))
        except RuntimeError:  # llama_decode failed: no look-ahead for these
            pass
    return scores


def lanes(llm: llama_cpp.Llama) -> int:
    """How many spellings one decode may carry: one a sequence past the prompt's (sequence 0) where the
    context shares one cache between sequences (`kv_reuse.shared_sequences`), else one (on sequence 0)."""
    params = llm.context_params
    return max(1, params.n_seq_max - 1) if params.kv_unified else 1


def natural_tokens(llm: llama_cpp.Llama, data: bytes) -> tuple[tuple[int, bytes], ...]:
    """`data`'s tokens as the tokenizer spells it, each with its piece (none where they do not spell it back)."""
    vocab = llm._model.vocab
    return tuple((token, token_piece(vocab, token)) for token in _tokens(vocab, data, 0, llm.n_ctx()))


def _tokens(vocab, data: bytes, n_past: int, n_ctx: int) -> list[int]:
    """`data`'s natural tokens, or none where it does not tokenize back to itself or would not fit."""
    tokens = list(tokenize_bytes(vocab, data, False)) if data else []
    if not tokens or len(tokens) > MAX_TOKENS or n_past + len(tokens) >= n_ctx:
        return []
    return tokens if b"".join(token_piece(vocab, t) for t in tokens) == data else []


def _groups(order: list[int], spelled: list[list[int]], lanes: int):
    """`order` cut into runs of at most `lanes` spellings and `BATCH_TOKENS` tokens."""
    group, size = [], 0
    for i in order:
        if group and (len(group) == lanes or size + len(spelled[i]) > BATCH_TOKENS):
            yield group
            group, size = [], 0
        group.append(i)
        size += len(spelled[i])
    if group:
        yield group


def _decode(llm: llama_cpp.Llama, spellings: list[list[int]], n_past: int):
    """Decode each spelling after the prompt in one batch, each on its own sequence sharing the prompt's
    cache entries: (its tokens, a logits row per token) each, views valid until the next decode. Every entry
    added to the cache is removed again, so generation goes on from the prompt as if nothing was looked at."""
    ctx, n_vocab, batch = llm._ctx.ctx, llm.n_vocab(), llm._batch.batch
    memory = llama_cpp.llama_get_memory(ctx)
    seqs = [0] if len(spellings) == 1 else list(range(1, len(spellings) + 1))
    llama_cpp.llama_memory_seq_rm(memory, -1, n_past, -1)  # nothing past the prompt may be attended to
    try:
        k = 0
        for seq, tokens in zip(seqs, spellings):
            if seq:
                llama_cpp.llama_memory_seq_rm(memory, seq, -1, -1)
                llama_cpp.llama_memory_seq_cp(memory, 0, seq, -1, -1)  # shared: a unified cache copies no data
            for j, token in enumerate(tokens):
                batch.token[k], batch.pos[k], batch.n_seq_id[k], batch.logits[k] = token, n_past + j, 1, True
                batch.seq_id[k][0] = seq
                k += 1
        batch.n_tokens = k
        llm._ctx.decode(llm._batch)
        starts = np.cumsum([0] + [len(tokens) for tokens in spellings])
        return [(tokens, [np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, int(start) + j), shape=(n_vocab,))
                          for j in range(len(tokens))]) for tokens, start in zip(spellings, starts)]
    finally:
        for seq in seqs:
            if seq:
                llama_cpp.llama_memory_seq_rm(memory, seq, -1, -1)
        llama_cpp.llama_memory_seq_rm(memory, -1, n_past, -1)
