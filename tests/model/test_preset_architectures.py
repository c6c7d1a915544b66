"""The presets' model classes for real: the Qwen2.5-Coder (qwen2) and DeepSeek-Coder-V2-Lite (deepseek2,
MoE + MLA) tiny fixtures through the real llama.cpp engine: FIM detection from the file, loading,
the chat template, the FIM prompt's token layout, and one pinned completion each."""

from __future__ import annotations

import pytest

from lsp_server.model.chat import chat_prompt
from lsp_server.model.discovery import describe
from lsp_server.model.types import CancelToken, ChatMessage, CompletionRequest
from tests.conftest import DEEPSEEK_V2_MODEL, QWEN_MODEL

MESSAGES = [ChatMessage("system", "You explain errors."), ChatMessage("user", "What is a SyntaxError?")]
REQUEST = CompletionRequest(prefix="def add(a, b):\n    return ", suffix="\n\nprint(add(1, 2))\n", max_tokens=8)


def engine_for(path):
    from lsp_server.model.llama_engine import LlamaEngine
    from lsp_server.model.settings import ModelSettings

    return LlamaEngine(str(path), ModelSettings(n_ctx=2048, n_gpu_layers=0))


@pytest.fixture(scope="module")
def qwen():
    engine = engine_for(QWEN_MODEL)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def deepseek_v2():
    engine = engine_for(DEEPSEEK_V2_MODEL)
    yield engine
    engine.close()


def test_qwen_is_detected_from_its_vocabulary(qwen):
    assert qwen.info.architecture == "qwen2" and qwen.prompt_format == "qwen"
    assert dict(qwen.format.ids) == {"fim_pre": 151659, "fim_suf": 151661, "fim_mid": 151660,
                                     "fim_rep": 151663, "fim_sep": 151664}


def test_deepseek_v2_is_detected_without_fim_keys_in_the_file(deepseek_v2):
    assert deepseek_v2.info.architecture == "deepseek2"
    assert not any(key.startswith("tokenizer.ggml.fim") for key in deepseek_v2.info.metadata)
    assert deepseek_v2.info.arch_value("expert_count") == 4 and deepseek_v2.info.arch_value("attention.kv_lora_rank")
    assert deepseek_v2.prompt_format == "deepseek"
    assert dict(deepseek_v2.format.ids) == {"fim_pre": 100003, "fim_suf": 100002, "fim_mid": 100004}


@pytest.mark.parametrize("engine_name", ["qwen", "deepseek_v2"])
def test_the_fim_prompt_puts_the_special_tokens_where_the_format_says(engine_name, request):
    engine = request.getfixturevalue(engine_name)
    tokens = engine.prompt_tokens(engine.build_prompt(REQUEST))
    ids = engine.format.ids
    where = {role: tokens.index(ids[role]) for role in ("fim_pre", "fim_suf", "fim_mid")}
    assert where["fim_pre"] < where["fim_suf"] < where["fim_mid"] == len(tokens) - 1


def test_qwen_chat_uses_chatml(qwen):
    prompt = chat_prompt(qwen._llm, qwen.chat_template, MESSAGES)
    assert prompt.templated
    assert prompt.text == ("<|im_start|>system\nYou explain errors.<|im_end|>\n"
                           "<|im_start|>user\nWhat is a SyntaxError?<|im_end|>\n<|im_start|>assistant\n")
    assert qwen.chat(MESSAGES, CancelToken(), max_tokens=6).generated_tokens == 6


def test_deepseek_v2_chat_uses_its_template(deepseek_v2):
    prompt = chat_prompt(deepseek_v2._llm, deepseek_v2.chat_template, MESSAGES)
    assert prompt.text == "<｜begin▁of▁sentence｜>You explain errors.\n\nUser: What is a SyntaxError?\n\nAssistant:"
    assert deepseek_v2.chat(MESSAGES, CancelToken(), max_tokens=6).generated_tokens == 6


@pytest.mark.parametrize("engine_name", ["qwen", "deepseek_v2"])
def test_one_completion_is_deterministic(engine_name, request):
    engine = request.getfixturevalue(engine_name)
    first = engine.complete(REQUEST, CancelToken())
    again = engine.complete(REQUEST, CancelToken())
    assert first.generated_tokens == 8 and first.finish_reason == "length"
    assert first.text == again.text == PINNED[engine_name]


PINNED = {"qwen": 'Pett على/(uti.EndsWith ImmutableList:firstmouseleave', "deepseek_v2": "painful Sardenya人有 plex schoolmaster CTERemote\tis"}


@pytest.mark.parametrize("path, fmt, arch", [(QWEN_MODEL, "qwen", "qwen2"),
                                             (DEEPSEEK_V2_MODEL, "deepseek", "deepseek2")])
def test_discovery_reads_the_same_format_from_the_file(path, fmt, arch):
    found = describe(path.name, str(path), "models")
    assert (found.fim_format, found.architecture, found.quantization, found.error) == (fmt, arch, "F16", "")
