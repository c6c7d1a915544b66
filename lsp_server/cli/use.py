"""`coder-lsp use NAME`: make NAME the model the server, the CLI and the hook run.

NAME is a path to a GGUF file, a preset or `owner/repo:file.gguf` already
pulled, or a name from `coder-lsp models`. The choice is written to the user
config file (`$XDG_CONFIG_HOME/coder-lsp/config.toml`, `[model] path`),
which settings made in the editor still outrank.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="a .gguf path, a pulled preset or repo:file, or a listed model")


def run(args: argparse.Namespace) -> int:
    from lsp_server.model.choice import ChoiceError, resolve_choice
    from lsp_server.settings_files import UserConfigError, write_model_path

    try:
        path = resolve_choice(args.name)
        config = write_model_path(path)
    except (ChoiceError, UserConfigError) as err:
        print(f"coder-lsp use: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"coder-lsp use: cannot write the user config: {err}", file=sys.stderr)
        return 1
    print(f"coder-lsp use: {path}\n  written to {config} ([model] path)")
    return 0
