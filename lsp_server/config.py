"""Raw `coderLsp` options (camelCase JSON) -> frozen `Settings`.

The editor sends one `coderLsp` object, in `initializationOptions` and again
through `workspace/configuration`; the CLI and git hooks read the same keys
from `.coder-lsp.toml` or `[tool.coder-lsp]` in `pyproject.toml`. Parsing
never fails: a key with a wrong type or an unknown name falls back to its
default and is reported by name, so the server can say so once. Settings are
frozen and swapped whole; two equal `ModelSettings` need no model reload.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lsp_server.model.settings import ModelSettings

SECTION = "coderLsp"


@dataclass(frozen=True, kw_only=True)
class Settings:
    enable: bool = True
    languages: tuple[tuple[str, bool], ...] = ()  # per-language overrides of `enable`
    enable_inline_completion: bool = True
    enable_code_actions: bool = True
    debounce_ms: int = 75  # used by our clients; the server only echoes it
    max_tokens: int = 64
    context_budget: int = 1024  # tokens of repository context per completion
    latency_budget_ms: int = 1000  # a cold prompt is cut to what the machine evaluates in this time; 0 = off
    multiline: str = "auto"  # "auto" (from the syntax position) | "always" | "never"
    speculative: bool = True  # compute the next completion while idle
    chat_max_tokens: int = 384
    index_exclude: tuple[str, ...] = ()
    max_file_bytes: int = 1_000_000  # larger files are not indexed
    model: ModelSettings = field(default_factory=ModelSettings)

    def enabled_for(self, language_id: str | None) -> bool:
        if not self.enable:
            return False
        overrides = dict(self.languages)
        return overrides.get(language_id or "", overrides.get("*", True))


# --- value checkers: return the parsed value or raise ValueError -------------------


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("expected true or false")


def _int(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            raise ValueError("expected a whole number")
        if not low <= value <= high:
            raise ValueError(f"expected {low}..{high}")
        return int(value)

    return check


def _optional_int(low: int, high: int) -> Callable[[Any], int | None]:
    checked = _int(low, high)
    return lambda value: None if value is None else checked(value)


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError("expected a string")


def _choice(*names: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value in names:
            return value
        raise ValueError(f"expected one of {', '.join(names)}")

    return check


def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError("expected a list of strings")


def _language_map(value: Any) -> tuple[tuple[str, bool], ...]:
    if isinstance(value, dict) and all(isinstance(v, bool) for v in value.values()):
        return tuple(sorted(value.items()))
    raise ValueError("expected an object of languageId: true/false")


def _seconds(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 3600:
        return float(value)
    raise ValueError("expected seconds (0..3600]")


TOP_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "enable": ("enable", _bool),
    "languages": ("languages", _language_map),
    "enableInlineCompletion": ("enable_inline_completion", _bool),
    "enableCodeActions": ("enable_code_actions", _bool),
    "debounceMs": ("debounce_ms", _int(0, 5000)),
    "maxTokens": ("max_tokens", _int(1, 4096)),
    "contextBudget": ("context_budget", _int(0, 32768)),
    "latencyBudgetMs": ("latency_budget_ms", _int(0, 60_000)),
    "multiline": ("multiline", _choice("auto", "always", "never")),
    "speculative": ("speculative", _bool),
    "chatMaxTokens": ("chat_max_tokens", _int(1, 8192)),
    "maxFileBytes": ("max_file_bytes", _int(1_000, 1 << 30)),
}
# Keys our editor clients keep in the same section for themselves (how to start the
# server, protocol tracing), and project-file sections other parts read themselves
# (`[commit]`, read by lsp_server.commit through lsp_server.project): accepted and
# ignored here, never reported as invalid.
CLIENT_KEYS = {"server", "trace"}
OTHER_SECTIONS = {"commit"}
INDEX_KEYS = {"exclude": ("index_exclude", _str_list)}
MODEL_KEYS = {
    "path": ("path", _str),
    "repo": ("repo", _str),
    "file": ("file", _str),
    "nCtx": ("n_ctx", _int(256, 1 << 20)),
    "nGpuLayers": ("n_gpu_layers", _optional_int(-1, 10_000)),
    "threads": ("threads", _optional_int(1, 1024)),
    "flashAttention": ("flash_attention", _bool),
    "promptFormat": ("prompt_format", _str),
    "fimOrder": ("fim_order", _choice("auto", "psm", "spm")),
    "timeoutS": ("timeout_s", _seconds),
}
BACKEND_KEYS = {
    "kind": ("backend", _choice("local", "openai")),
    "url": ("url", _str),
    "apiKey": ("api_key", _str),
    "model": ("remote_model", _str),
}


def _empty(raw: Any) -> bool:
    """No settings: null, or an empty list (some clients send `[]` for an empty object)."""
    return raw is None or (isinstance(raw, list) and not raw)


def _read(raw: Any, keys: dict, where: str, bad: list[str]) -> dict[str, Any]:
    """The valid entries of one raw object, as dataclass keyword arguments."""
    if _empty(raw):
        return {}
    if not isinstance(raw, dict):
        bad.append(where.rstrip(".") or SECTION)
        return {}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in keys:
            bad.append(f"{where}{name}")
            continue
        attribute, check = keys[name]
        try:
            values[attribute] = check(value)
        except ValueError:
            bad.append(f"{where}{name}")
    return values


def parse_settings(raw: Any) -> tuple[Settings, tuple[str, ...]]:
    """Settings from a raw `coderLsp` object, and the dotted names of rejected keys."""
    bad: list[str] = []
    if _empty(raw):
        raw = {}
    if not isinstance(raw, dict):
        return Settings(), (SECTION,)
    raw = dict(raw)
    nested = {name: raw.pop(name, None) for name in ("index", "model", "backend")}
    for name in CLIENT_KEYS | OTHER_SECTIONS:
        raw.pop(name, None)
    top = _read(raw, TOP_KEYS, "", bad)
    top.update(_read(nested["index"], INDEX_KEYS, "index.", bad))
    model_values = _read(nested["model"], MODEL_KEYS, "model.", bad)
    model_values.update(_read(nested["backend"], BACKEND_KEYS, "backend.", bad))
    return Settings(model=ModelSettings(**model_values), **top), tuple(bad)


def merge_options(base: Any, override: Any) -> Any:
    """`override` over `base`, key by key and into nested objects; an empty side gives the other.

    The server merges the pulled `coderLsp` section over `initializationOptions`, so a
    client that sends only one of them (or a null/empty section) keeps its settings.
    """
    if _empty(override) or override == {}:
        return base
    if not (isinstance(base, dict) and isinstance(override, dict)):
        return override
    merged = dict(base)
    for name, value in override.items():
        merged[name] = merge_options(merged.get(name), value) if isinstance(value, dict) else value
    return merged


# --- project file: the same keys for the CLI and git hooks --------------------------


def _camel(name: str) -> str:
    return re.sub(r"[_-]([a-z])", lambda m: m.group(1).upper(), name)


def _camel_keys(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {_camel(k): _camel_keys(v) for k, v in raw.items()}
    return raw


def find_project_file(start: str | Path) -> tuple[Path, dict] | None:
    """The nearest `.coder-lsp.toml` or `pyproject.toml` with [tool.coder-lsp], upwards."""
    folder = Path(start).resolve()
    if folder.is_file():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        own = candidate / ".coder-lsp.toml"
        if own.is_file():
            return own, _load_toml(own)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            section = _load_toml(pyproject).get("tool", {}).get("coder-lsp")
            if isinstance(section, dict):
                return pyproject, section
    return None


def _load_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def project_settings(start: str | Path) -> tuple[Settings, tuple[str, ...]]:
    """Settings from the project file above `start` (camelCase, snake_case or kebab-case keys)."""
    found = find_project_file(start)
    return parse_settings(_camel_keys(found[1]) if found else None)
