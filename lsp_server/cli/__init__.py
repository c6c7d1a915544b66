"""The `coder-lsp` command line: one subcommand per module in this package.

Each module (`serve`, `complete`, `context_cmd`, `explain`, `commit_msg`,
`hook`, `doctor`, `demo`) exposes `add_arguments(parser)` and
`run(args) -> int`; this file only dispatches, importing the chosen module
lazily so that `coder-lsp --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "serve": ("serve", "run the language server (stdio by default)"),
    "complete": ("complete", "complete the code at FILE:LINE:COL"),
    "context": ("context_cmd", "print the repository context for FILE:LINE:COL"),
    "explain": ("explain", "explain an error message at FILE:LINE"),
    "commit-msg": ("commit_msg", "write a commit message for the staged changes"),
    "hook": ("hook", "install, uninstall or inspect the prepare-commit-msg hook"),
    "doctor": ("doctor", "print versions, GPU support, the resolved model and grammars"),
    "trust": ("trust", "let this folder's project file choose the backend and model"),
    "demo": ("demo", "run a completion and an explanation on the fixture workspace"),
    "models": ("models", "list the GGUF models on this machine and the preset that fits"),
    "pull": ("pull", "download a preset or owner/repo:file.gguf from the Hugging Face Hub"),
    "use": ("use", "choose the model to run (written to the user config file)"),
}


def _module(name: str):
    return importlib.import_module(f"lsp_server.cli.{COMMANDS[name][0]}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coder-lsp", description="Local AI coding assistant.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if only in (None, name):
            _module(name).add_arguments(command_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if a in COMMANDS), None)
    args = build_parser(only=chosen).parse_args(argv)
    return int(_module(args.command).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
