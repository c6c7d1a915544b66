"""Choosing a model by name and recording the choice in the user's config file.

`resolve_choice(name)` turns what a user types (a path to a GGUF, a preset
name or `owner/repo:file.gguf` already pulled into the Hugging Face cache,
or a name from `coder-lsp models`) into a checked local path.
`write_model_path(path)` records it as `[model] path = "..."` in
`$XDG_CONFIG_HOME/coder-lsp/config.toml`, editing only that one line (or
adding the table) so the rest of the file, comments included, stays as the
user wrote it; the write is atomic. This is a small stand-in for the user
config layer's own writer in `lsp_server.config`; switch to it when both exist.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib

from lsp_server.model import presets
from lsp_server.model.gguf_file import GGUFError, read_gguf

_TABLE = re.compile(r"^\s*\[\s*(?P<name>[^\]]+?)\s*\]\s*(#.*)?$")
_LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")  # only \n ends a line: str.splitlines also splits on U+2028


class ChoiceError(ValueError):
    """The name is not a usable model; the message says what to do."""


def user_config_path() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "coder-lsp", "config.toml")


def resolve_choice(name: str) -> str:
    """The absolute path of a complete GGUF for `name`; raises ChoiceError."""
    from lsp_server.model import pull

    expanded = os.path.expanduser(name)
    if os.path.exists(expanded):
        return _checked(os.path.abspath(expanded), name)
    if name in presets.BY_NAME or ":" in name:
        try:
            target = pull.target_for(name)
        except pull.PullError:
            target = None
        cached = pull.cached_path(target) if target else None
        if cached:
            return _checked(cached, name)
        if target is not None:
            raise ChoiceError(f"{name} is not downloaded yet: run `coder-lsp pull {name}` first.")
    from lsp_server.model.discovery import find_models

    matches = [m for m in find_models(inspect=False) if name in (m.name, os.path.basename(m.path))]
    if not matches:
        raise ChoiceError(f"No model named {name!r}: give a path to a .gguf file, a preset "
                          f"({', '.join(presets.BY_NAME)}), or a name from `coder-lsp models`.")
    return _checked(matches[0].path, name)


def _checked(path: str, name: str) -> str:
    try:
        read_gguf(path)
    except (GGUFError, OSError) as err:
        raise ChoiceError(f"{name} ({path}) is not a usable GGUF model: {err}") from None
    return path


def write_model_path(path: str, config: str | None = None) -> str:
    """Set `[model] path` in the user config file, keeping everything else; returns the file's path."""
    config = config or user_config_path()
    try:
        with open(config, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        text = ""
    updated = set_table_key(text, "model", "path", json.dumps(path, ensure_ascii=False))
    try:
        written = tomllib.loads(updated).get("model", {}).get("path")
    except tomllib.TOMLDecodeError as err:
        raise ChoiceError(f"{config} is not valid TOML ({err}); fix it, then run this again.") from None
    if written != path:  # e.g. a multi-line string that looks like a [model] header
        raise ChoiceError(f"Could not set [model] path in {config} safely; edit it by hand: path = {path!r}")
    os.makedirs(os.path.dirname(config), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(config), prefix=".config.toml.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(updated)
    os.replace(tmp, config)
    return config


def set_table_key(text: str, table: str, key: str, value: str) -> str:
    """`text` with `key = value` in `[table]`: replaced where it is, else added under the header,
    else a new table at the end. `value` is already TOML (a JSON string is a TOML basic string)."""
    lines = _LINES.findall(text)
    start = next((i for i, line in enumerate(lines) if (m := _TABLE.match(line)) and m["name"] == table), None)
    entry = f"{key} = {value}\n"
    if start is None:
        prefix = text if not text or text.endswith("\n") else text + "\n"
        return prefix + ("\n" if prefix.strip() else "") + f"[{table}]\n" + entry
    end = next((i for i in range(start + 1, len(lines)) if _TABLE.match(lines[i])), len(lines))
    key_line = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i in range(start + 1, end):
        if key_line.match(lines[i]):
            lines[i] = entry
            return "".join(lines)
    lines.insert(start + 1, entry)
    return "".join(lines)
