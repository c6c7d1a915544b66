"""The settings schema, and raw `coderLsp` options layered and parsed into frozen `Settings`.

The tables below are the one schema: the VS Code `contributes.configuration`
and the Neovim docs are tested against `schema()`. The editor sends one
`coderLsp` object, in `initializationOptions` and again through
`workspace/configuration`. Layers, lowest first: the built-in defaults, the
user's config file, the project file (screened by `lsp_server.trust`: a
repository may not choose where code goes), the editor's settings; the
environment (`CODER_LSP_MODEL`) and the command line (`--model`) are applied
by the model loader. The CLI and git hooks have no editor, so they read the
two files (`project_settings`). Parsing never fails: a key with a wrong type
or an unknown name falls back to its default and is reported by name, so the
server can say so once. Settings are frozen and swapped whole; two equal
`ModelSettings` need no model reload.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from lsp_server import trust
from lsp_server.model.settings import HUB_SPEC, ModelSettings
from lsp_server.setting_values import (
    boolean, choice, language_map, minutes, optional_whole_number, seconds, string, string_list, whole_number,
)
from lsp_server.settings_files import load_project_options, user_config_path, user_options

SECTION = "coderLsp"


@dataclass(frozen=True, kw_only=True)
class NextEditSettings:
    """`coderLsp.nextEdit`: next-edit suggestions (`textDocument/copilotInlineEdit`)."""

    enable: bool = True
    aggressiveness: str = "medium"  # "low" | "medium" | "high": how much a suggestion may change
    history_size: int = 8  # recent edits kept per document for the prompt


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
    context_guidance: bool = True  # decoding leans toward identifiers the context defines (model.guidance)
    chat_max_tokens: int = 384
    index_exclude: tuple[str, ...] = ()
    max_file_bytes: int = 1_000_000  # larger files are not indexed
    secret_files: tuple[str, ...] = ()  # globs added to context.secrets.SECRET_FILE_PATTERNS
    next_edit: NextEditSettings = field(default_factory=NextEditSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    chat_path: str = ""  # chatModel: a second model for explain/fix/commit; "" = the main model
    chat_repo: str = ""
    chat_file: str = ""

    def chat_model(self) -> ModelSettings | None:
        """The chat model's settings (the main model's tuning, its own file), or None to chat with the main one."""
        if not (self.chat_path or (self.chat_repo and self.chat_file)):
            return None
        return replace(self.model, backend="local", path=self.chat_path, repo=self.chat_repo, file=self.chat_file,
                       role="chat", origin="coderLsp.chatModel.path")

    def chat_settings(self) -> ModelSettings:
        """What explain, fix and commit messages run: the chat model when set, else the main one."""
        return self.chat_model() or self.model

    def enabled_for(self, language_id: str | None) -> bool:
        if not self.enable:
            return False
        overrides = dict(self.languages)
        return overrides.get(language_id or "", overrides.get("*", True))


TOP_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "enable": ("enable", boolean),
    "languages": ("languages", language_map),
    "enableInlineCompletion": ("enable_inline_completion", boolean),
    "enableCodeActions": ("enable_code_actions", boolean),
    "debounceMs": ("debounce_ms", whole_number(0, 5000)),
    "maxTokens": ("max_tokens", whole_number(1, 4096)),
    "contextBudget": ("context_budget", whole_number(0, 32768)),
    "latencyBudgetMs": ("latency_budget_ms", whole_number(0, 60_000)),
    "multiline": ("multiline", choice("auto", "always", "never")),
    "speculative": ("speculative", boolean),
    "contextGuidance": ("context_guidance", boolean),
    "chatMaxTokens": ("chat_max_tokens", whole_number(1, 8192)),
    "maxFileBytes": ("max_file_bytes", whole_number(1_000, 1 << 30)),
    "secretFiles": ("secret_files", string_list),
}
# Keys our editor clients keep in the same section for themselves (how to start the
# server, protocol tracing), and project-file sections other parts read themselves
# (`[commit]`, read by lsp_server.commit through lsp_server.settings_files; `[trust]`,
# read by lsp_server.trust): accepted and
# ignored here, never reported as invalid.
CLIENT_KEYS = {"server", "trace"}
OTHER_SECTIONS = {"commit", "trust"}
INDEX_KEYS = {"exclude": ("index_exclude", string_list)}
NEXT_EDIT_KEYS = {
    "enable": ("enable", boolean),
    "aggressiveness": ("aggressiveness", choice("low", "medium", "high")),
    "historySize": ("history_size", whole_number(1, 50)),
}
MODEL_KEYS = {
    "path": ("path", string),
    "repo": ("repo", string),
    "file": ("file", string),
    "nCtx": ("n_ctx", whole_number(256, 1 << 20)),
    "nGpuLayers": ("n_gpu_layers", optional_whole_number(-1, 10_000)),
    "threads": ("threads", optional_whole_number(1, 1024)),
    "flashAttention": ("flash_attention", boolean),
    "promptFormat": ("prompt_format", string),
    "fimOrder": ("fim_order", choice("auto", "psm", "spm")),
    "timeoutS": ("timeout_s", seconds),
    "keepAliveMinutes": ("keep_alive_minutes", minutes),
    "stateCacheMb": ("state_cache_mb", whole_number(0, 1 << 20)),
}
CHAT_MODEL_KEYS = {"path": ("chat_path", string), "repo": ("chat_repo", string), "file": ("chat_file", string)}
BACKEND_KEYS = {
    "kind": ("backend", choice("local", "openai")),
    "url": ("url", string),
    "apiKey": ("api_key", string),
    "model": ("remote_model", string),
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
    nested = {name: raw.pop(name, None) for name in ("index", "model", "backend", "chatModel")}
    for name in CLIENT_KEYS | OTHER_SECTIONS:
        raw.pop(name, None)
    next_edit_raw = raw.pop("nextEdit", None)
    top = _read(raw, TOP_KEYS, "", bad)
    top.update(_read(nested["index"], INDEX_KEYS, "index.", bad))
    top.update(_read(nested["chatModel"], CHAT_MODEL_KEYS, "chatModel.", bad))
    model_values = _read(nested["model"], MODEL_KEYS, "model.", bad)
    model_values.update(_read(nested["backend"], BACKEND_KEYS, "backend.", bad))
    next_edit = NextEditSettings(**_read(next_edit_raw, NEXT_EDIT_KEYS, "nextEdit.", bad))
    return Settings(model=ModelSettings(**model_values), next_edit=next_edit, **top), tuple(bad)


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



# --- the schema, for the editor manifests and their drift test ------------------------


def schema() -> dict[str, dict[str, Any]]:
    """{dotted key under coderLsp: {"default": ..., "type": ..., "enum"/"minimum"/"maximum"}}."""
    defaults, model = Settings(), ModelSettings()
    entries: dict[str, dict[str, Any]] = {}
    for prefix, keys, source in (("", TOP_KEYS, defaults), ("index.", INDEX_KEYS, defaults),
                                 ("chatModel.", CHAT_MODEL_KEYS, defaults),
                                 ("model.", MODEL_KEYS, model), ("backend.", BACKEND_KEYS, model)):
        for name, (attribute, check) in keys.items():
            default = getattr(source, attribute)
            default = dict(default) if attribute == "languages" else list(default) if isinstance(default, tuple) else default
            entries[prefix + name] = {"default": default, **getattr(check, "schema", {})}
    for name, (attribute, check) in NEXT_EDIT_KEYS.items():
        entries["nextEdit." + name] = {"default": getattr(defaults.next_edit, attribute), **getattr(check, "schema", {})}
    return entries


# --- layers: user file < project file (screened) < editor ----------------------------

_MODEL_CHOICE = ("path", "repo", "file")
_warned: set[str] = set()


def layered_settings(workspace: str | Path | None, editor: Any = None, *,
                     notify: Callable[[str], None] | None = None) -> tuple[Settings, tuple[str, ...]]:
    """Settings for a workspace: the user file, its project file, then `editor`; and the bad keys.

    `notify` gets one line when the project file asked for something it may not set."""
    layers = [(_user_layer(), f"model.path in {user_config_path()}")]
    found = load_project_options(workspace) if workspace else None
    if found is not None:
        project_file, options = found
        options, dropped = trust.screen(options, project_file)
        if dropped and notify is not None:
            notify(trust.notice(dropped, project_file))
        layers.append((_based(options, project_file.parent), f"model.path in {project_file}"))
    layers.append((editor if isinstance(editor, dict) else None, "coderLsp.model.path"))
    raw: Any = {}
    origin = ""
    for options, where in layers:
        if isinstance(options, dict) and _chooses_model(options):
            raw = _without_model_choice(raw)  # the model is chosen whole by the highest layer
            origin = where
        raw = merge_options(raw, options)
    settings, bad = parse_settings(raw)
    if not (_empty(editor) or isinstance(editor, dict)):
        bad = (SECTION, *bad)  # not an object: the editor layer is dropped whole
    return (replace(settings, model=replace(settings.model, origin=origin)) if origin else settings), bad


def project_settings(start: str | Path) -> tuple[Settings, tuple[str, ...]]:
    """Settings for the CLI and git hooks at `start` (no editor); an ignored setting is named on stderr once."""
    return layered_settings(start, notify=_warn_once)


def _warn_once(text: str) -> None:
    if text not in _warned:
        _warned.add(text)
        print(text, file=sys.stderr)


def _user_layer() -> dict:
    return _based(user_options(), user_config_path().parent)


def _based(options: Any, folder: Path) -> Any:
    """`model.path` and `chatModel.path` made absolute against the file's folder, so every layer means
    the same file."""
    for section in ("model", "chatModel"):
        model = options.get(section) if isinstance(options, dict) else None
        if not (isinstance(model, dict) and isinstance(model.get("path"), str) and model["path"]):
            continue
        if HUB_SPEC.match(model["path"]) and not os.path.exists(os.path.join(str(folder), model["path"])):
            continue
        path = os.path.expanduser(model["path"])
        options = {**options, section: {**model, "path": os.path.join(str(folder), path)}}
    return options


def _chooses_model(options: dict) -> bool:
    model = options.get("model")
    return isinstance(model, dict) and any(model.get(name) for name in _MODEL_CHOICE)


def _without_model_choice(raw: Any) -> Any:
    if not (isinstance(raw, dict) and isinstance(raw.get("model"), dict)):
        return raw
    return {**raw, "model": {k: v for k, v in raw["model"].items() if k not in _MODEL_CHOICE}}
