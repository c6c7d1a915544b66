"""JSON-RPC rules pygls does not enforce by itself.

Three changes to pygls's `LanguageServerProtocol`: a request whose params do
not match the LSP types gets exactly one response (InvalidParams) instead of
none, so a client never waits forever and the server keeps serving (and a
request after `shutdown` gets InvalidRequest rather than silence); the
position encoding is UTF-16 unless the client offers UTF-8 (pygls would take
the client's first choice, UTF-32 included); and a `didChange` for a document
that was never opened is logged and dropped (pygls raises KeyError, which
would reach the user as an "internal error").
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol, lsp_method

log = logging.getLogger(__name__)


class MalformedRequest:
    """A request that could not be read into its LSP type; answered with an error."""

    jsonrpc = "2.0"

    def __init__(self, msg_id: Any, method: str, error: JsonRpcException) -> None:
        self.id = msg_id
        self.method = method
        self.error = error


def choose_position_encoding(capabilities: types.ClientCapabilities) -> None:
    """Leave the client offering only the encoding we want pygls to pick."""
    general = capabilities.general
    offered = general.position_encodings if general is not None else None
    if not offered:
        return
    utf8 = types.PositionEncodingKind.Utf8
    general.position_encodings = [utf8 if utf8 in offered else types.PositionEncodingKind.Utf16]


class CoderProtocol(LanguageServerProtocol):
    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        choose_position_encoding(params.capabilities)
        return (yield from super().lsp_initialize(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if self.workspace.text_documents.get(unquote(params.text_document.uri)) is None:
            log.warning("didChange for %s, which is not open: ignored", params.text_document.uri)
            return
        yield from super().lsp_text_document__did_change(params)

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                return MalformedRequest(data["id"], str(data["method"]), exc)
            raise

    def handle_message(self, message) -> None:
        if isinstance(message, MalformedRequest):
            log.warning("malformed %s request %r: answering %s", message.method, message.id, message.error)
            self._send_response(message.id, error=message.error.to_response_error())
            return
        if self._shutdown and getattr(message, "method", types.EXIT) != types.EXIT and hasattr(message, "id"):
            # pygls drops requests after shutdown; LSP wants them answered with InvalidRequest.
            error = types.ResponseError(code=types.ErrorCodes.InvalidRequest, message="the server is shutting down")
            self._send_response(message.id, error=error)
            return
        super().handle_message(message)
