"""FIM format detection from model files, and FIM tokens staying single tokens."""

from __future__ import annotations

import pytest

from lsp_server.model import formats
from lsp_server.model.prompts import Special
from lsp_server.model.types import CompletionRequest


def test_deepseek_fixture_is_detected_from_its_gguf_keys(deepseek):
    assert deepseek.prompt_format == "deepseek"
    assert deepseek.format.ids == {"fim_pre": 32016, "fim_suf": 32015, "fim_mid": 32017}
    assert formats.ids_from_metadata(deepseek._llm.metadata)["fim_pre"] == 32016


def test_starcoder_fixture_is_detected_with_repo_tokens_llama_cpp_does_not_report(starcoder):
    import llama_cpp

    assert starcoder.prompt_format == "starcoder"
    assert starcoder.format.ids == {"fim_pre": 1, "fim_suf": 3, "fim_mid": 2, "fim_rep": 5, "fim_sep": 6}
    vocab = starcoder._llm._model.vocab
    assert llama_cpp.llama_vocab_fim_sep(vocab) == -1  # found by our vocabulary lookup, not llama.cpp


def test_embedded_smollm2_has_no_fim_tokens(smollm2):
    assert smollm2.prompt_format == "none"
    assert smollm2.chat_template


@pytest.mark.parametrize("engine_name", ["deepseek", "starcoder"])
def test_fim_tokens_are_single_tokens_and_source_text_never_becomes_one(engine_name, request):
    engine = request.getfixturevalue(engine_name)
    marker = engine.format.texts["fim_pre"]
    assert engine.special_token_id(marker) == engine.format.ids["fim_pre"]
    code = f"x = '{marker}'\n"  # source that spells a FIM token must stay text
    prompt = engine.build_prompt(CompletionRequest(prefix=code, suffix="\nprint(x)\n", path="a.py"))
    tokens = engine.prompt_tokens(prompt)
    for role in ("fim_pre", "fim_suf", "fim_mid"):
        assert tokens.count(engine.format.ids[role]) == 1
    assert Special("fim_pre") in prompt.parts


def _fake_detect(texts: dict[int, str], vocab_ids: dict[str, int], metadata=None):
    by_text = {text: token for token, text in texts.items()}
    return formats.detect(metadata or {}, vocab_ids, lambda t: texts[t], by_text.get)


def test_qwen_codellama_codestral_and_generic_are_named_from_token_texts():
    qwen = _fake_detect({10: "<|fim_prefix|>", 11: "<|fim_suffix|>", 12: "<|fim_middle|>", 13: "<|repo_name|>",
                         14: "<|file_sep|>"}, {"fim_pre": 10, "fim_suf": 11, "fim_mid": 12, "fim_rep": 13, "fim_sep": 14})
    assert (qwen.name, qwen.ids["fim_sep"], qwen.order()) == ("qwen", 14, "psm")
    codellama = _fake_detect({1: "▁<PRE>", 2: "▁<SUF>", 3: "▁<MID>"}, {"fim_pre": 1, "fim_suf": 2, "fim_mid": 3})
    assert (codellama.name, codellama.order()) == ("codellama", "spm")
    codestral = _fake_detect({7: "[SUFFIX]", 8: "[PREFIX]"}, {})  # llama.cpp reports nothing for these
    assert (codestral.name, codestral.ids, codestral.order("psm")) == ("codestral", {"fim_pre": 8, "fim_suf": 7}, "spm")
    generic = _fake_detect({4: "<pre>", 5: "<suf>", 6: "<mid>"}, {"fim_pre": 4, "fim_suf": 5, "fim_mid": 6})
    assert (generic.name, generic.texts["fim_mid"]) == ("generic", "<mid>")
    assert _fake_detect({1: "hello"}, {"fim_pre": -1}).name == "none"


def test_gguf_keys_win_over_the_vocab_api():
    found = _fake_detect({1: "<fim_prefix>", 2: "<fim_middle>", 3: "<fim_suffix>", 9: "<｜fim▁begin｜>"},
                         {"fim_pre": 9}, {"tokenizer.ggml.fim_pre_token_id": "1", "tokenizer.ggml.fim_suf_token_id": "3",
                                          "tokenizer.ggml.fim_mid_token_id": "2"})
    assert found.name == "starcoder" and found.ids["fim_pre"] == 1


def test_prompt_format_setting_overrides_detection():
    from lsp_server.model.llama_engine import LlamaEngine
    from lsp_server.model.settings import ModelSettings
    from lsp_server.model.types import EngineError
    from tests.conftest import DEEPSEEK_MODEL, STARCODER_MODEL

    engine = LlamaEngine(str(STARCODER_MODEL), ModelSettings(n_ctx=512, prompt_format="none"))
    assert engine.prompt_format == "none"
    engine.close()
    with pytest.raises(EngineError, match="no starcoder FIM tokens"):
        LlamaEngine(str(DEEPSEEK_MODEL), ModelSettings(n_ctx=512, prompt_format="starcoder"))
