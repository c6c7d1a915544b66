"""The two settings files: the user's config file and a repository's project file.

The user file is `$XDG_CONFIG_HOME/coder-lsp/config.toml` (`~/.config/...`
without XDG): the user's own choices (`coder-lsp use` writes `[model]`
there) and the folders `coder-lsp trust` allowed (`[trust]`). The project
file is the nearest `.coder-lsp.toml`, or `[tool.coder-lsp]` in a
`pyproject.toml`, at or above a folder: untrusted input from the
repository. Both use the `coderLsp` keys (camelCase, snake_case or
kebab-case); this module only finds, reads and edits the files and returns
raw camelCase tables. `lsp_server.config` layers and parses them and
`lsp_server.trust` screens the project file. Edits keep every other line of
the user file as it was.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

PROJECT_FILE = ".coder-lsp.toml"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "coder-lsp" / "config.toml"


def load_toml(path: Path) -> dict:
    """The file's table; {} when it is missing, unreadable or not TOML (never raises)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def read_user_config() -> dict:
    """The user file as written (snake/kebab keys kept), {} when there is none."""
    return load_toml(user_config_path())


def user_options() -> dict:
    """The user file's settings as raw camelCase options (the `[trust]` records left out)."""
    raw = {name: value for name, value in read_user_config().items() if name != "trust"}
    return camel_keys(raw)


def camel_keys(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {re.sub(r"[_-]([a-z])", lambda m: m.group(1).upper(), str(k)): camel_keys(v) for k, v in raw.items()}
    return raw


def find_project_file(start: str | Path) -> tuple[Path, dict] | None:
    """(file, its coder-lsp table as written) for the nearest project file at or above `start`,
    up to the repository's root."""
    folder = Path(start).resolve()
    if folder.is_file():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        own = candidate / PROJECT_FILE
        if own.is_file():
            return own, load_toml(own)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            section = load_toml(pyproject).get("tool", {}).get("coder-lsp")
            if isinstance(section, dict):
                return pyproject, section
        if (candidate / ".git").exists():
            break  # a file above the repository's root is not the repository's
    return None


def load_project_options(start: str | Path) -> tuple[Path, dict] | None:
    """(project file, raw options with camelCase keys) for the nearest project file above `start`."""
    found = find_project_file(start)
    return (found[0], camel_keys(found[1])) if found else None


# --- editing the user file, line by line so comments and other tables stay -------------


def write_user_setting(section: str, key: str, value: Any) -> Path:
    """Set `key = value` in `[section]` of the user file (created if needed; "" = top level); returns the file."""
    return _edit(section, key, f"{_toml_key(key)} = {_toml_value(value)}")


class UserConfigError(ValueError):
    """The user file cannot be edited; the message says what to do."""


def write_model_path(path: str) -> str:
    """Set `[model] path` in the user file (`coder-lsp use`, the editor's model picker); returns the file."""
    try:
        return str(write_user_setting("model", "path", path))
    except tomllib.TOMLDecodeError as err:
        raise UserConfigError(f"{user_config_path()} is not valid TOML ({err}); fix it, then run this again.") from None


def remove_user_setting(section: str, key: str) -> Path:
    """Drop `key` from `[section]` of the user file, if it is there."""
    return _edit(section, key, None)


def _edit(section: str, key: str, line: str | None) -> Path:
    path = user_config_path()
    try:
        lines = path.read_text(encoding="utf-8").replace("\r\n", "\n").removesuffix("\n").split("\n")
    except FileNotFoundError:
        lines = []
    start, end = _section_span(lines, section)
    if start is None:
        if line is None:
            return path
        lines += ([""] if lines and lines[-1].strip() else []) + [f"[{_toml_key(section)}]", line]
    else:
        found = next((i for i in range(start + 1, end) if _line_key(lines[i]) == key), None)
        if found is not None and line is None:
            del lines[found]
        elif found is not None:
            lines[found] = line
        elif line is not None:
            insert = end
            while insert > start + 1 and not lines[insert - 1].strip():
                insert -= 1
            lines.insert(insert, line)
            if start < 0 and insert < len(lines) - 1 and lines[insert + 1].strip():
                lines.insert(insert + 1, "")  # keep a blank line before the first table
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # never leave a file the next read would reject
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


def _section_span(lines: list[str], section: str) -> tuple[int | None, int]:
    """(header line, line after the table) of `[section]`, or (None, len); the top level is (-1, first header)."""
    if not section:
        return -1, next((n for n, text in enumerate(lines) if _HEADER.match(text)), len(lines))
    start = None
    for number, text in enumerate(lines):
        match = _HEADER.match(text)
        if not match:
            continue
        if start is not None:
            return start, number
        if _unquote(match.group(1)) == section:
            start = number
    return start, len(lines)


def _line_key(text: str) -> str | None:
    if "=" not in text or text.lstrip().startswith("#"):
        return None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    return next(iter(parsed), None)


def _unquote(name: str) -> str:
    try:
        return next(iter(tomllib.loads(f"{name} = 0")))
    except (tomllib.TOMLDecodeError, StopIteration):
        return name


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
