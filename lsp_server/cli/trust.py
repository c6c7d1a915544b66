"""`coder-lsp trust [DIR]`: let a folder's project file choose the backend and the model.

Without trust, a repository's `.coder-lsp.toml` (or `[tool.coder-lsp]`)
may not set `backend.*`, `model.repo`/`model.file` or a `model.path` outside
the repository (`lsp_server.trust`). `trust` records the folder and the
sha256 of its project file in the user's config file, so editing the file
revokes it; `--revoke` forgets a folder; `--list` prints what is trusted and
whether it still holds.
"""

from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("folder", nargs="?", default=".", help="the folder (or one inside it); default: here")
    parser.add_argument("--revoke", action="store_true", help="forget the trust of this folder")
    parser.add_argument("--list", action="store_true", help="list trusted folders")


def run(args) -> int:
    from lsp_server import trust
    from lsp_server.settings_files import user_config_path

    if args.list:
        for folder, recorded in sorted(trust.trusted_folders().items()):
            files = [Path(folder) / name for name in (".coder-lsp.toml", "pyproject.toml")]
            current = next((trust.digest(f) for f in files if f.is_file()), "")
            print(f"{folder}\t{'trusted' if current == recorded else 'changed since trusted (not trusted)'}")
        return 0
    if args.revoke:
        if trust.revoke(args.folder):
            print(f"coder-lsp: no longer trusting {Path(args.folder).resolve()}")
            return 0
        print(f"coder-lsp: {Path(args.folder).resolve()} was not trusted", file=sys.stderr)
        return 1
    try:
        project_file = trust.trust_folder(args.folder)
    except FileNotFoundError as error:
        print(f"coder-lsp: {error}", file=sys.stderr)
        return 1
    print(f"coder-lsp: trusting {project_file} as it is now (recorded in {user_config_path()}); "
          "editing it revokes the trust")
    return 0
