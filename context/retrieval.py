"""Context for one cursor: the definitions it needs, then similar code, under a budget.

`retrieve` ranks what the cursor needs (`context.ranking`), then packs
snippets in a fixed order: headers and class outlines by rank, then the
bodies of the best few, then similar windows from recently edited files. It
reads only the index's tables, the window around the cursor and the files
its snippets come from; it never parses the workspace and never waits for
indexing (a file the index has not seen yet is parsed once, alone). Same
inputs, same snippets.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from context import similar
from context.languages import language_name
from context.lookup import lookup
from context.merging import merge_small_snippets
from context.packing import Packer, TokenCounter, approx_tokens, body_snippet, definition_snippets
from context.ranking import BODY_NAMES, MIN_SNIPPET_TOKENS, Ranking
from context.resolve import import_files
from context.snippet import Snippet

MAX_SIMILAR = 4
FULL_FORM_NAMES = 12  # the best-ranked names shown whole (outlines, small bodies); the rest by header
MAX_DEFINITION_SNIPPETS = 64  # before merging: a file's guessed header lines become one snippet
MAX_SNIPPETS = 24  # after merging: past this, more snippets say little the model can use
MIN_SIMILAR_TOKENS = 24  # below this, no window fits: stop looking
WARM_FILES_PER_IMPORT = 2
_LINES_CACHE_SIZE = 128  # guesses reach into many files: a small cache would split them again and again
_CACHE_LOCK = threading.Lock()


def retrieve(index, path: str, text: str, offset: int, budget_tokens: int, *,
             count_tokens: TokenCounter | None = None, recent=()) -> tuple[Snippet, ...]:
    """Snippets for the cursor at character `offset` of `text` (the file at `path`), in priority order."""
    if budget_tokens <= 0:
        return ()
    packer = Packer(budget_tokens, count_tokens or approx_tokens)
    rel = index.relative(path) or path
    offset = max(0, min(offset, len(text)))
    cursor_line = text.count("\n", 0, offset)
    language = language_name(path)
    if language is not None:
        ranking = Ranking(index, rel, language, text, offset, cursor_line)
        ranked = ranking.ranked()
        _pack_definitions(index, ranked, packer, ranking.in_window)
    recent = recent or getattr(index, "recent_files", tuple)()
    _pack_similar(index, rel, text, offset, recent, packer)
    return tuple(packer.snippets)



_LINES: OrderedDict[tuple[str, int], tuple[str, list[str]]] = OrderedDict()


def _lines(index, rel: str, text: str | None = None) -> list[str] | None:
    """The lines of `text` (by default the file's current text), split once per text."""
    text = index.text(rel) if text is None else text
    if text is None:
        return None
    key = (rel, hash(text))
    hit = _LINES.get(key)
    if hit is None or hit[0] is not text:
        hit = (text, text.split("\n"))
        with _CACHE_LOCK:
            similar.put_bounded(_LINES, key, hit, _LINES_CACHE_SIZE)
    return hit[1]


def forget(rel: str) -> None:
    """Drop what the caches keep of `rel`'s text (a closed document's, which may exist nowhere else):
    the fuzz's closed documents filled both caches to their 16M characters (~100 MB with the lines)."""
    with _CACHE_LOCK:
        for key in [k for k in _LINES if k[0] == rel]:
            del _LINES[key]
    similar.WINDOWS.forget(rel)


def warm(index, rel: str) -> None:
    """Build what retrieval will read for an opened document (the indexing thread calls this):
    its similar-code windows, and the lookups and lines of the files it imports."""
    entry = index.table.get(rel)
    text = index.document_text(rel)
    if entry is None or text is None:
        return
    similar.WINDOWS.windows(rel, text)
    for record in entry.imports:
        for other in import_files(entry.language, rel, record, index.table)[:WARM_FILES_PER_IMPORT]:
            if lookup(index, other) is not None:
                _lines(index, other)


def _pack_definitions(index, ranked, packer: Packer, in_window=None) -> None:
    texts: dict[str, list[str] | None] = {}
    guessed: set = set()  # the one-line headers of guesses, which merge per file

    def lines_of(rel: str) -> list[str] | None:  # one disk check per file per request
        if rel not in texts:
            texts[rel] = _lines(index, rel)
        return texts[rel]

    for rank, (_score, key, found, wanted) in enumerate(ranked):
        if packer.budget - packer.used < MIN_SNIPPET_TOKENS or len(packer.snippets) >= MAX_DEFINITION_SNIPPETS:
            break
        # A guess (a name the visible code does not use yet), or a name far down the ranking: its header
        # alone, so many fit.
        guess = (key[0] in ("member", "guess") or (in_window is not None and key not in in_window)
                 or rank >= FULL_FORM_NAMES)
        for rel, definition in found:
            lines = lines_of(rel)
            file_lookup = lookup(index, rel)
            if lines is None or file_lookup is None:
                continue
            members = file_lookup.members_of.get(definition.name, [])
            # A guess among a module's many names: one header line each, to show as many as fit.
            if packer.add_first(definition_snippets(rel, definition, lines, members, frozenset(wanted),
                                                    compact=guess)) and guess:
                guessed.add(packer.snippets[-1])
    for _score, key, found, _wanted in ranked[:BODY_NAMES]:
        if in_window is not None and key not in in_window:
            continue  # a guess's body would crowd out what the code in view needs
        rel, definition = found[0]
        lines = lines_of(rel)
        if lines is not None and definition.kind != "module":
            packer.upgrade(body_snippet(rel, definition, lines))
    merge_small_snippets(packer, lines_of, guessed, MAX_SNIPPETS)


def _pack_similar(index, rel: str, text: str, offset: int, recent, packer: Packer) -> None:
    if packer.budget - packer.used < MIN_SIMILAR_TOKENS:
        return
    rels = []
    for path in list(recent)[:similar.MAX_RECENT_FILES + 1]:
        other = path if index.table.has(path) else index.relative(path)  # known paths skip realpath()
        if other is not None and other != rel and other not in rels:
            rels.append(other)
    if not rels:
        return
    query = similar.query(text, offset)
    files = [(other, t) for other in rels if (t := index.text(other)) is not None]
    texts = dict(files)
    added = 0
    for _score, other, first, last in similar.ranked_windows(query, files):
        if added >= MAX_SIMILAR or packer.budget - packer.used < MIN_SIMILAR_TOKENS:
            break
        if packer.overlaps(other, first, last):
            continue
        lines = _lines(index, other, texts[other])  # split once per text, not once per candidate window
        if packer.add(Snippet(other, first, last, "similar", "\n".join(lines[first - 1:last]))):
            added += 1
