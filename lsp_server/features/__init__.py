"""LSP features, one method family per module, each with `register(server)`.

`create_server` imports the modules named in FEATURES, in order, and calls
their `register`; a feature that fails to import or register fails start-up,
so a broken feature is found at once rather than as an AttributeError on
some later request. Other parts add their one line to FEATURES.
"""

from __future__ import annotations

import importlib

from lsp_server.model.host import Loader
from lsp_server.server import CoderServer

FEATURES = [
    "lifecycle",
    "documents",
    "inline_completion",
    "prefill",
    "completion",
    "next_edit",
    "code_actions",
    "commands",
    "commit_message",
    "models",
    "model_use",
]


def create_server(*, cli_model: str | None = None, loader: Loader | None = None) -> CoderServer:
    """A server with every feature module in FEATURES registered."""
    server = CoderServer(cli_model=cli_model, loader=loader)
    for name in FEATURES:
        importlib.import_module(f"lsp_server.features.{name}").register(server)
    return server
