"""Model settings: which model to run, where, and how.

Plain frozen data parsed by `lsp_server.config` from the layered settings
(user file, project file, editor), and read by `loader.load_engine`; it
imports nothing of the server, so the loader depends on settings only. Two
`ModelSettings` that compare equal need no model reload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# `owner/repo:file.gguf`: a file of a Hugging Face repository, fetched (maybe downloaded) on load.
HUB_SPEC = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+):(?P<file>[^/:]+\.gguf)$")


@dataclass(frozen=True, kw_only=True)
class ModelSettings:
    backend: str = "local"  # "local" (llama.cpp in-process) | "openai" (OpenAI-compatible HTTP)
    path: str = ""  # GGUF path; "" = resolve (CLI flag, CODER_LSP_MODEL, project file, embedded default)
    repo: str = ""  # Hugging Face repo id, with `file`: downloaded only when online
    file: str = ""
    n_ctx: int = 4096
    n_gpu_layers: int | None = None  # None = all layers when GPU offload is supported, else 0
    threads: int | None = None  # None = llama.cpp's default
    flash_attention: bool = False
    prompt_format: str = "auto"  # "auto" = detect from the model file; or a format name
    fim_order: str = "auto"  # "auto" = suffix-prefix-middle where the format was trained on it; "psm" | "spm"
    url: str = ""  # OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1
    api_key: str = ""
    remote_model: str = ""  # model name sent to the OpenAI-compatible server
    timeout_s: float = 30.0
    # Minutes without model requests before the model is unloaded (0 = never). Not compared: changing
    # it needs no reload; the keep-alive feature reads it from the current settings.
    keep_alive_minutes: float = field(default=15.0, compare=False)
    state_cache_mb: int = 256  # KV-cache states kept for recently used documents (`doc_states`); 0 = none
    # "chat": the chatModel, which --model and CODER_LSP_MODEL (they name the main model) do not replace.
    role: str = "main"
    origin: str = ""  # which setting chose path/repo (e.g. "model.path in ~/.config/coder-lsp/config.toml")
