"""`coder-lsp hook install|uninstall|status [--repo DIR]`, and the hidden `hook run`.

`install` puts the `prepare-commit-msg` hook where git looks for it (chaining
any hook already there), `uninstall` restores exactly what was there, and
`status` says which it is and whether a running server answers the hook.
`run MSGFILE [SOURCE [SHA]]` is what the installed hook calls; it always
exits 0.
"""

from __future__ import annotations

import argparse
import sys

from lsp_server.commit import hooks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["install", "uninstall", "status", "run"],
                        help="install, uninstall or status (`run` is what the hook calls)")
    parser.add_argument("hook_args", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--repo", default=".", help="repository folder (default: the current one)")
    parser.add_argument("--model", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if args.action == "run":
        from lsp_server.commit.hook_runner import run_hook

        return run_hook(*args.hook_args[:3], model=args.model) if args.hook_args else 0
    try:
        if args.action == "install":
            print(hooks.install(args.repo))
        elif args.action == "uninstall":
            print(hooks.uninstall(args.repo))
        else:
            print(hooks.status(args.repo).describe())
            print(_warm_model_line(args.repo))
    except (hooks.HookError, OSError) as error:
        print(f"coder-lsp: {error}", file=sys.stderr)
        return 1
    return 0


def _warm_model_line(repo: str) -> str:
    from lsp_server.commit import warm_socket
    from lsp_server.commit.staged import open_repository

    toplevel = str(open_repository(repo).working_tree_dir)
    if warm_socket.ask(toplevel, {"op": "ping"}, 1.0):
        return "warm model: a running `coder-lsp serve` answers the hook for this repository"
    return "warm model: no server for this repository; the hook loads the model itself"
