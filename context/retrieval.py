"""Context for one cursor: the definitions it needs, then similar code, under a budget.

`retrieve` reads only the index's tables and a window of lines around the
cursor; it never parses the workspace and never waits for indexing (a file
the index has not seen yet is parsed once, alone). Names near the cursor are
weighted by distance and scope, imports not used anywhere in the visible text
get a prior (the cursor is often about to use them), and each name is
resolved through the language's import rules (`context.resolve`), following
re-exports. Snippets are packed in a fixed order: headers and class outlines
by rank, then bodies of the best few, then similar windows from recent files.
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict

from context import similar
from context.imports import WILDCARD, ImportRecord, extract_imports
from context.languages import language_for, language_name
from context.packing import Packer, TokenCounter, approx_tokens, body_snippet, definition_snippet
from context.resolve import implicit_files, import_files
from context.snippet import Snippet
from context.syntax import CONTAINER_KINDS, Definition, encode, extract_definitions

WINDOW_BEFORE = 60
WINDOW_AFTER = 20
OUTSIDE_SCOPE = 0.4
UNUSED_IMPORT_PRIOR = 0.5
USED_IMPORT_PRIOR = 0.05
FREE_NAME_WEIGHT = 0.6
GLOBAL_WEIGHT = 0.3
GLOBAL_MAX_CANDIDATES = 2
DEFS_PER_NAME = 2
BODY_NAMES = 3
MAX_SIMILAR = 4
MIN_SCORE = 0.01
_CHAIN = re.compile(r"(?<![\w$.])[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)*")
_SEPARATOR = re.compile(r"\.|::|->")


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
        ranked = _Ranking(index, rel, language, text, cursor_line).ranked()
        _pack_definitions(index, ranked, packer)
    recent = recent or getattr(index, "recent_files", tuple)()
    _pack_similar(index, rel, text, offset, recent, packer)
    return tuple(packer.snippets)


class _Ranking:
    """Scores what the cursor needs: (score, name, candidate definitions, wanted members)."""

    def __init__(self, index, rel: str, language: str, text: str, cursor_line: int) -> None:
        self.index, self.rel, self.language, self.text = index, rel, language, text
        self.cursor_line = cursor_line
        self.definitions, self.imports = _file_summary(index, rel, language, text)
        self.local_names = {d.name for d in self.definitions}
        self.bound: dict[str, ImportRecord] = {r.local: r for r in self.imports if r.local}
        self.scores: dict[tuple, float] = defaultdict(float)
        self.members: dict[tuple, set[str]] = defaultdict(set)
        self.member_uses: dict[str, float] = defaultdict(float)
        self._resolved: dict[tuple, list[tuple[str, Definition]]] = {}

    def ranked(self) -> list[tuple[float, tuple, list[tuple[str, Definition]], set[str]]]:
        self._score_window()
        self._score_import_priors()
        self._score_member_owners()
        results = []
        for key, score in self.scores.items():
            found = self._resolve(key)
            if found and score >= MIN_SCORE:
                results.append([score, key, found, self.members[key]])
        self._boost_classes_by_members(results)
        results.sort(key=lambda item: (-item[0], item[1][1], item[1][0]))
        return [tuple(item) for item in results]

    def _score_window(self) -> None:
        first, lines = _window(self.text, self.cursor_line)
        scope = _innermost(self.definitions, self.cursor_line + 1)
        for number, line in enumerate(lines, start=first):
            distance = number - self.cursor_line
            weight = 1.5 if distance == 0 else (1 / (1 + -distance / 8) if distance < 0 else 0.5 / (1 + distance / 4))
            if scope is not None and not scope[0] <= number + 1 <= scope[1]:
                weight *= OUTSIDE_SCOPE
            for match in _CHAIN.finditer(line):
                chain = match.group()
                self._score_chain(_SEPARATOR.split(chain), weight)
                if "::" in chain:  # `ns::Item`, `Type::CONST`: the items after a path are used too
                    for part in chain.split("::")[1:]:
                        name = _SEPARATOR.split(part)[0]
                        if name not in self.local_names:
                            self.scores[("free", name)] += weight * FREE_NAME_WEIGHT * 0.5

    def _score_chain(self, parts: list[str], weight: float) -> None:
        for cut in range(len(parts), 0, -1):  # `import a.b` binds the dotted name a.b
            record = self.bound.get(".".join(parts[:cut]))
            if record is not None:
                break
        if record is None:
            head = parts[0]
            if head not in self.local_names:
                self.scores[("free", head)] += weight * FREE_NAME_WEIGHT
            for member in parts[1:]:
                self.member_uses[member] += weight
            return
        rest = parts[cut:]
        if record.name:
            key = ("import", record.local)
            self.scores[key] += weight
            self.members[key].update(rest[:1])
            if rest:  # `from pkg import module; module.name`
                self.scores[("module", record.local, rest[0])] += weight
        elif rest:
            self.scores[("module", record.local, rest[0])] += weight

    def _score_import_priors(self) -> None:
        locals_ = [r.local for r in self.imports if r.local and r.name]
        if not locals_:
            return
        counts: dict[str, int] = defaultdict(int)
        pattern = re.compile(r"(?<![\w$.])(" + "|".join(map(re.escape, sorted(set(locals_), key=len, reverse=True))) + r")(?![\w$])")
        for match in pattern.finditer(self.text):
            counts[match.group(1)] += 1
        import_lines = defaultdict(int)
        for record in self.imports:
            import_lines[record.local] += 1
        for local in dict.fromkeys(locals_):
            used = counts[local] - import_lines[local] > 0
            self.scores[("import", local)] += USED_IMPORT_PRIOR if used else UNUSED_IMPORT_PRIOR

    def _score_member_owners(self) -> None:
        """`obj.method()` on an object whose type lives in an imported module: that type's outline."""
        if not self.member_uses:
            return
        files: list[str] = []
        for record in self.imports:
            if not record.name or record.name == WILDCARD:
                files += import_files(self.language, self.rel, record, self.index.table)
        for rel in dict.fromkeys(files):
            entry = self.index.table.get(rel)
            for member in entry.definitions if entry else ():
                if member.parent and member.name in self.member_uses and member.kind in ("method", "field"):
                    key = ("owner", member.parent, rel)
                    self.scores[key] += self.member_uses[member.name] * 0.5
                    self.members[key].add(member.name)

    def _boost_classes_by_members(self, results: list) -> None:
        if not self.member_uses:
            return
        for item in results:
            _, key, found, wanted = item
            if key[0] != "import":
                continue
            for rel, definition in found[:1]:
                if definition.kind not in CONTAINER_KINDS:
                    continue
                entry = self.index.table.get(rel)
                members = {m.name for m in entry.definitions if m.parent == definition.name} if entry else set()
                hits = members & self.member_uses.keys()
                if hits:
                    item[0] += sum(self.member_uses[name] for name in hits) * 0.5
                    wanted.update(hits)

    # -- resolution ------------------------------------------------------------
    def _resolve(self, key: tuple) -> list[tuple[str, Definition]]:
        if key not in self._resolved:
            if key[0] == "import":
                record = self.bound[key[1]]
                found = _find(self.index, self.language, self.rel, record, record.name)
            elif key[0] == "module":
                found = _find(self.index, self.language, self.rel, self.bound[key[1]], key[2])
            elif key[0] == "owner":
                found = _top_level(self.index, [key[2]], key[1])
                found = [item for item in found if item[1].kind in CONTAINER_KINDS]
            else:
                found = self._resolve_free(key[1])
            self._resolved[key] = found[:DEFS_PER_NAME]
        return self._resolved[key]

    def _resolve_free(self, name: str) -> list[tuple[str, Definition]]:
        files = implicit_files(self.language, self.rel, self.index.table)
        for record in self.imports:
            if record.name == WILDCARD:
                files += import_files(self.language, self.rel, record, self.index.table)
        found = _top_level(self.index, files, name)
        if found:
            return found
        candidates = [(f, d) for f, d in self.index.table.definitions_named(name) if not d.parent and f != self.rel]
        if 0 < len(candidates) <= GLOBAL_MAX_CANDIDATES:
            self.scores[("free", name)] *= GLOBAL_WEIGHT
            return sorted(candidates, key=lambda item: (item[0], item[1].start_line))
        return []


