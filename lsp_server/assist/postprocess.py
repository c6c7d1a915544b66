"""Raw model text -> a suggestion worth showing (hop 5 of a completion).

The filters run in order on the text the model generated at the cursor:
keep one line or several depending on the syntax position; stop where the
completion starts repeating the suffix, the next lines, or itself; stop when
it leaves the enclosing block (a dedent, or the end of the enclosing
tree-sitter scope); and finally keep the longest head of it that adds no
tree-sitter ERROR/MISSING nodes to prefix + completion + suffix. Syntax work
runs on a window around the cursor, so a 10 MB file costs what a small one
does. Without a grammar for the language, the syntax steps are skipped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

# The site is `prompt_window.window`, what the model saw; the syntax checks parse a narrower
# part of it, since they may run a few times per completion.
SYNTAX_PREFIX = 600
SYNTAX_SUFFIX = 400
BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->", "do", "then")
CLOSERS = set(")]}>\"'`;, \t")
MAX_HEAD_CHARS = 2_000  # of the first line cut into heads: a few parses each, found by binary search
_HEAD_END = re.compile(r"\w+")  # a head may end after a whole identifier


@dataclass(frozen=True)
class CompletionSite:
    """The cursor's neighbourhood: windows of text and the tree-sitter language name."""

    prefix: str  # text before the cursor (a window is enough)
    suffix: str  # text after the cursor
    language: str | None = None  # tree-sitter language name, None = no syntax checks

    @property
    def line_before(self) -> str:
        return self.prefix[self.prefix.rfind("\n") + 1 :]

    @property
    def line_after(self) -> str:
        return self.suffix.split("\n", 1)[0].rstrip("\r")


def wants_multiline(site: CompletionSite, mode: str = "auto") -> bool:
    """Several lines on a blank line or after a block opener, outside comments and strings."""
    if mode in ("always", "never"):
        return mode == "always"
    if site.line_after.strip():
        return False  # the cursor is inside a line: finish that line only
    before = site.line_before.rstrip()
    if before.strip() and not before.endswith(BLOCK_OPENERS):
        return False
    return not _in_comment_or_string(site)  # prose in a comment or docstring: one line at a time


def _in_comment_or_string(site: CompletionSite) -> bool:
    """Whether tree-sitter puts the cursor inside a comment or a string literal."""
    if not site.language:
        return False
    try:
        from context.syntax import encode, parse

        narrow = _narrow(site)
        cursor = len(encode(narrow.prefix))
        node = parse(site.language, narrow.prefix + narrow.suffix).root_node.descendant_for_byte_range(
            max(0, cursor - 1), cursor)
    except Exception:  # an unknown language included
        log.debug("syntax position failed", exc_info=True)
        return False
    while node is not None:
        if "comment" in node.type or "string" in node.type:
            return node.start_byte < cursor <= node.end_byte
        node = node.parent
    return False


def postprocess(site: CompletionSite, text: str, *, multiline: bool) -> str:
    """The part of `text` to show, or "" when nothing is worth showing."""
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not multiline:
        lines = lines[:1]
    lines = _stop_at_suffix(site, lines)
    lines = _stop_at_repeats(site, lines)
    lines = _stop_at_dedent(site, lines)
    text = "\n".join(lines).rstrip()
    text = _drop_duplicated_closers(site, text)
    if site.language and text.strip():
        narrow = _narrow(site)
        text = _trim_to_scope(narrow, text)
        text = _longest_parsing_head(narrow, text)
    return text if text.strip() else ""


def _narrow(site: CompletionSite) -> CompletionSite:
    """The site with windows short enough to parse many times, cut at line boundaries."""
    prefix, suffix = site.prefix, site.suffix
    if len(prefix) > SYNTAX_PREFIX:
        cut = prefix.find("\n", len(prefix) - SYNTAX_PREFIX)
        prefix = prefix[cut + 1 :] if 0 <= cut < len(prefix) - len(site.line_before) else prefix[-SYNTAX_PREFIX:]
    if len(suffix) > SYNTAX_SUFFIX:
        cut = suffix.rfind("\n", 0, SYNTAX_SUFFIX)
        suffix = suffix[:cut] if cut > 0 else suffix[:SYNTAX_SUFFIX]
    return CompletionSite(prefix, suffix, site.language)


def _significant(line: str) -> str:
    return line.strip()


def _stop_at_suffix(site: CompletionSite, lines: list[str]) -> list[str]:
    """Cut before the first line that repeats one of the next lines of the file."""
    following = [s for s in (_significant(x) for x in site.suffix.split("\n")[1:6]) if len(s) > 2]
    if not following:
        return lines
    for number, line in enumerate(lines[1:], start=1):
        if _significant(line) in following:
            return lines[:number]
    return lines


