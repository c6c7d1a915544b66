"""Checks before llama.cpp sees a model file, and the thread count it runs with.

A bad file must be a sentence naming the file, the problem and the setting,
never a crash inside llama.cpp, so the file's GGUF header is read first.
"""

from __future__ import annotations

import os

from lsp_server.model.gguf_file import GGUFError, GGUFInfo, read_gguf
from lsp_server.model.types import EngineError


def check_model_file(path: str, setting: str = "coderLsp.model.path") -> GGUFInfo:
    """The file's GGUF metadata, or an EngineError naming the file, the problem and the setting."""
    if not os.path.exists(path):
        raise EngineError(f"Model file not found: {path}. Set {setting} to a GGUF model file.")
    try:
        return read_gguf(path)
    except GGUFError as err:
        raise EngineError(f"{path} is not a usable GGUF model ({err}). Set {setting} to a complete GGUF model file.") from err
    except OSError as err:
        raise EngineError(f"Cannot read model file {path}: {err.strerror or err}.") from err


def default_threads() -> int:
    """Half the usable cores: ggml's threads spin at barriers, so oversubscribing a busy machine
    (an editor, a compiler, other tools) costs far more than a thread too few."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 2
    return max(1, cores // 2)