def _find(index, language: str, importer: str, record: ImportRecord, name: str, depth: int = 0):
    """Top-level definitions of `name` reached through `record`, following re-exports."""
    files = import_files(language, importer, record, index.table)
    if record.name and record.name != WILDCARD and name != record.name:
        # `name` is an attribute of the imported thing, which must then be a module.
        files = [f for f in files if _module_name(f) == record.name]
    found = _top_level(index, files, name)
    if found or depth >= 2:
        return found
    for rel in files:
        entry = index.table.get(rel)
        for forwarded in entry.imports if entry else ():
            if forwarded.local == name:
                found += _find(index, entry.language, rel, forwarded, forwarded.name or name, depth + 1)
            elif forwarded.name == WILDCARD and depth == 0:
                found += _find(index, entry.language, rel, forwarded, name, depth + 1)
        if found:
            return found
    return found


def _module_name(rel: str) -> str:
    parts = rel.rsplit("/", 2)
    stem = parts[-1].split(".", 1)[0]
    return parts[-2] if stem in ("__init__", "index", "mod") and len(parts) > 1 else stem


def _top_level(index, files, name: str) -> list[tuple[str, Definition]]:
    found = []
    for rel in dict.fromkeys(files):
        entry = index.table.get(rel)
        if entry is not None:
            found += [(rel, d) for d in entry.definitions if d.name == name and not d.parent]
    return found


