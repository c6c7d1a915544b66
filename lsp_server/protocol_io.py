"""Owns the JSON-RPC channel on stdin and stdout.

llama.cpp prints to stdout and stderr from C, and llama-cpp-python points
fd 1 elsewhere while it loads a model; either would corrupt or swallow a
protocol message. At start-up `claim_stdout` keeps a private duplicate of
fd 1 for JSON-RPC, then points fd 1 (and Python's `sys.stdout`) at stderr,
so anything else that writes to "stdout" lands in the log instead. When
stdin is a pipe (as editors start servers), `PipeReader` lets the event loop
read it directly; pygls's own reader hands every header line and body to a
worker thread, three thread hops per message, three messages per keystroke.
A body longer than `BODY_LIMIT` is read past in chunks and dropped (one log
line), so a hostile Content-Length cannot make the server hold gigabytes.
`read_messages` is pygls's read loop with two changes: a body that is not
JSON gets JSON-RPC's Parse error (id null) instead of an exception, and an
integer too long for Python's int parser is read as a float, so the
message is still handled (and its id answered).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import stat
import sys
from typing import Any, BinaryIO, Callable

log = logging.getLogger(__name__)
LINE_LIMIT = 1 << 20  # header lines are short; a message body is read by length, not by line
BODY_LIMIT = 64 << 20  # no LSP message comes near this; a 10 MB document is about 10 MB of JSON
DRAIN_CHUNK = 1 << 20
DROPPED_BODY = b"null"  # what the protocol sees instead of an oversized body: nothing to handle
CONTENT_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")
INT_DIGITS = 4000  # Python refuses to parse longer ints (sys.get_int_max_str_digits, 4300)
PARSE_ERROR = -32700


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


def is_pipe(stream: BinaryIO) -> bool:
    """Whether the event loop can watch `stream` (a pipe, socket or terminal; not a file)."""
    if os.name == "nt":
        return False
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


class PipeReader:
    """pygls's reader interface (`readline`, `readexactly`; b"" at the end) on the event loop."""

    def __init__(self, stream: BinaryIO) -> None:
        self._source = stream
        self._stream: asyncio.StreamReader | None = None

    async def _reader(self) -> asyncio.StreamReader:
        if self._stream is None:
            self._stream = asyncio.StreamReader(limit=LINE_LIMIT)
            protocol = asyncio.StreamReaderProtocol(self._stream)
            await asyncio.get_running_loop().connect_read_pipe(lambda: protocol, self._source)
        return self._stream

    async def readline(self) -> bytes:
        reader = await self._reader()
        while True:
            try:
                return await reader.readline()
            except ValueError:  # a "header line" over the limit is junk: it was dropped, read on
                log.warning("dropped an input line longer than %d bytes", LINE_LIMIT)

    async def readexactly(self, n: int) -> bytes:
        reader = await self._reader()
        if n > BODY_LIMIT:
            return await self._drain(reader, n)
        try:
            return await reader.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial

    async def _drain(self, reader: asyncio.StreamReader, n: int) -> bytes:
        """Read past an oversized body without keeping it; b"" if the input ends first."""
        log.warning("dropped a message of %d bytes (the limit is %d)", n, BODY_LIMIT)
        left = n
        while left:
            chunk = await reader.read(min(left, DRAIN_CHUNK))
            if not chunk:
                return b""
            left -= len(chunk)
        return DROPPED_BODY


def _parse_int(digits: str) -> int | float:
    return int(digits) if len(digits) < INT_DIGITS else float(digits)


async def read_messages(stop_event, reader, protocol, logger=None,
                        error_handler: Callable[[Exception, Any], Any] | None = None) -> None:
    """pygls's `run_async` loop (same arguments), answering unreadable bodies with Parse error."""
    content_length = 0
    while not stop_event.is_set():
        header = await reader.readline()
        if not header:
            break
        if not content_length and (match := CONTENT_LENGTH.fullmatch(header)):
            content_length = int(match.group(1))
        if content_length and not header.strip():
            body = await reader.readexactly(content_length)
            content_length = 0
            if not body:
                break
            handle_body(protocol, body, error_handler)


def handle_body(protocol, body: bytes, error_handler=None) -> None:
    try:
        message = json.loads(body, object_hook=protocol.structure_message, parse_int=_parse_int)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        log.warning("unreadable message (%d bytes): %s", len(body), exc)
        from lsprotocol import types

        protocol._send_response(None, error=types.ResponseError(PARSE_ERROR, "Parse error"))
        return
    try:
        protocol.handle_message(message)
    except Exception as exc:
        log.exception("unable to handle message")
        if error_handler:
            from pygls.exceptions import JsonRpcException

            error_handler(exc, JsonRpcException)
