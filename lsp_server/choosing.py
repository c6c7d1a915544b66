"""Choosing a model by name and recording the choice in the user's config file.

`resolve_choice(name)` turns what a user types (a path to a GGUF, a preset
name or `owner/repo:file.gguf` already pulled into the Hugging Face cache,
or a name from `coder-lsp models`) into a checked local path.
`write_model_path(path)` records it as `[model] path = "..."` in
`$XDG_CONFIG_HOME/coder-lsp/config.toml` through the user-config writer
(`lsp_server.settings_files`), which edits only that line and keeps the rest.
"""

from __future__ import annotations

import os
import tomllib

from lsp_server.model import presets
from lsp_server.model.gguf_file import GGUFError, read_gguf
from lsp_server.settings_files import user_config_path, write_user_setting


class ChoiceError(ValueError):
    """The name is not a usable model; the message says what to do."""


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


def write_model_path(path: str) -> str:
    """Set `[model] path` in the user config file, keeping everything else; returns the file's path."""
    try:
        written = write_user_setting("model", "path", path)
    except tomllib.TOMLDecodeError as err:
        raise ChoiceError(f"{user_config_path()} is not valid TOML ({err}); fix it, then run this again.") from None
    return str(written)