def _file_summary(index, rel: str, language: str, text: str):
    entry = index.table.get(rel)
    if entry is not None:
        return entry.definitions, entry.imports
    spec = language_for(language)
    if spec is None or len(text) > index.max_file_bytes:
        return (), ()
    source = encode(text)
    root = spec.parse(source).root_node
    return tuple(extract_definitions(spec, source, root)), tuple(extract_imports(spec, source, root))


def _window(text: str, cursor_line: int) -> tuple[int, list[str]]:
    """(first line number, lines) from WINDOW_BEFORE lines above the cursor to WINDOW_AFTER below; 0-based."""
    start, line = 0, 0
    if cursor_line > WINDOW_BEFORE:
        position = -1
        for _ in range(cursor_line - WINDOW_BEFORE):
            position = text.find("\n", position + 1)
        start, line = position + 1, cursor_line - WINDOW_BEFORE
    end = start
    for _ in range(cursor_line - line + WINDOW_AFTER + 1):
        found = text.find("\n", end)
        if found < 0:
            end = len(text)
            break
        end = found + 1
    return line, text[start:end].split("\n")


def _innermost(definitions, line: int) -> tuple[int, int] | None:
    best = None
    for d in definitions:
        if d.kind in ("function", "method") and d.start_line <= line <= d.end_line:
            if best is None or d.end_line - d.start_line < best[1] - best[0]:
                best = (d.start_line, d.end_line)
    return best


_LINES: OrderedDict[tuple[str, int], tuple[str, list[str]]] = OrderedDict()


def _lines(index, rel: str) -> list[str] | None:
    text = index.text(rel)
    if text is None:
        return None
    key = (rel, hash(text))
    hit = _LINES.get(key)
    if hit is None or hit[0] is not text:
        hit = _LINES[key] = (text, text.split("\n"))
        while len(_LINES) > 64:
            _LINES.popitem(last=False)
    return hit[1]


def _pack_definitions(index, ranked, packer: Packer) -> None:
    for _score, _key, found, wanted in ranked:
        for rel, definition in found:
            lines = _lines(index, rel)
            entry = index.table.get(rel)
            if lines is None or entry is None:
                continue
            members = [m for m in entry.definitions if m.parent == definition.name]
            packer.add(definition_snippet(rel, definition, lines, members, frozenset(wanted)))
    for _score, _key, found, _wanted in ranked[:BODY_NAMES]:
        rel, definition = found[0]
        lines = _lines(index, rel)
        if lines is not None and definition.kind != "module":
            packer.upgrade(body_snippet(rel, definition, lines))


def _pack_similar(index, rel: str, text: str, offset: int, recent, packer: Packer) -> None:
    rels = []
    for path in recent:
        other = index.relative(path)
        if other is not None and other != rel and other not in rels:
            rels.append(other)
    if not rels:
        return
    start = offset
    for _ in range(similar.QUERY_LINES):
        start = text.rfind("\n", 0, start)
        if start <= 0:
            start = 0
            break
    query = similar.identifiers(text[start:offset])
    files = [(other, t) for other in rels if (t := index.text(other)) is not None]
    added = 0
    for _score, other, first, last in similar.ranked_windows(query, files):
        if added >= MAX_SIMILAR or packer.used >= packer.budget:
            break
        if packer.overlaps(other, first, last):
            continue
        lines = _lines(index, other)
        if lines is not None and packer.add(Snippet(other, first, last, "similar", "\n".join(lines[first - 1:last]))):
            added += 1
