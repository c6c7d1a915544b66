"""`textDocument/completion`: the model's suggestion as one completion item.

For clients without inline completion (older editors, plain LSP setups).
The item replaces the word before the cursor with that word plus the
suggestion, so the client's own filtering keeps it while the user types.
The list is marked incomplete: the next keystroke asks again, and the
completion cache answers typed-ahead text without a model call.
"""

from __future__ import annotations

import re

from lsprotocol import types

from lsp_server.features import model_use
from lsp_server.features.documents import encoding_of, take_snapshot
from lsp_server.positions import index_to_column
from lsp_server.features.inline_completion import should_complete, suggest
from lsp_server.server import CoderServer

WORD_BEFORE = re.compile(r"[\w$]*")  # matched on the reversed line: `[\w$]*$` is quadratic in a long line


def register(server: CoderServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "(", " "]))
    async def completion(ls: CoderServer, params: types.CompletionParams):
        snapshot = take_snapshot(ls, params.text_document.uri, params.position)
        await model_use.wake(ls)  # an idle-unloaded model reloads for this request
        if not should_complete(ls, snapshot):
            return None
        text = await suggest(ls, snapshot)
        if not text:
            return None
        word = WORD_BEFORE.match(snapshot.line_before_cursor()[::-1]).group(0)[::-1]
        width = index_to_column(word, len(word), encoding_of(ls))  # the word's length in client units
        start = types.Position(snapshot.position.line, snapshot.position.character - width)
        label = (word + text).strip().splitlines()[0][:80]
        item = types.CompletionItem(
            label=label,
            kind=types.CompletionItemKind.Text,
            detail="coder-lsp",
            filter_text=word + text,
            text_edit=types.TextEdit(types.Range(start, snapshot.position), word + text),
            insert_text_format=types.InsertTextFormat.PlainText,
            sort_text="0",
        )
        return types.CompletionList(is_incomplete=True, items=[item])
