"""Open documents: their text kept by LSP's rules, immutable snapshots, and keeping the index fresh.

Hop 1 of a completion: `take_snapshot` copies what a request needs (text,
version, cursor offset) on the event loop, so threads never touch the live
workspace. The arithmetic (lines, columns in the negotiated encoding,
clamping, applying edits) is `lsp_server.positions`; here it meets the
protocol's types and pygls's workspace, whose open documents become
`LspTextDocument`s. Text-sync and file-watch events are forwarded to the
repository index.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from lsp_server import positions
from lsp_server.assist.pipeline import relative_path

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
        start = max(self.text.rfind("\n", 0, self.offset), self.text.rfind("\r", 0, self.offset)) + 1
        return self.text[start : self.offset]


def offset_at(text: str, position: types.Position, encoding: str) -> tuple[int, types.Position]:
    """Clamped code-point offset for a client position, and that position re-expressed."""
    offset, line, character = positions.offset_at(text, position.line, position.character, encoding)
    return offset, types.Position(line, character)


def position_at(text: str, offset: int, encoding: str) -> types.Position:
    """Client position of a code-point offset."""
    return types.Position(*positions.position_at(text, offset, encoding))


class LspTextDocument(TextDocument):
    """pygls's open document, with edits applied and lines split by LSP's rules (pygls uses
    `str.splitlines`, which also breaks at form feeds, U+2028 and more, and applies an edit past
    the end of the last line one character early)."""

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        start, end = change.range.start, change.range.end
        encoding = self.position_codec.encoding or types.PositionEncodingKind.Utf16
        self._source = positions.apply_change(self.source, (start.line, start.character),
                                              (end.line, end.character), change.text, encoding)

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(positions.lines_with_ends(self.source))


def adopt_document(server, uri: str) -> None:
    """Make the document pygls just opened an `LspTextDocument`, so every later edit uses our rules."""
    documents = server.workspace.text_documents
    document = documents.get(unquote(uri))
    if document is None or isinstance(document, LspTextDocument):
        return
    documents[unquote(uri)] = LspTextDocument(
        document.uri, source=document.source, version=document.version, language_id=document.language_id,
        position_codec=document.position_codec,
    )


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


def document_path(uri: str) -> str:
    """The path pygls gives the document at `uri` (an untitled one's is the URI's path part), as snapshots carry it."""
    return to_fs_path(uri) or urlparse(uri).path or uri


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
        adopt_document(ls, params.text_document.uri)
        if path := fs_path(params.text_document.uri):
            _tell_index(ls, "set_document", path, params.text_document.text)
        _warm_syntax(params.text_document.language_id, path or params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: types.DidChangeTextDocumentParams) -> None:
        document = open_document(ls, params.text_document.uri)
        if document is not None:  # recent edits, for next-edit suggestions
            ls.completions.pipeline.edit_history.record(params.text_document.uri, document.path or "", document.source)
        if document is not None and (path := fs_path(params.text_document.uri)):
            _tell_index(ls, "set_document", path, document.source)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: types.DidCloseTextDocumentParams) -> None:
        pipeline = ls.completions.pipeline  # a closed document's texts and hunks go with it
        pipeline.edit_history.forget(params.text_document.uri)
        pipeline.cache.forget(params.text_document.uri)
        # its KV state, kept for its return, goes too: an untitled document's was never dropped (the
        # fuzz kept them up to model.stateCacheMb), as its key is not a file path
        if states := getattr(ls.engine, "states", None):
            states.forget(relative_path(document_path(params.text_document.uri), ls.workspace_root()))
        if path := fs_path(params.text_document.uri):
            _tell_index(ls, "forget_document", path)
            if sticky := getattr(ls, "sticky_context", None):
                sticky.forget(path)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            if path := fs_path(change.uri):
                _tell_index(ls, "file_changed", path)
