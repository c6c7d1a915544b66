"""Open documents: immutable snapshots, positions, and keeping the index fresh.

Hop 1 of a completion: `take_snapshot` copies what a request needs (text,
version, cursor offset) on the event loop, so threads never touch the live
workspace. Positions arrive in the negotiated encoding (UTF-16 or UTF-8) and
are clamped, never trusted: past the end of a line means its end, past the
last line means the end of the file, and half a character rounds down.
Text-sync and file-watch events are forwarded to the repository index.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentSnapshot:
    uri: str
    path: str
    language_id: str
    version: int | None
    text: str
    offset: int  # cursor, in code points into `text`
    position: types.Position  # the cursor in client units, after clamping

    @property
    def prefix(self) -> str:
        return self.text[: self.offset]

    @property
    def suffix(self) -> str:
        return self.text[self.offset :]

    def line_before_cursor(self) -> str:
        return self.text[self.text.rfind("\n", 0, self.offset) + 1 : self.offset]


def _units(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == types.PositionEncodingKind.Utf8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    if encoding == types.PositionEncodingKind.Utf32:
        return 1
    return 2 if code > 0xFFFF else 1


def column_to_index(line: str, column: int, encoding: str) -> int:
    """Code-point index in `line` for `column` client units, rounded down and clamped."""
    if line.isascii() or encoding == types.PositionEncodingKind.Utf32:
        return min(column, len(line))
    units = 0
    for index, char in enumerate(line):
        units += _units(char, encoding)
        if units > column:
            return index
    return len(line)


def index_to_column(line: str, index: int, encoding: str) -> int:
    head = line[:index]
    if head.isascii():
        return len(head)
    return sum(_units(char, encoding) for char in head)


def line_start(text: str, line: int) -> int:
    """Offset where `line` starts, or -1 past the last line."""
    start = 0
    for _ in range(line):
        newline = text.find("\n", start)
        if newline < 0:
            return -1
        start = newline + 1
    return start


def offset_at(text: str, position: types.Position, encoding: str) -> tuple[int, types.Position]:
    """Clamped code-point offset for a client position, and that position re-expressed."""
    start = line_start(text, position.line)
    if start < 0:
        return len(text), position_at(text, len(text), encoding)
    end = text.find("\n", start)
    line = text[start : len(text) if end < 0 else end].removesuffix("\r")
    index = column_to_index(line, position.character, encoding)
    return start + index, types.Position(position.line, index_to_column(line, index, encoding))


def position_at(text: str, offset: int, encoding: str) -> types.Position:
    """Client position of a code-point offset."""
    offset = max(0, min(offset, len(text)))
    line_number = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return types.Position(line_number, index_to_column(text[start:offset], offset - start, encoding))


def encoding_of(server) -> str:
    return server.workspace.position_encoding or types.PositionEncodingKind.Utf16


def open_document(server, uri: str):
    """The open document for `uri`, or None (pygls would invent one from disk)."""
    return server.workspace.text_documents.get(unquote(uri))


def take_snapshot(server, uri: str, position: types.Position) -> DocumentSnapshot | None:
    document = open_document(server, uri)
    if document is None:
        return None
    text = document.source
    offset, clamped = offset_at(text, position, encoding_of(server))
    return DocumentSnapshot(
        uri=uri,
        path=document.path or uri,
        language_id=document.language_id or "",
        version=document.version,
        text=text,
        offset=offset,
        position=clamped,
    )


def current_version(server, uri: str) -> int | None:
    document = open_document(server, uri)
    return None if document is None else document.version


def fs_path(uri: str) -> str | None:
    return to_fs_path(uri) if uri.startswith("file:") else None


def _tell_index(server, action: str, *args) -> None:
    index = server.index
    if index is None:
        return
    try:
        getattr(index, action)(*args)
    except Exception:  # the index is a helper; a failure there must not fail sync
        log.exception("index.%s failed", action)


_warmed: set[str] = set()


def _warm_syntax(language_id: str, path: str) -> None:
    """Load the document's grammar in a worker thread the first time we see the language."""
    try:
        from context.languages import language_for

        spec = language_for(language_id) or language_for(path)
    except Exception:
        return
    if spec is None or spec.name in _warmed:
        return
    from lsp_server.assist.postprocess import warm_up

    _warmed.add(spec.name)
    threading.Thread(target=warm_up, args=(spec.name,), name="coder-lsp-warm-up", daemon=True).start()


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: types.DidOpenTextDocumentParams) -> None:
        if path := fs_path(params.text_document.uri):
            _tell_index(ls, "set_document", path, params.text_document.text)
        _warm_syntax(params.text_document.language_id, path or params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: types.DidChangeTextDocumentParams) -> None:
        document = open_document(ls, params.text_document.uri)
        if document is not None and (path := fs_path(params.text_document.uri)):
            _tell_index(ls, "set_document", path, document.source)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: types.DidCloseTextDocumentParams) -> None:
        if path := fs_path(params.text_document.uri):
            _tell_index(ls, "forget_document", path)
            if sticky := getattr(ls, "sticky_context", None):
                sticky.forget(path)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            if path := fs_path(change.uri):
                _tell_index(ls, "file_changed", path)
