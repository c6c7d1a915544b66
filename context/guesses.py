"""Guessing the name about to be typed when no visible text names it yet.

Two cases. A bare name at the cursor in a file that sees names without an
import (a Go package's other files, Java's package, wildcard imports): the
namespace's top-level names are ranked by the subwords used nearby (the lines
above say `local date`, so `parseLocalDate`), by the letters already typed, and
by whether this file already uses them elsewhere. `alias.|` with the member not
typed: that module's members this file already uses (`alias.Name` elsewhere in
the file) join the subword guesses. Guesses are shown one header line each, so
a handful cost little of the budget.
"""

from __future__ import annotations

import re

from context.cursor_text import _appears, _innermost, _is_word_char, uses_outside, window_bounds
from context.lookup import lookup, subwords

GUESS_CANDIDATES = 24
GUESS_WEIGHT = 0.45
MIN_WORD_WEIGHT = 0.3
FILE_USE_BONUS = 0.25
MAX_GUESS_FILES = 48
MAX_PREFIX_SCAN = 4000  # names looked at to match what is typed, all files together
USE_SCAN_CHARS = 60_000  # of the file around the cursor, for `alias.Name` uses
MEMBER_USE_WEIGHT = 0.35
PRIOR_WORD_WEIGHT = 0.5
MAX_OWNERS_IN_VIEW = 2
MIN_TYPED = 2
MAX_NAME_CHARS = 256
TYPED_IMPORT_WEIGHT = 1.5  # as much as a use on the cursor's line
NEIGHBOURS = 3  # definitions either side of one used nearby: `case token.LBRACK:` then `case token.RBRACK:`
NEIGHBOUR_WEIGHT = 0.3
MAX_NEIGHBOUR_SEEDS = 12
MAX_NEIGHBOUR_TRIES = 80
FILE_USE_WEIGHT = 0.5
FILE_USE_CANDIDATES = 20
FILE_USE_NEAR_LINES = 100
ERROR_WORD_WEIGHT = 1.5  # as if the cursor's line said it
MAX_HEADER_SEARCH_LINES = 400
_RAISES = re.compile(r"(?:^|[\s;{}(])(?:raise|throw(?:\s+new)?|except|catch)\s+$")
_COMPARES_ERROR = re.compile(r"(?:\berr\w*\s*[!=]=\s*|errors\.(?:Is|As)\(\s*\w+\s*,\s*)$", re.IGNORECASE)
_GO_RETURN = re.compile(r"(?:^|[\s;{])return\b[^;]*$")
_GO_RETURNS_ERROR = re.compile(r"\berror\)?\s*\{\s*$")


def score_priors_by_words(ranking) -> None:
    """Imported names the window does not use yet, ordered by the subwords used nearby (`is_...` calls
    above: the other `is_` names), so a file importing fifty names does not show them in import order."""
    nearby = {w: weight for w, weight in ranking.nearby_words.items() if weight >= MIN_WORD_WEIGHT}
    if not nearby:
        return
    for record in ranking.imports:
        key = ("import", record.local)
        if record.local and record.name and key not in ranking.in_window:
            similarity = _similarity(record.local, nearby)
            if similarity:
                ranking.scores[key] += PRIOR_WORD_WEIGHT * similarity


def expect_errors(ranking) -> None:
    """Where an error goes (`raise |`, `throw new |`, `err == |`, `errors.Is(err, |`, a Go `return` in a
    function whose last result is an `error`), names of errors are likely: their subwords count as seen."""
    line_start = max(ranking.text.rfind("\n", 0, ranking.offset) + 1, ranking.offset - MAX_NAME_CHARS)
    start = ranking.offset
    while start > line_start and _is_word_char(ranking.text[start - 1]):
        start -= 1
    before = ranking.text[line_start:start]
    if _RAISES.search(before):
        words = ("error", "exception", "err")
    elif _COMPARES_ERROR.search(before) or (ranking.language == "go" and _GO_RETURN.search(before)
                                             and _GO_RETURNS_ERROR.search(_function_header(ranking))):
        words = ("err", "error")
    else:
        return
    for word in words:
        ranking.nearby_words[word] = max(ranking.nearby_words.get(word, 0.0), ERROR_WORD_WEIGHT)


