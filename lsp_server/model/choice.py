"""Choosing a model by name: what a user types, turned into a checked local GGUF path.

`resolve_choice(name)` turns what a user types (a path to a GGUF, a preset
name or `owner/repo:file.gguf` already pulled into the Hugging Face cache,
or a name from `coder-lsp models`) into a checked local path.
`lsp_server.settings_files.write_model_path(path)` records it in the user
config file (the model layer reads no settings files).
"""

from __future__ import annotations

import os

from lsp_server.model import presets
from lsp_server.model.gguf_file import GGUFError, read_gguf


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

