"""Owns the JSON-RPC channel on stdout.

llama.cpp prints to stdout and stderr from C, and llama-cpp-python points
fd 1 elsewhere while it loads a model; either would corrupt or swallow a
protocol message. At start-up `claim_stdout` keeps a private duplicate of
fd 1 for JSON-RPC, then points fd 1 (and Python's `sys.stdout`) at stderr,
so anything else that writes to "stdout" lands in the log instead.
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO


def claim_stdout() -> BinaryIO:
    """Return a binary stream on a private copy of fd 1; fd 1 now goes to stderr."""
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.set_inheritable(protocol_fd, False)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb")


def claim_stdin() -> BinaryIO:
    """Return stdin for the protocol and give fd 0 /dev/null, so no child reads it."""
    protocol_fd = os.dup(0)
    os.set_inheritable(protocol_fd, False)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    return os.fdopen(protocol_fd, "rb")  # buffered: read(n) must return n bytes