def _function_header(ranking) -> str:
    """The first line of the function around the cursor ("" when none is near enough)."""
    scope = _innermost(ranking.function_spans, ranking.cursor_line + 1)
    if scope is None or ranking.cursor_line + 1 - scope[0] > MAX_HEADER_SEARCH_LINES:
        return ""
    end = ranking.text.rfind("\n", 0, ranking.offset)
    for _ in range(ranking.cursor_line + 1 - scope[0]):
        end = ranking.text.rfind("\n", 0, end)
    header_end = ranking.text.find("\n", end + 1)
    return ranking.text[end + 1:header_end if header_end >= 0 else len(ranking.text)]


def owners_in_view(ranking) -> set[tuple]:
    """Owner keys (`obj.method` -> the type with that method) that the code in view points at: those
    of a member name few types have. A `String` or `Len` that half the package defines is only a guess."""
    owners: dict[str, list[tuple]] = {}
    for key in ranking.scores:
        if key[0] == "owner":
            for member in ranking.members[key]:
                owners.setdefault(member, []).append(key)
    return {key for keys in owners.values() if len(keys) <= MAX_OWNERS_IN_VIEW for key in keys}


def score_guesses(ranking) -> None:
    """Add ("guess", name) and ("member", alias, name) scores to `ranking` (a `context.ranking.Ranking`)."""
    # Identifiers longer than MAX_NAME_CHARS are not names anyone types: bound the backward scans.
    line_start = max(ranking.text.rfind("\n", 0, ranking.offset) + 1, ranking.offset - MAX_NAME_CHARS)
    prefix_start = ranking.offset
    while prefix_start > line_start and _is_word_char(ranking.text[prefix_start - 1]):
        prefix_start -= 1
    typed = ranking.text[prefix_start:ranking.offset]
    if prefix_start > line_start and ranking.text[prefix_start - 1] == ".":
        alias = _score_member_uses(ranking, line_start, prefix_start - 1, typed)
        if alias:
            seeds = [(key[2], score) for key, score in ranking.scores.items() if key[0] == "module" and key[1] == alias]
            _score_neighbours(ranking, seeds, lambda name: ranking._resolve(("module", alias, name)),
                              lambda name: ("member", alias, name), typed)
        return
    _score_typed_imports(ranking, typed)
    if ranking._free_sources():
        seeds = [(key[1], score) for key, score in ranking.scores.items() if key[0] == "free"]
        _score_namespace(ranking, typed)
        _score_file_uses(ranking, typed)
        _score_neighbours(ranking, seeds, ranking._resolve_free, lambda name: ("guess", name), typed)


def _score_typed_imports(ranking, typed: str) -> None:
    """`apply_disc|` with `apply_discount` imported: the name being typed is that import, as if typed whole."""
    if len(typed) < MIN_TYPED:
        return
    for record in ranking.imports:
        if record.local and record.local != typed and record.local.startswith(typed):
            key = ("import", record.local) if record.name else None
            if key is not None:
                ranking.scores[key] += TYPED_IMPORT_WEIGHT
                ranking.in_window.add(key)


def _score_neighbours(ranking, seeds, resolve, make_key, typed: str) -> None:
    """Definitions next to ones used nearby: related names are declared together."""
    used = 0
    for name, weight in sorted(seeds, key=lambda item: -item[1])[:MAX_NEIGHBOUR_TRIES]:
        found = resolve(name)  # words of a string or comment in view resolve to nothing: skip them
        if not found:
            continue
        used += 1
        if used > MAX_NEIGHBOUR_SEEDS:
            break
        rel, definition = found[0]
        file_lookup = lookup(ranking.index, rel)
        if file_lookup is None:
            continue
        names = list(file_lookup.top)  # in file order
        try:
            at = names.index(definition.name)
        except ValueError:
            continue
        for step in range(1, NEIGHBOURS + 1):
            for other in (names[at - step] if at >= step else None, names[at + step] if at + step < len(names) else None):
                if other and other.startswith(typed) and other != typed and other not in ranking.local_names:
                    ranking.scores[make_key(other)] += NEIGHBOUR_WEIGHT * min(weight, 1.5) / step


