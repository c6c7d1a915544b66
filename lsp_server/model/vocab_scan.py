"""The FIM format of a GGUF file from its vocabulary, read in Python: no llama.cpp, no weights.

`coder-lsp models` and the editor's model picker describe files that other
tools downloaded, any of which may be hostile. llama.cpp aborts the process
on some malformed vocabularies, so listing must not hand files to it. This
module walks the metadata once (after `gguf_file.read_gguf` has checked the
structure), keeps the texts of the special tokens (control and user-defined)
and of the tokens the `tokenizer.ggml.fim_*_token_id` keys name, and lets
`formats.detect` decide, as the engine does with llama.cpp's answers.
"""

from __future__ import annotations

import mmap
import struct

from lsp_server.model import formats

_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9
_SPECIAL_TYPES = (3, 4)  # llama.cpp token types: control, user-defined
MAX_TOKENS = 1 << 21  # real vocabularies stay under ~260k; a claimed million-entry list is not walked


def fim_format_of(path: str, metadata: dict) -> str:
    """A formats name ("qwen", "deepseek", ..., "generic", "none"), or "unknown" if the scan fails."""
    try:
        texts, types = _token_tables(path)
    except (OSError, ValueError, struct.error, IndexError, UnicodeError):
        return "unknown"
    if texts is None:
        return "none"
    declared = formats.ids_from_metadata(metadata)
    # An id past the vocabulary names no token: drop its key rather than describe a format that cannot work.
    past_end = {f"tokenizer.ggml.{role}_token_id" for role, token in declared.items() if token >= len(texts)}
    metadata = {key: value for key, value in metadata.items() if key not in past_end}
    wanted = set(formats.ids_from_metadata(metadata).values())
    special = {texts[i]: i for i, kind in enumerate(types or ()) if kind in _SPECIAL_TYPES and i < len(texts)}

    def token_text(token: int) -> str:
        return texts[token] if 0 <= token < len(texts) and (token in wanted or texts[token] in special) else ""

    return formats.detect(metadata, {}, token_text, special.get).name


def _token_tables(path: str) -> tuple[list[str] | None, list[int] | None]:
    texts = types = None
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        pos = 24
        n_kv = struct.unpack_from("<Q", buf, 16)[0]
        for _ in range(n_kv):
            key, pos = _string(buf, pos)
            vtype = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
            if vtype == _ARRAY and key in ("tokenizer.ggml.tokens", "tokenizer.ggml.token_type"):
                values, pos = _array(buf, pos)
                if key == "tokenizer.ggml.tokens":
                    texts = values
                else:
                    types = values
            else:
                pos = _skip(buf, pos, vtype)
    return texts, types


def _string(buf, pos: int) -> tuple[str, int]:
    n = struct.unpack_from("<Q", buf, pos)[0]
    end = pos + 8 + n
    if end > len(buf):
        raise ValueError("truncated")
    return bytes(buf[pos + 8 : end]).decode("utf-8", errors="replace"), end


def _array(buf, pos: int) -> tuple[list, int]:
    etype, count = struct.unpack_from("<IQ", buf, pos)
    pos += 12
    if count > MAX_TOKENS:
        raise ValueError("vocabulary too large")
    if etype == _STRING:
        values = []
        for _ in range(count):
            text, pos = _string(buf, pos)
            values.append(text)
        return values, pos
    if etype in (4, 5):  # token types are int32
        end = pos + 4 * count
        if end > len(buf):
            raise ValueError("truncated")
        return list(struct.unpack_from(f"<{count}i", buf, pos)), end
    return [], _skip_array_body(buf, pos, etype, count)


def _skip(buf, pos: int, vtype: int) -> int:
    if vtype in _SIZES:
        return pos + _SIZES[vtype]
    if vtype == _STRING:
        return _string(buf, pos)[1]
    if vtype == _ARRAY:
        etype, count = struct.unpack_from("<IQ", buf, pos)
        return _skip_array_body(buf, pos + 12, etype, count)
    raise ValueError(f"unknown metadata type {vtype}")


def _skip_array_body(buf, pos: int, etype: int, count: int) -> int:
    if etype in _SIZES:
        return pos + _SIZES[etype] * count
    if etype == _STRING:
        for _ in range(count):
            pos = pos + 8 + struct.unpack_from("<Q", buf, pos)[0]
        return pos
    raise ValueError("nested arrays")
