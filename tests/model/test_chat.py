"""Chat through the model's own template, and the plain fallback for models without one."""

from __future__ import annotations

from lsp_server.model.chat import chat_prompt
from lsp_server.model.types import CancelToken, ChatMessage

MESSAGES = [ChatMessage("system", "You explain errors."), ChatMessage("user", "What is a SyntaxError?")]


def test_chat_uses_the_models_template(deepseek):
    prompt = chat_prompt(deepseek._llm, deepseek.chat_template, MESSAGES)
    assert prompt.templated
    assert prompt.text.startswith("<｜begin▁of▁sentence｜>You explain errors.\n### Instruction:\nWhat is a SyntaxError?")
    assert prompt.text.endswith("### Response:\n")
    reply = deepseek.chat(MESSAGES, CancelToken(), max_tokens=12)
    assert reply.generated_tokens == 12 and reply.model == deepseek.name
    assert reply.prompt_tokens > 10


def test_model_without_template_gets_a_plain_transcript(starcoder):
    assert starcoder.chat_template == ""
    prompt = chat_prompt(starcoder._llm, "", MESSAGES)
    assert not prompt.templated and prompt.text.endswith("### User:\nWhat is a SyntaxError?\n\n### Assistant:\n")
    pieces: list[str] = []
    reply = starcoder.chat(MESSAGES, CancelToken(), max_tokens=10, on_token=pieces.append)
    assert reply.generated_tokens <= 10 and "".join(pieces).strip() == reply.text


def test_template_that_refuses_system_messages_gets_it_folded_in(deepseek):
    strict = ("{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('no system') }}"
              "{% endif %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}")
    prompt = chat_prompt(deepseek._llm, strict, MESSAGES)
    assert prompt.text == "user: You explain errors.\n\nWhat is a SyntaxError?\n"
