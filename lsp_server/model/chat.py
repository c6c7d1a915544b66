"""Chat prompts in the model's own template, with a plain fallback for models that have none.

The template is the GGUF `tokenizer.chat_template`, rendered with
llama-cpp-python's Jinja2 formatter (the same sandbox and helpers as
Transformers). Templates that refuse a system message get it folded into the
first user message. A base model with no template (StarCoder, say) gets a
plain "### User / ### Assistant" transcript and stops at the next header.
Every message goes through `message_dicts`, which redacts secret values.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsp_server.model.redact import redact
from lsp_server.model.text import clean
from lsp_server.model.types import ChatMessage

PLAIN_STOP = ("\n### User:", "\n### System:")


@dataclass(frozen=True)
class ChatPrompt:
    text: str
    stop: tuple[str, ...]
    add_bos: bool  # templates write their own BOS; the plain transcript needs the model's
    templated: bool


def message_dicts(messages: list[ChatMessage]) -> list[dict]:
    """The messages as a model gets them, local or remote: clean UTF-8, secret values redacted."""
    return [{"role": m.role, "content": redact(clean(m.content))} for m in messages]


def chat_prompt(llm, template: str, messages: list[ChatMessage]) -> ChatPrompt:
    plain = message_dicts(messages)
    if template:
        for attempt in (plain, _fold_system(plain)):
            try:
                return _render(llm, template, attempt)
            except Exception:  # noqa: BLE001 - any template error falls back (jinja errors, raise_exception)
                continue
    return plain_prompt(plain)


def _render(llm, template: str, messages: list[dict]) -> ChatPrompt:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    model = llm._model
    eos, bos = model.token_eos(), model.token_bos()
    formatter = Jinja2ChatFormatter(
        template,
        eos_token=model.token_get_text(eos) if eos >= 0 else "",
        bos_token=model.token_get_text(bos) if bos >= 0 else "",
    )
    result = formatter(messages=messages)
    stop = [result.stop] if isinstance(result.stop, str) else list(result.stop or [])
    return ChatPrompt(result.prompt, tuple(s for s in stop if s), add_bos=False, templated=True)


def _fold_system(messages: list[dict]) -> list[dict]:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system and rest and rest[0]["role"] == "user":
        rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
    elif system:
        rest.insert(0, {"role": "user", "content": system})
    return rest


def plain_prompt(messages: list[dict]) -> ChatPrompt:
    text = "".join(f"### {m['role'].capitalize()}:\n{m['content']}\n\n" for m in messages)
    return ChatPrompt(text + "### Assistant:\n", PLAIN_STOP, add_bos=True, templated=False)
