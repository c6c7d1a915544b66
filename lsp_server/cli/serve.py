"""`coder-lsp serve [--tcp HOST:PORT] [--model PATH]`: run the language server.

On stdio (the default) the protocol gets a private copy of fd 1 and fd 1
itself is pointed at stderr first, so nothing a C library prints can corrupt
a message. TCP is for debugging with a client that connects to a port.
Logs go to stderr (`--log-level`), never to stdout.
"""

from __future__ import annotations

import logging
import sys


def add_arguments(parser) -> None:
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio (debugging)")
    parser.add_argument("--model", metavar="PATH", help="GGUF model to load (overrides settings)")
    parser.add_argument("--log-level", default="WARNING", help="stderr log level (default WARNING)")


def run(args, *, loader=None) -> int:
    """Serve until the client goes; `loader` replaces the model loader (the tests' scripted engine)."""
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level.upper(), format="coder-lsp %(levelname)s %(name)s: %(message)s"
    )
    from lsp_server.protocol_io import claim_stdin, claim_stdout
    from lsp_server.features import create_server

    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        server = create_server(cli_model=args.model, loader=loader)
        server.start_tcp(host or "127.0.0.1", int(port))
        return 0
    protocol_out, protocol_in = claim_stdout(), claim_stdin()
    server = create_server(cli_model=args.model, loader=loader)
    try:
        server.start_io(protocol_in, protocol_out)
    finally:
        server.shutdown()
    # LSP: `exit` without `shutdown` first is an error; end of input (a client gone) is not.
    exited_early = getattr(server, "exit_requested", False) and not getattr(server, "shutdown_started", False)
    return 1 if exited_early else 0
