"""`OpenAIEngine`: the same engine interface over an OpenAI-compatible HTTP server.

For teams that run one model server (vLLM, llama.cpp's server, Ollama). It
streams `/completions` and `/chat/completions` with the standard library's
HTTP client, honours `timeout_s` for connecting and for every read, and
stops on the cancel token: a watcher thread shuts the socket down when the
token is set, so even a server busy with a long prompt releases us at once.
A server cannot tell us its FIM tokens, so the prompt format comes from
`coderLsp.model.promptFormat` ("auto" means prefix-only) and is rendered as
text for the server to tokenize with special tokens.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from typing import Iterator
from urllib.parse import urlsplit

from lsp_server.model import formats
from lsp_server.model.chat import message_dicts
from lsp_server.model.prompts import build_prompt
from lsp_server.model.settings import ModelSettings
from lsp_server.model.text import TextStream, shorten_long_lines
from lsp_server.model.types import (
    CancelToken, Cancelled, ChatMessage, ChatReply, Completion, CompletionRequest, EngineError, TokenCallback,
)


class OpenAIEngine:
    def __init__(self, settings: ModelSettings) -> None:
        if not settings.url:
            raise EngineError("coderLsp.backend.url is empty: set it to the server's base URL, e.g. http://127.0.0.1:8080/v1")
        parts = urlsplit(settings.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EngineError(f"coderLsp.backend.url {settings.url!r} is not an http(s) URL.")
        self.settings, self.url = settings, settings.url.rstrip("/")
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._base_path = parts.path.rstrip("/")
        self.name = settings.remote_model or "default"
        override = settings.prompt_format if settings.prompt_format not in ("", "auto") else "none"
        if override not in formats.KNOWN:
            raise EngineError(f"Unknown prompt format {override!r} in coderLsp.model.promptFormat.")
        self.format = formats.KNOWN[override]
        self.prompt_format = self.format.name
        self.n_ctx = settings.n_ctx

    def count_tokens(self, text: str) -> int:
        return (len(text.encode("utf-8", "replace")) + 3) // 4  # the server's tokenizer is not ours to call

    def complete(self, request: CompletionRequest, cancel: CancelToken,
                 on_token: TokenCallback | None = None) -> Completion:
        budget = max(16, self.n_ctx - request.max_tokens - 2)
        prompt = build_prompt(request, self.format, order=self.settings.fim_order, budget=budget,
                              count=self.count_tokens)
        # The server's tokenizer (llama.cpp's, often) crashes on one ~30,000-letter line.
        body = {"prompt": shorten_long_lines(prompt.render(dict(self.format.texts))), "max_tokens": request.max_tokens,
                "temperature": request.temperature, "stream": True}
        stop = list(dict.fromkeys((*request.stop, *prompt.stop)))[:4]  # OpenAI allows four
        if stop:
            body["stop"] = stop
        text, usage, ttft, total, finish, n = self._stream("/completions", body, cancel, on_token, prompt.stop,
                                                           lambda c: c.get("text") or "")
        return Completion(text, self.name, prompt.format, usage.get("prompt_tokens", 0),
                          (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0) or 0,
                          usage.get("completion_tokens", n), ttft, total, finish)

    def chat(self, messages: list[ChatMessage], cancel: CancelToken, max_tokens: int = 512,
             on_token: TokenCallback | None = None) -> ChatReply:
        body = {"messages": [{**m, "content": shorten_long_lines(m["content"])} for m in message_dicts(messages)],
                "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
        text, usage, _, total, finish, n = self._stream("/chat/completions", body, cancel, on_token, (),
                                                        lambda c: (c.get("delta") or {}).get("content") or "")
        return ChatReply(text.strip(), self.name, usage.get("prompt_tokens", 0),
                         usage.get("completion_tokens", n), total, finish)

    def _stream(self, path: str, body: dict, cancel: CancelToken, on_token: TokenCallback | None,
                stop_texts: tuple[str, ...], piece_of) -> tuple[str, dict, float, float, str, int]:
        start = time.perf_counter()
        cancel.raise_if_cancelled()
        if self.settings.remote_model:
            body["model"] = self.settings.remote_model
        stream, usage, ttft, finish, chunks = TextStream(stop_texts), {}, 0.0, "length", 0
        parts: list[str] = []
        for event in self._events(path, body, cancel):
            cancel.raise_if_cancelled()
            choice = (event.get("choices") or [{}])[0]
            usage = event.get("usage") or usage
            piece = stream.push(piece_of(choice).encode("utf-8"))
            if piece_of(choice):
                chunks += 1
                ttft = ttft or (time.perf_counter() - start) * 1000
            if piece:
                parts.append(piece)
                if on_token is not None:
                    on_token(piece)
            finish = "stop" if stream.stopped else (choice.get("finish_reason") or finish)
            if stream.stopped:
                break
        parts.append(stream.finish())
        return "".join(parts), usage, ttft, (time.perf_counter() - start) * 1000, finish, chunks

    def _events(self, path: str, body: dict, cancel: CancelToken) -> Iterator[dict]:
        timeout = self.settings.timeout_s
        conn_class = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        conn = conn_class(self._host, self._port, timeout=timeout)
        done = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(conn, cancel, done), daemon=True)
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        try:
            conn.request("POST", self._base_path + path, json.dumps(body), headers)
            watcher.start()
            response = conn.getresponse()
            if response.status >= 400:
                detail = response.read(500).decode("utf-8", "replace")
                raise EngineError(f"The model server at {self.url} answered {response.status}: {detail}")
            for raw in response:
                if cancel.cancelled:
                    raise Cancelled()
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                try:
                    yield json.loads(data)
                except json.JSONDecodeError:
                    continue
            cancel.raise_if_cancelled()  # the watcher's shutdown reads as end of stream
        except (TimeoutError, socket.timeout):
            cancel.raise_if_cancelled()
            raise EngineError(f"The model server at {self.url} did not answer within {timeout:g} s "
                              f"(coderLsp.model.timeoutS).") from None
        except (OSError, http.client.HTTPException) as err:
            cancel.raise_if_cancelled()
            reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
            raise EngineError(f"Cannot reach the model server at {self.url}: {reason}. "
                              f"Check coderLsp.backend.url and that the server is running.") from None
        finally:
            done.set()
            conn.close()

    @staticmethod
    def _watch(conn: http.client.HTTPConnection, cancel: CancelToken, done: threading.Event) -> None:
        while not done.is_set():
            if cancel.wait(0.05):
                sock = conn.sock
                if sock is not None and not done.is_set():
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return

    def describe(self) -> dict:
        return {"name": self.name, "path": self.url, "prompt_format": self.prompt_format, "device": "remote",
                "n_ctx": self.n_ctx, "chat_template": "server-side", "gpu_layers": None}

    def close(self) -> None:
        pass
