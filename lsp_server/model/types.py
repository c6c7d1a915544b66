"""Requests, results and the engine interface shared by every model backend.

An engine turns a `CompletionRequest` (prefix, suffix, context snippets) into
a `Completion`, and a list of chat messages into a `ChatReply`. Both calls
take a `CancelToken` that the engine checks before evaluating the prompt and
after every token, and an optional `on_token` callback for streaming.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Protocol

from context.snippet import Snippet


class Cancelled(Exception):
    """Raised by an engine when its cancel token was set mid-request."""


class EngineError(Exception):
    """A model that cannot be loaded or a backend that failed; the message is for users."""


class CancelToken:
    """A flag one thread sets and the model thread polls between tokens."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until cancelled or `timeout` seconds pass; True if cancelled (for I/O watchers)."""
        return self._event.wait(timeout)


@dataclass(frozen=True)
class CompletionRequest:
    """What the cursor needs completed; the engine lays it out for its model."""

    prefix: str
    suffix: str = ""
    path: str = ""
    language: str = ""
    snippets: tuple[Snippet, ...] = ()
    max_tokens: int = 64
    stop: tuple[str, ...] = ()
    temperature: float = 0.0
    repo: str = ""  # workspace folder name, for repo-level formats (<repo_name>, <|repo_name|>)
    latency_budget_ms: int = 0  # a cold prompt is cut to what evaluates in this time (0 = no limit)
    # Identifiers the repository context defines, best first: at an identifier the local engine's
    # decoding leans toward them (`model.guidance`); () = plain decoding.
    names: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # at `alias.`, what the context shows of alias's module: leaned on harder
    types: tuple[str, ...] = ()  # those of `names` defined as types: favoured where the cursor expects one
    usage: tuple[tuple[str, int], ...] = ()  # (name, how often the code around writes it after the cursor's key)
    usage_total: int = 0  # how many names, offered or not, the code around writes after that key


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_format: str
    prompt_tokens: int = 0
    cached_tokens: int = 0
    generated_tokens: int = 0
    ttft_ms: float = 0.0
    total_ms: float = 0.0
    finish_reason: str = "stop"  # "stop" | "length" (a cancelled request raises Cancelled instead)
    cut_to_budget: bool = False  # the latency budget shortened a cold prompt: prefill it when idle


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class ChatReply:
    text: str
    model: str
    prompt_tokens: int = 0
    generated_tokens: int = 0
    total_ms: float = 0.0
    finish_reason: str = "stop"


TokenCallback = Callable[[str], None]


class Engine(Protocol):
    """What every backend offers; `LlamaEngine` and `OpenAIEngine` implement it."""

    name: str  # model name shown to users
    prompt_format: str  # "deepseek", "starcoder", "qwen", "codellama", "codestral", "none", ...
    n_ctx: int

    def complete(
        self, request: CompletionRequest, cancel: CancelToken, on_token: TokenCallback | None = None
    ) -> Completion: ...

    def chat(
        self,
        messages: list[ChatMessage],
        cancel: CancelToken,
        max_tokens: int = 512,
        on_token: TokenCallback | None = None,
    ) -> ChatReply: ...

    def count_tokens(self, text: str) -> int: ...

    def describe(self) -> dict:
        """name, path, prompt_format, device ("cpu"/"gpu"/"remote"), n_ctx, chat_template, gpu_layers."""
        ...

    def close(self) -> None: ...
