"""The project file: `.coder-lsp.toml`, or `[tool.coder-lsp]` in pyproject.toml, as raw options.

The CLI and git hooks have no editor to send settings, so they read the same
`coderLsp` keys from a file next to the code. This module only finds and
reads that file (the nearest one at or above a folder) and returns its raw,
camelCase-keyed table; `lsp_server.config.parse_settings` turns raw options
into settings, and relative model paths are resolved against the file's
folder by the loader.
"""

from __future__ import annotations

from pathlib import Path


def load_project_options(start: str | Path) -> tuple[Path, dict] | None:
    """(project file, raw options with camelCase keys) for the nearest project file above `start`."""
    from lsp_server.config import _camel_keys, find_project_file

    found = find_project_file(start)
    if found is None:
        return None
    path, raw = found
    return path, _camel_keys(raw)