def _stop_at_repeats(site: CompletionSite, lines: list[str]) -> list[str]:
    """Cut at a line the completion already wrote, or that the lines just above hold."""
    previous = [_significant(x) for x in site.prefix.split("\n")[-4:-1]]
    seen: set[str] = set()
    for number, line in enumerate(lines):
        key = _significant(line)
        if len(key) > 3 and (key in seen or (number > 0 and key in previous)):
            return lines[:number]
        if number == 0 and len(key) > 7 and (site.line_before.strip() + key) in previous:
            return []
        seen.add(key)
    return lines


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _stop_at_dedent(site: CompletionSite, lines: list[str]) -> list[str]:
    """Cut at the first later line indented less than the block the cursor is in."""
    if len(lines) < 2:
        return lines
    first = site.line_before + lines[0]
    block = _indent(first) if first.strip() else len(site.line_before)
    if site.line_before.rstrip().endswith(BLOCK_OPENERS):
        block += 1  # the lines after an opener are inside it
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() and _indent(line) < block and not _closes_block(line):
            return lines[:number]
    return lines


def _closes_block(line: str) -> bool:
    return bool(line.strip()) and set(line.strip()) <= set(")]};,")


def _drop_duplicated_closers(site: CompletionSite, text: str) -> str:
    """`foo(x` + `)` when `)` already follows the cursor: drop the model's copy."""
    after = site.line_after.strip()
    if after and set(after) <= CLOSERS and "\n" not in text and text.rstrip().endswith(after):
        return text.rstrip()[: -len(after)]
    return text


def warm_up(language: str) -> None:
    """Load the grammar and queries now, so the first completion does not pay for it."""
    from context.syntax import enclosing_scope, error_count

    error_count(language, "x\n")
    enclosing_scope(language, "x\n", 0)


def _trim_to_scope(site: CompletionSite, text: str) -> str:
    """Cut where the completion runs past the end of the scope the cursor is in."""
    if "\n" not in text:
        return text
    try:
        from context.syntax import enclosing_scope

        scope = enclosing_scope(site.language, site.prefix + text + site.suffix, len(site.prefix))
    except Exception:
        log.debug("enclosing_scope failed", exc_info=True)
        return text
    if scope is None:
        return text
    end = scope[1] - len(site.prefix)
    if 0 < end < len(text):
        line_end = text.find("\n", end)
        return text if line_end < 0 else text[:line_end]
    return text


def _heads(text: str) -> list[str]:
    """`text`, then shorter heads of it: whole lines first, then heads of the first line cut before
    a space or after a whole identifier, longest first. `Segment(` left open by the
    token limit then still shows `Segment`, the name the user is about to type."""
    lines = text.split("\n")
    heads = ["\n".join(lines[:count]) for count in range(len(lines), 0, -1)]
    first = lines[0].rstrip()[:MAX_HEAD_CHARS]
    cuts = {match.end() for match in _HEAD_END.finditer(first)} | {i for i, c in enumerate(first) if c == " "}
    heads += [first[:cut].rstrip() for cut in sorted(cuts, reverse=True) if 0 < cut < len(lines[0].rstrip())]
    return [head for head in dict.fromkeys(heads) if head.strip()]


def _longest_parsing_head(site: CompletionSite, text: str) -> str:
    """The longest head of `text` that adds no ERROR/MISSING nodes to the file.

    Longer heads break the parse more often than shorter ones, so after the
    whole text fails a binary search over the heads costs a few parses; those
    are incremental, from the tree of the whole text with the tail cut away.
    """
    try:
        heads = _heads(text)
        if not heads:
            return ""
        probe = _HeadProbe(site, heads[0])
        if probe.whole == 0:
            return heads[0]
        baseline = probe.errors("")
        if probe.whole <= baseline:
            return heads[0]
        low, high, best = 1, len(heads) - 1, ""
        while low <= high:
            middle = (low + high) // 2
            if probe.errors(heads[middle]) <= baseline:
                best, high = heads[middle], middle - 1
            else:
                low = middle + 1
        return best
    except Exception:
        log.debug("syntax check failed; keeping the text", exc_info=True)
        return text


class _HeadProbe:
    """Error counts of prefix + head + suffix for heads of one text, each parsed incrementally
    from the tree of prefix + text + suffix (an edit that deletes the rest of the text). That
    first tree comes from the syntax cache, where `_trim_to_scope` has usually just put it."""

    def __init__(self, site: CompletionSite, text: str) -> None:
        from context.languages import language_for
        from context.syntax import count_errors, encode, parse

        self._count_errors, self._encode = count_errors, encode
        self._parser = language_for(site.language).parser()
        self._prefix, self._text, self._suffix = encode(site.prefix), encode(text), encode(site.suffix)
        self._tree = parse(site.language, site.prefix + text + site.suffix)
        self._end = (len(self._prefix) + len(self._text), _point(self._prefix + self._text))
        self.whole = count_errors(self._tree.root_node)

    def errors(self, head: str) -> int:
        kept = self._encode(head)
        assert self._text.startswith(kept)  # heads are heads of the text
        source = self._prefix + kept
        start, start_point = len(source), _point(source)
        tree = self._tree.copy()
        tree.edit(start_byte=start, old_end_byte=self._end[0], new_end_byte=start, start_point=start_point,
                  old_end_point=self._end[1], new_end_point=start_point)
        return self._count_errors(self._parser.parse(source + self._suffix, tree).root_node)


def _point(source: bytes) -> tuple[int, int]:
    """tree-sitter's (row, byte column) at the end of `source`."""
    return source.count(b"\n"), len(source) - (source.rfind(b"\n") + 1)
