"""`python tests/scripted_server.py serve ...`: `coder-lsp serve` whose engine the tests script.

The real server, the real loader and the real engine, with the engine
wrapped by `tests.scripted_engine` as `CODER_LSP_TEST_ENGINE` says (a delay
per token, failures, a slow or failing load). `tests.conftest.server_command` picks this launcher
whenever a test sets that variable, so production code carries no test hook.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run by path from any folder (an editor starts it in the workspace): the checkout comes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lsp_server.cli import build_parser, serve  # noqa: E402
from lsp_server.model.loader import load_engine  # noqa: E402
from tests.scripted_engine import scripted_load, wrap_for_tests  # noqa: E402


def scripted_loader(*args, **kwargs):
    return wrap_for_tests(scripted_load(lambda: load_engine(*args, **kwargs)))


def main(argv: list[str]) -> int:
    args = build_parser(only="serve").parse_args(argv)
    return serve.run(args, loader=scripted_loader)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
