"""Look-ahead for guided decoding: how likely the model finds each candidate name as a whole.

At the start of an identifier, `guidance.Guide` knows which repository names
may come, but the first token alone may decide badly between them: a model
may like `cookie` best as a piece and still think `CaseInsensitiveDict` the
likelier name once it is spelled out. `name_logprobs` scores a few candidate
spellings by the model itself: each one's tokens (its natural tokenization)
are decoded after the cached prompt in one batch, the log-probabilities of
its tokens are summed, and so is that of the name ending there (the next
token starts no identifier character, so a short name is not favoured just
for being a prefix of a longer one). The decoded positions are removed from
the KV cache afterwards, so generation goes on as if nothing had been
looked at. A spelling that does not tokenize back to its own bytes, or does
not fit the context, scores minus infinity (never chosen by look-ahead).
Each candidate costs about three generated tokens' time
(`bench/results/lookahead.md`), so `Throughput.look_candidates` says how
many fit in a share of the request's latency budget: all
`guidance.LOOKAHEAD` on a GPU, two or three on a slow laptop's CPU.
"""

from __future__ import annotations

import functools
import math

import numpy as np

import llama_cpp
from lsp_server.model.healing import PieceIndex
from lsp_server.model.pieces import token_piece, tokenize_bytes

MAX_TOKENS = 24  # of one candidate's spelling (a 64-byte name is seldom more than a dozen)
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
    vocab, ctx, n_vocab = llm._model.vocab, llm._ctx.ctx, llm.n_vocab()
    first, words, n_past = _log_softmax(logits[:n_vocab]), word_tokens(index, n_vocab), llm.n_tokens
    scores = []
    for data in spellings:
        tokens = list(tokenize_bytes(vocab, data, False)) if data else []
        if (not tokens or len(tokens) > MAX_TOKENS or n_past + len(tokens) >= llm.n_ctx()
                or b"".join(token_piece(vocab, t) for t in tokens) != data):
            scores.append(-math.inf)
            continue
        try:
            llm._ctx.kv_cache_seq_rm(-1, n_past, -1)  # nothing past the sequence may be attended to
            llm._batch.set_batch(batch=tokens, n_past=n_past, logits_all=True)
            llm._ctx.decode(llm._batch)
            rows = [np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, i), shape=(n_vocab,))
                    for i in range(len(tokens))]
            total = float(first[tokens[0]])
            for row, token in zip(rows, tokens[1:]):
                total += float(_log_softmax(row)[token])
            ends = _log_softmax(rows[-1])
            total += math.log(max(float(np.exp(ends[~words]).sum()), 1e-30))
            scores.append(total)
        except RuntimeError:  # llama_decode failed: no look-ahead for this one
            scores.append(-math.inf)
        finally:
            llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
    return scores
