"""`coder-lsp commit-msg [--repo DIR] [--model PATH]`: print a message for the staged changes.

Nothing staged is said plainly, before any model loads. Without `--model`
a running `coder-lsp serve` for the repository answers over the warm socket;
otherwise the model is loaded here. Only the message goes to stdout: fd 1
points at stderr while llama.cpp loads and runs, so its logs cannot mix in.
"""

from __future__ import annotations

import argparse
import os
import sys

from lsp_server.commit.staged import NotARepository, NothingStaged, read_staged_changes
from lsp_server.model.types import CancelToken, EngineError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="repository folder (default: the current one)")
    parser.add_argument("--model", help="GGUF model path (default: settings, CODER_LSP_MODEL, embedded)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for a running server")


def run(args: argparse.Namespace) -> int:
    try:
        changes = read_staged_changes(args.repo)
    except (NothingStaged, NotARepository) as error:
        print(f"coder-lsp: {error}", file=sys.stderr)
        return 1
    saved_stdout = _point_stdout_at_stderr()
    try:
        message = _message(changes.toplevel, args.model, args.timeout)
    except NothingStaged as error:
        print(f"coder-lsp: {error}", file=sys.stderr)
        return 1
    except EngineError as error:
        print(f"coder-lsp: {error}", file=sys.stderr)
        return 2
    finally:
        _restore_stdout(saved_stdout)
    print(message)
    return 0


def _message(toplevel: str, model: str | None, timeout_s: float) -> str:
    from lsp_server.commit.hook_runner import message_for

    return message_for(toplevel, timeout_s, model, CancelToken())[0]


def _point_stdout_at_stderr() -> int:
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    return saved


def _restore_stdout(saved: int) -> None:
    sys.stdout.flush()
    os.dup2(saved, 1)
    os.close(saved)
