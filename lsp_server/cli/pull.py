"""`coder-lsp pull PRESET | owner/repo:file.gguf`: download a model into the Hugging Face cache.

A progress bar when stderr is a terminal (huggingface_hub's), nothing but
the result otherwise; an interrupted pull resumes when run again; the file
is checked against the Hub's LFS sha256 before it is kept. Prints the local
path on stdout; a failure (offline included) is one sentence on stderr and
exit status 1. `--chat` pulls the preset's chat model instead.
"""

from __future__ import annotations

import argparse
import sys
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="PRESET|REPO:FILE", help="a preset (see `coder-lsp doctor`) or owner/repo:file.gguf")
    parser.add_argument("--chat", action="store_true", help="pull the preset's chat model (explain, fix, commit)")


def run(args: argparse.Namespace) -> int:
    from lsp_server.model import pull

    started = time.perf_counter()
    try:
        target = pull.target_for(args.name, chat=args.chat)
        print(f"coder-lsp pull: {target.spec}", file=sys.stderr)
        path = pull.pull(target)
    except pull.PullError as err:
        print(f"coder-lsp pull: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ncoder-lsp pull: interrupted; run the same command again to resume.", file=sys.stderr)
        return 130
    print(f"coder-lsp pull: done in {time.perf_counter() - started:.1f} s; "
          f"use it with `coder-lsp use {args.name}`", file=sys.stderr)
    print(path)
    return 0
