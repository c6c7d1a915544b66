"""Which project settings a repository may set: trusted folders and the screen.

A cloned repository is untrusted input. Its project file may tune behaviour
(budgets, languages, excludes) but not choose where code goes or what runs:
`backend.*`, `model.repo`/`model.file` (a download) and a `model.path`
outside the repository (and the same `chatModel` fields) are dropped unless
the user trusted the folder with
`coder-lsp trust`, which records the folder and the sha256 of its project
file in the user's config file (`[trust]`), as direnv's `allow` does.
Changing the project file changes its hash, which revokes the trust.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from lsp_server.model.settings import HUB_SPEC
from lsp_server.settings_files import find_project_file, read_user_config, remove_user_setting, write_user_setting

SECTION = "trust"


def digest(project_file: Path) -> str:
    try:
        return hashlib.sha256(project_file.read_bytes()).hexdigest()
    except OSError:
        return ""


def trusted_folders() -> dict[str, str]:
    """{folder: sha256 of its project file when it was trusted}."""
    records = read_user_config().get(SECTION, {})
    return {k: v for k, v in records.items() if isinstance(v, str)} if isinstance(records, dict) else {}


def is_trusted(project_file: Path) -> bool:
    recorded = trusted_folders().get(str(project_file.resolve().parent))
    return bool(recorded) and recorded == digest(project_file)


def trust_folder(folder: str | Path) -> Path:
    """Trust the project file at or above `folder` as it is now; returns that file."""
    found = find_project_file(folder)
    if found is None:
        raise FileNotFoundError(f"no .coder-lsp.toml or [tool.coder-lsp] in pyproject.toml at or above {folder}")
    project_file = found[0].resolve()
    write_user_setting(SECTION, str(project_file.parent), digest(project_file))
    return project_file


def revoke(folder: str | Path) -> bool:
    """Forget the trust of the project file at or above `folder` (or of `folder` itself)."""
    records = trusted_folders()
    found = find_project_file(folder)
    candidates = [str(found[0].resolve().parent)] if found else []
    candidates.append(str(Path(folder).resolve()))
    for name in candidates:
        if name in records:
            remove_user_setting(SECTION, name)
            return True
    return False


def screen(options: dict, project_file: Path) -> tuple[dict, tuple[str, ...]]:
    """(the options a repository may set, the dotted names dropped); all of them when trusted."""
    if not isinstance(options, dict) or is_trusted(project_file):
        return options, ()
    kept, dropped = dict(options), []
    backend = kept.pop("backend", None)
    if isinstance(backend, dict):
        dropped += [f"backend.{name}" for name in backend]
    elif backend is not None:
        dropped.append("backend")
    for section in ("model", "chatModel"):  # the chat model runs code as much as the main one
        model = kept.get(section)
        if not isinstance(model, dict):
            continue
        model = dict(model)
        for name in ("repo", "file"):
            if name in model:
                del model[name]
                dropped.append(f"{section}.{name}")
        path = model.get("path")
        if isinstance(path, str) and (HUB_SPEC.match(path) or not _inside(path, project_file.parent)):
            del model["path"]
            dropped.append(f"{section}.path")
        kept[section] = model
    return kept, tuple(dropped)


def _inside(path: str, folder: Path) -> bool:
    root = os.path.realpath(folder)
    full = os.path.realpath(os.path.join(root, os.path.expanduser(path)))
    return full == root or full.startswith(root + os.sep)


def notice(dropped: tuple[str, ...], project_file: Path) -> str:
    """The one line that says what was ignored and how to allow it."""
    folder = project_file.resolve().parent
    return (f"coder-lsp: ignored {', '.join(dropped)} from {project_file} (a repository may not choose "
            f"where code goes or what runs); if you trust this folder, run: coder-lsp trust {folder}")
