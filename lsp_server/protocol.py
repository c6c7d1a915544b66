"""JSON-RPC and LSP lifecycle rules pygls does not enforce by itself.

Every message that carries an id gets exactly one answer: a request whose
params do not match the LSP types gets InvalidParams; a message that is not
a JSON-RPC 2.0 request (no `jsonrpc`, another version, no method, a bad id,
a response to nothing we asked) gets InvalidRequest; a request before
`initialize` gets ServerNotInitialized, a second `initialize` and anything
after `shutdown` get InvalidRequest. Notifications before `initialize`,
repeated `initialized` and malformed notifications are logged and dropped,
never shown to the user. Output is always JSON: a non-finite float (echoed
diagnostic data, say) goes out as null, and a message that cannot be
serialized at all is replaced by an InternalError answer. Also: the position
encoding is UTF-16 unless the client offers UTF-8 (pygls would take the
client's first choice, UTF-32 included), and a `didChange` for a document
that was never opened is logged and dropped. And pygls's bookkeeping of
notification futures, which grows by one a keystroke, is emptied as they end.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol, lsp_method

log = logging.getLogger(__name__)
INVALID_REQUEST = types.ErrorCodes.InvalidRequest
NOT_INITIALIZED = types.ErrorCodes.ServerNotInitialized
ALWAYS_ALLOWED = (types.EXIT,)  # LSP: exit is honoured even before initialize


class BadMessage:
    """A message we answer with an error and do not dispatch (id None: not known)."""

    jsonrpc = "2.0"

    def __init__(self, msg_id: Any, error: types.ResponseError, reason: str) -> None:
        self.id, self.error, self.reason = msg_id, error, reason


class DroppedMessage:
    """A message with nothing to answer (a malformed notification): logged, then ignored."""

    jsonrpc = "2.0"

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _valid_id(msg_id: Any) -> bool:
    return isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)


def _is_notification(message_type) -> bool:
    """Whether an LSP message type has no id (pygls would drop the id and never answer)."""
    fields = getattr(message_type, "__attrs_attrs__", None)
    return fields is not None and not any(field.name == "id" for field in fields)


def invalid_request(msg_id: Any, reason: str) -> BadMessage:
    return BadMessage(msg_id if _valid_id(msg_id) else None, types.ResponseError(INVALID_REQUEST, reason), reason)


def choose_position_encoding(capabilities: types.ClientCapabilities) -> None:
    """Leave the client offering only the encoding we want pygls to pick."""
    general = capabilities.general
    offered = general.position_encodings if general is not None else None
    if not offered:
        return
    utf8 = types.PositionEncodingKind.Utf8
    general.position_encodings = [utf8 if utf8 in offered else types.PositionEncodingKind.Utf16]


def finite_json(text: str) -> str:
    """`text` (json.dumps output) with NaN and +-Infinity replaced by null."""
    return json.dumps(json.loads(text, parse_constant=lambda _constant: None), allow_nan=False)


class CoderProtocol(LanguageServerProtocol):
    _initialize_seen = False
    _initialized_seen = False

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

    def _execute_handler(self, msg_id, handler, callback, args=None, kwargs=None):
        # pygls files the future of every notification and inner (generator) handler under a
        # fresh uuid in `_request_futures` and never takes it out: a Future a keystroke,
        # forever. Take each out when it is done (a request's own entry is gone by then).
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(lambda done: self._forget_future(msg_id, done))

    def _forget_future(self, msg_id, future) -> None:
        # Later, not now: pygls's shutdown cancels futures while it iterates over the dict.
        try:
            asyncio.get_running_loop().call_soon(self._drop_future, msg_id, future)
        except RuntimeError:
            self._drop_future(msg_id, future)

    def _drop_future(self, msg_id, future) -> None:
        if self._request_futures.get(msg_id) is future:
            del self._request_futures[msg_id]

    # --- reading ---------------------------------------------------------------------

    def structure_message(self, data: dict[str, Any]):
        # json.loads calls this for every object, innermost first; only objects with a
        # `jsonrpc` member are taken for messages (as pygls does).
        if "jsonrpc" not in data:
            return data
        if "id" in data:
            if (problem := self._request_problem(data)) is not None:
                return invalid_request(data["id"], problem)
        elif "method" in data and not isinstance(data["method"], str):
            return DroppedMessage("a notification whose method is not a string")
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:
                return BadMessage(data["id"], exc.to_response_error(), str(exc))
            if "id" not in data:
                return DroppedMessage(f"malformed {str(data.get('method'))[:80]} notification: {exc}")
            return DroppedMessage(f"malformed response {data['id']!r}: {exc}")

    def _request_problem(self, data: dict[str, Any]) -> str | None:
        """Why a message with an id is not a request or an awaited response (None: it is fine)."""
        msg_id = data["id"]
        if data["jsonrpc"] != "2.0":
            return "jsonrpc must be \"2.0\""
        if not _valid_id(msg_id):
            return "the id must be an integer or a string"
        if "method" in data:
            if not isinstance(data["method"], str):
                return "the method must be a string"
            if "result" in data or "error" in data:
                return "a request cannot carry a result or an error"
            if _is_notification(self.get_message_type(data["method"])):
                return f"{data['method']} is a notification; it takes no id"
            return None
        if "result" not in data and "error" not in data:
            return "a message with an id needs a method, a result or an error"
        if msg_id not in self._request_futures and "error" in data:
            return "an error for a request the server did not send"
        return None

    # --- dispatching -------------------------------------------------------------------

    def handle_message(self, message) -> None:
        if (problem := self._unanswerable(message)) is not None:
            if problem:
                log.warning("dropped a message: %s", problem)
            return
        if isinstance(message, BadMessage):
            log.warning("invalid message %r: answering %s", message.id, message.reason)
            self._send_response(message.id, error=message.error)
            return
        method = getattr(message, "method", None)
        if hasattr(message, "id") and method is not None:
            if (error := self._refusal(method)) is not None:
                log.warning("%s request %r refused: %s", method, message.id, error.message)
                self._send_response(message.id, error=error)
                return
        elif method is not None and not self._accepts_notification(method):
            return
        super().handle_message(message)

    def _unanswerable(self, message) -> str | None:
        """Why `message` is dropped unanswered ("" when already logged); None to go on."""
        if isinstance(message, DroppedMessage):
            return message.reason
        if message is None:  # a body the reader already refused (see protocol_io)
            return ""
        if hasattr(message, "jsonrpc"):  # pygls's message objects, and ours
            return None
        if isinstance(message, dict) and "id" in message:
            bad = invalid_request(message["id"], "jsonrpc must be \"2.0\"")
            self._send_response(bad.id, error=bad.error)
            return "a message without jsonrpc: answered InvalidRequest"
        return f"not a JSON-RPC message: {type(message).__name__}"

    def _refusal(self, method: str) -> types.ResponseError | None:
        """The error a request gets instead of being handled, or None."""
        if self._shutdown and method != types.EXIT:
            # pygls drops requests after shutdown; LSP wants them answered with InvalidRequest.
            return types.ResponseError(INVALID_REQUEST, "the server is shutting down")
        if method == types.INITIALIZE:
            if self._initialize_seen:
                return types.ResponseError(INVALID_REQUEST, "the server is already initialized")
            self._initialize_seen = True
            return None
        if not self._initialize_seen:
            return types.ResponseError(NOT_INITIALIZED, "the server is not initialized yet")
        return None

    def _accepts_notification(self, method: str) -> bool:
        if method in ALWAYS_ALLOWED:
            return True
        if not self._initialize_seen:
            log.warning("%s before initialize: dropped", method)
            return False
        if method == types.INITIALIZED:
            if self._initialized_seen:
                log.warning("a repeated initialized notification: dropped")
                return False
            self._initialized_seen = True
        return True

    # --- writing -----------------------------------------------------------------------

    def _send_data(self, data: Any) -> None:
        """Send one message; always valid JSON, and a request always gets an answer."""
        if not data:
            return
        if self.writer is None:
            log.error("unable to send data: no transport")
            return
        try:
            body = self._serialize(data)
        except Exception:
            log.exception("cannot serialize an outgoing message")
            msg_id = getattr(data, "id", None)
            if getattr(data, "method", None) is not None or not _valid_id(msg_id):
                return
            body = json.dumps({"jsonrpc": "2.0", "id": msg_id,
                               "error": {"code": types.ErrorCodes.InternalError, "message": "unserializable result"}})
        payload = body.encode("utf-8")
        res = self.writer.write(b"Content-Length: %d\r\n\r\n" % len(payload) + payload)
        if inspect.isawaitable(res):
            asyncio.ensure_future(res)

    def _serialize(self, data: Any) -> str:
        if isinstance(data, types.ResponseErrorMessage) and data.id is None:
            # JSON-RPC wants "id": null when the id is unknown; the converter would leave it out.
            data = {"jsonrpc": "2.0", "id": None, "error": self._converter.unstructure(data.error)}
        try:
            return json.dumps(data, default=self._serialize_message, allow_nan=False)
        except ValueError as exc:
            if "JSON compliant" not in str(exc):
                raise
        log.warning("an outgoing message held NaN or Infinity: sent as null")
        return finite_json(json.dumps(data, default=self._serialize_message))

