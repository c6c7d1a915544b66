"""Between text and llama.cpp's tokens, with buffers sized to the text.

`token_piece` is the bytes a token stands for, `is_special` whether it is a control token; `tokenize_bytes` the tokens
of some bytes (no BOS). llama-cpp-python's own `tokenize` allocates and
zeroes a buffer of the training context's size on every call; these size
theirs to the input. Callers bound the text first (`text.tokenizer_pieces`).
"""

from __future__ import annotations

import ctypes

import llama_cpp
from lsp_server.model.types import EngineError


def is_special(model, token: int) -> bool:
    """Whether `token` is a control or user-defined token of `model` (a `_LlamaModel`)."""
    return bool(model.token_get_attr(token) & (llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED))


def token_piece(vocab, token: int, special: bool = False) -> bytes:
    buf = ctypes.create_string_buffer(128)
    n = llama_cpp.llama_token_to_piece(vocab, token, buf, len(buf), 0, special)
    if n < 0:
        buf = ctypes.create_string_buffer(-n)
        n = llama_cpp.llama_token_to_piece(vocab, token, buf, len(buf), 0, special)
    return buf.raw[: max(n, 0)]


def tokenize_bytes(vocab, data: bytes, special: bool) -> list[int]:
    room = len(data) + 8  # byte-level tokenizers make at most one token a byte
    buffer = (llama_cpp.llama_token * room)()
    count = llama_cpp.llama_tokenize(vocab, data, len(data), buffer, room, False, special)
    if count < 0:  # a tokenizer that makes more tokens than bytes: ask again with its size
        room = -count
        buffer = (llama_cpp.llama_token * room)()
        count = llama_cpp.llama_tokenize(vocab, data, len(data), buffer, room, False, special)
        if count < 0:
            raise EngineError(f"llama.cpp could not tokenize {len(data)} bytes of text")
    return buffer[:count]