def _score_namespace(ranking, typed: str) -> None:
    nearby = {w: weight for w, weight in ranking.nearby_words.items() if weight >= MIN_WORD_WEIGHT}
    candidates: dict[str, float] = {}
    scanned = 0
    for rel in ranking._free_files[:MAX_GUESS_FILES]:
        file_lookup = lookup(ranking.index, rel)
        if file_lookup is None:
            continue
        if typed:  # the letters typed so far decide; subwords only order what matches
            for name in file_lookup.top:
                scanned += 1
                if name.startswith(typed) and name != typed:
                    candidates[name] = max(candidates.get(name, 0.0), 0.5 + _similarity(name, nearby))
                if scanned > MAX_PREFIX_SCAN:
                    break
            continue
        for word in nearby:
            for name in file_lookup.names_with_word().get(word, ()):
                if name not in candidates:
                    candidates[name] = _similarity(name, nearby)
    region = _region(ranking.text, ranking.offset)
    ranked = sorted(candidates.items(), key=lambda item: (-item[1], item[0]))[:GUESS_CANDIDATES * 3]
    scored = []
    for name, similarity in ranked:
        if name in ranking.local_names:
            continue
        bonus = FILE_USE_BONUS if _appears(name, region) else 0.0
        scored.append((similarity + bonus, name))
    scored.sort(key=lambda item: (-item[0], item[1]))
    for score, name in scored[:GUESS_CANDIDATES]:
        ranking.scores[("guess", name)] += GUESS_WEIGHT * (0.2 + score)


def _score_file_uses(ranking, typed: str) -> None:
    """Names of the namespace this file uses outside the window (a helper called at the top of the file,
    a sentinel compared further down): a file tends to use its package's names again."""
    start, end = window_bounds(ranking.text, ranking.offset)
    (head, head_counts), (tail, tail_counts) = uses_outside(ranking.rel, ranking.text, start, end)
    used = head_counts.keys() | tail_counts.keys()
    if not used:
        return
    found: set[str] = set()
    for rel in ranking._free_files[:MAX_GUESS_FILES]:
        file_lookup = lookup(ranking.index, rel)
        if file_lookup is not None:
            found |= used & file_lookup.top.names()
    counted = sorted(((head_counts.get(name, 0) + tail_counts.get(name, 0), name) for name in found
                      if name.startswith(typed) and name != typed and name not in ranking.local_names
                      and ("free", name) not in ranking.scores), key=lambda item: (-item[0], item[1]))
    scored = []
    for count, name in counted[:FILE_USE_CANDIDATES * 3]:
        distances = []
        if name in head_counts:
            distances.append(head.count("\n", head.rfind(name)))
        if name in tail_counts:
            distances.append(tail.count("\n", 0, tail.find(name)))
        nearness = 1 / (1 + min(distances) / FILE_USE_NEAR_LINES)
        scored.append((FILE_USE_WEIGHT * (0.5 * min(count, 4) / 4 + 0.5 * nearness), name))
    for score, name in sorted(scored, key=lambda item: (-item[0], item[1]))[:FILE_USE_CANDIDATES]:
        ranking.scores[("guess", name)] += score


def _score_member_uses(ranking, line_start: int, dot: int, typed: str) -> str:
    start = dot
    line_start = max(line_start, dot - MAX_NAME_CHARS)
    while start > line_start and _is_word_char(ranking.text[start - 1]):
        start -= 1
    alias = ranking.text[start:dot]
    record = ranking.bound.get(alias)
    if not alias or record is None or (start > line_start and ranking.text[start - 1] == "."):
        return ""
    region = _region(ranking.text, ranking.offset)
    needle = alias + "."
    counts: dict[str, int] = {}
    position = region.find(needle)
    while position >= 0:
        begin = position + len(needle)
        end = begin
        while end < len(region) and _is_word_char(region[end]):
            end += 1
        if end > begin and not (position and _is_word_char(region[position - 1])):
            name = region[begin:end]
            if name.startswith(typed) and name != typed:
                counts[name] = counts.get(name, 0) + 1
        position = region.find(needle, end)
    for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:GUESS_CANDIDATES]:
        ranking.scores[("member", alias, name)] += MEMBER_USE_WEIGHT * min(count, 4) / 2
    return alias


def _similarity(name: str, nearby: dict[str, float]) -> float:
    words = subwords(name)
    return sum(nearby.get(word, 0.0) for word in words) / len(words) if words else 0.0


def _region(text: str, offset: int) -> str:
    start = max(0, offset - USE_SCAN_CHARS * 3 // 4)
    return text[start:start + USE_SCAN_CHARS]
