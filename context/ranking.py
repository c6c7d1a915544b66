"""Ranking what a cursor needs: names near it, resolved to definitions, scored.

Names in a window around the cursor are weighted by distance and by whether
they sit in the cursor's function; each is resolved through its import (or,
for names visible without one, the package's other files, included headers,
wildcard imports), imports not used anywhere in the visible text get a prior
(the cursor is often about to use them), `module.|` ranks the module's names
by the subwords typed nearby, and `obj.method` brings the outline of the
imported class that has that method. Names not yet typed are guessed in
`context.guesses`; `in_window` tells the keys the visible code asked for from
those guesses (which retrieval shows one header line each). Only the index's
tables and the window are read: no parsing of the workspace per request.
"""

from __future__ import annotations

import re
from collections import defaultdict

from context.cursor_text import _appears, _file_summary, _innermost, _offset_after_line, _window
from context.go_package import package_files
from context.guesses import expect_errors, owners_in_view, score_guesses, score_priors_by_words
from context.imports import WILDCARD, ImportRecord
from context.lookup import find, lookup, module_name, subwords, top_level
from context.overloads import implementation_first, without_stub_twins
from context.resolve import implicit_files, import_files
from context.syntax import CONTAINER_KINDS, Definition

OUTSIDE_SCOPE = 0.4
UNUSED_IMPORT_PRIOR = 0.5
USED_IMPORT_PRIOR = 0.05
FREE_NAME_WEIGHT = 0.6
GLOBAL_WEIGHT = 0.3
GLOBAL_MAX_CANDIDATES = 2
# Languages where a name can come from anywhere in the build (headers, crate modules) without a visible import.
GLOBAL_LANGUAGES = frozenset({"c", "cpp", "rust"})
DEFS_PER_NAME = 2
BODY_NAMES = 3  # the best-ranked names whose bodies replace their headers when the budget allows
MIN_SCORE = 0.01
MIN_SNIPPET_TOKENS = 6
PRIOR_SCAN_WORK = 6_000_000  # characters scanned, all imported names together, to tell used from unused
PRIOR_SCAN_MIN = 40_000
TOP_IMPORT_LINES = 300
_CHAIN = re.compile(r"(?<![\w$.])[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)*")
_SEPARATOR = re.compile(r"\.|::|->")
_AFTER_DOT = re.compile(r"([A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)*)(?:\.|::|->)$")
AFTER_DOT_WEIGHT = 1.0
AFTER_DOT_CANDIDATES = 40
AFTER_DOT_MIN_WEIGHT = 0.4  # subwords from about the last ten lines
AFTER_DOT_FILES = 48  # a Go package's files; a Python or TypeScript module is one or two
SMALL_MODULE_NAMES = 12
# Bounds that keep a keystroke linear (at worst) in the cursor's line: a name chain longer than
# this is no import anyone wrote.
MAX_CHAIN_PARTS = 12
AFTER_DOT_LOOKBACK = 256


class Ranking:
    """Scores what the cursor needs: (score, name, candidate definitions, wanted members)."""

    def __init__(self, index, rel: str, language: str, text: str, offset: int, cursor_line: int) -> None:
        self.index, self.rel, self.language, self.text, self.offset = index, rel, language, text, offset
        self.cursor_line = cursor_line
        self.function_spans, self.local_names, self.imports = _file_summary(index, rel, language, text)
        self.bound: dict[str, ImportRecord] = {r.local: r for r in self.imports if r.local}
        self.scores: dict[tuple, float] = defaultdict(float)
        self.members: dict[tuple, set[str]] = defaultdict(set)
        self.member_uses: dict[str, float] = defaultdict(float)
        self._resolved: dict[tuple, list[tuple[str, Definition]]] = {}
        self._free_files: list[str] | None = None
        self.nearby_words: dict[str, float] = {}  # subword -> weight of its nearest use
        self.in_window: set[tuple] = set()

    def ranked(self) -> list[tuple[float, tuple, list[tuple[str, Definition]], set[str]]]:
        self._score_window()
        self.in_window = set(self.scores)  # keys the visible code names; the rest (priors, guesses) are guesses
        self._score_after_dot()
        self._score_import_priors()
        expect_errors(self)
        score_priors_by_words(self)
        score_guesses(self)
        self._score_member_owners()
        self.in_window |= owners_in_view(self)  # `obj.method` in view, when few types have that method
        results = []
        for key, score in self.scores.items():
            if score < MIN_SCORE or (key[0] == "free" and not self._free_sources()):
                continue
            found = self._resolve(key)
            if found:  # (resolving may discount the score: a global guess counts less)
                results.append([self.scores[key], key, found, self.members[key]])
        self._boost_classes_by_members(results)
        results.sort(key=lambda item: (-item[0], item[1][1], item[1][0]))
        return [tuple(item) for item in results]

    def _score_window(self) -> None:
        first, lines = _window(self.text, self.offset, self.cursor_line)
        scope = _innermost(self.function_spans, self.cursor_line + 1)
        totals: dict[str, float] = defaultdict(float)  # chain -> summed weight of its uses
        nearest: dict[str, float] = {}  # chain -> weight of its nearest use
        body_line = self._first_body_line()
        for number, line in enumerate(lines, start=first):
            if number < body_line:
                continue  # import lines bind names; nearness to them says nothing about the cursor
            distance = number - self.cursor_line
            weight = 1.5 if distance == 0 else (1 / (1 + -distance / 8) if distance < 0 else 0.5 / (1 + distance / 4))
            if scope is not None and not scope[0] <= number + 1 <= scope[1]:
                weight *= OUTSIDE_SCOPE
            for chain in _CHAIN.findall(line):
                totals[chain] += weight
                if weight > nearest.get(chain, 0.0):
                    nearest[chain] = weight
        for chain, weight in totals.items():
            parts = _SEPARATOR.split(chain, MAX_CHAIN_PARTS)[:MAX_CHAIN_PARTS]
            for word in subwords(parts[-1]):
                if nearest[chain] > self.nearby_words.get(word, 0.0):
                    self.nearby_words[word] = nearest[chain]
            self._score_chain(parts, weight)
            if "::" in chain:  # `ns::Item`, `Type::CONST`: the items after a path are used too
                for part in chain.split("::", MAX_CHAIN_PARTS)[1:MAX_CHAIN_PARTS]:
                    name = _SEPARATOR.split(part)[0]
                    if name not in self.local_names:
                        self.scores[("free", name)] += weight * FREE_NAME_WEIGHT * 0.5

    def _first_body_line(self) -> int:
        """The 0-based line after the file's top import block (0 when it has none)."""
        top_imports = [r.line for r in self.imports if r.line <= TOP_IMPORT_LINES]
        if not top_imports or max(top_imports) > self.cursor_line:
            return 0
        return self.text.count("\n", 0, _offset_after_line(self.text, max(top_imports)))

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

    def _score_after_dot(self) -> None:
        """`module.|`: the member comes next; rank the module's names by subwords seen nearby."""
        line_start = self.text.rfind("\n", 0, self.offset) + 1
        if not self.text.endswith((".", "::", "->"), line_start, self.offset):
            return
        # `search` tries every start, each running to the end: bounded, not the whole line.
        match = _AFTER_DOT.search(self.text, max(line_start, self.offset - AFTER_DOT_LOOKBACK), self.offset)
        if match is None:
            return
        parts = _SEPARATOR.split(match.group(1), MAX_CHAIN_PARTS)[:MAX_CHAIN_PARTS]
        record = next((self.bound[k] for k in (".".join(parts[:cut]) for cut in range(len(parts), 0, -1))
                       if k in self.bound), None)
        if record is None:
            return
        files = import_files(self.language, self.rel, record, self.index.table)
        if record.name:
            if self._resolve(("import", record.local)):  # `Class.|`: its outline
                self.scores[("import", record.local)] += AFTER_DOT_WEIGHT
                return
            files = [f for f in files if module_name(f) == record.name]  # `from pkg import module`
        nearby = {word: weight for word, weight in self.nearby_words.items() if weight >= AFTER_DOT_MIN_WEIGHT}
        candidates, every = [], []
        # A Go package spans its folder's files, and only its exported names can follow `pkg.`.
        exported = self.language == "go"
        for rel in files[:AFTER_DOT_FILES]:
            file_lookup = lookup(self.index, rel)
            if file_lookup is None:
                continue
            names = {name for word in nearby for name in file_lookup.names_with_word().get(word, ())}
            for name in names:
                if exported and not name[:1].isupper():
                    continue
                words = subwords(name)
                candidates.append((sum(nearby.get(word, 0.0) for word in words) / len(words), name))
            if len(every) <= SMALL_MODULE_NAMES:
                every += [name for name in file_lookup.top.names() if not exported or name[:1].isupper()]
        if len(every) <= SMALL_MODULE_NAMES:  # a small module: each of its few names is a fair guess
            known = {name for _, name in candidates}
            candidates += [(0.0, name) for name in dict.fromkeys(every) if name not in known]
        candidates.sort(key=lambda item: (-item[0], item[1]))
        for similarity, name in candidates[:AFTER_DOT_CANDIDATES]:
            self.scores[("member", record.local, name)] += AFTER_DOT_WEIGHT * (0.2 + similarity)

    def _score_import_priors(self) -> None:
        locals_ = [r.local for r in self.imports if r.local and r.name]
        if not locals_:
            return
        # Visible uses after the imports (substring tests: C speed, no tokenizing), near the cursor;
        # the scanned span shrinks as the names grow, bounding the work on huge files.
        names = list(dict.fromkeys(locals_))
        top_imports = [r.line for r in self.imports if r.line <= TOP_IMPORT_LINES]
        body_start = _offset_after_line(self.text, max(top_imports)) if top_imports else 0
        span = max(PRIOR_SCAN_WORK // len(names), PRIOR_SCAN_MIN)
        if len(self.text) - body_start > span:
            start = max(body_start, self.offset - span * 3 // 4)
            region = self.text[start:start + span]
        else:
            region = self.text[body_start:]
        for local in names:
            used = _appears(local, region)
            self.scores[("import", local)] += USED_IMPORT_PRIOR if used else UNUSED_IMPORT_PRIOR

    def _score_member_owners(self) -> None:
        """`obj.method()` on an object whose type lives in an imported module: that type's outline."""
        if not self.member_uses:
            return
        files: list[str] = []
        for record in self.imports:
            if not record.name or record.name == WILDCARD:
                files += import_files(self.language, self.rel, record, self.index.table)
        if self._free_sources():  # a Go or Java package's own types
            files += self._free_files
        for rel in dict.fromkeys(files):
            file_lookup = lookup(self.index, rel)
            if file_lookup is None:
                continue
            for name, weight in self.member_uses.items():
                for member in file_lookup.members_named.get(name, ()):
                    if member.kind in ("method", "field"):
                        key = ("owner", member.parent, rel)
                        self.scores[key] += weight * 0.5
                        self.members[key].add(name)

    def _boost_classes_by_members(self, results: list) -> None:
        if not self.member_uses:
            return
        for item in results:
            _, key, found, wanted = item
            if key[0] != "import":
                continue
            for rel, definition in found[:1]:
                file_lookup = lookup(self.index, rel)
                if definition.kind not in CONTAINER_KINDS or file_lookup is None:
                    continue
                members = {m.name for m in file_lookup.members_of.get(definition.name, ())}
                hits = members & self.member_uses.keys()
                if hits:
                    item[0] += sum(self.member_uses[name] for name in hits) * 0.5
                    wanted.update(hits)

    # -- resolution ------------------------------------------------------------
    def _resolve(self, key: tuple) -> list[tuple[str, Definition]]:
        if key not in self._resolved:
            if key[0] == "import":
                record = self.bound[key[1]]
                found = find(self.index, self.language, self.rel, record, record.name)
            elif key[0] in ("module", "member"):
                found = find(self.index, self.language, self.rel, self.bound[key[1]], key[2])
            elif key[0] == "owner":
                found = top_level(self.index, [key[2]], key[1])
                found = [item for item in found if item[1].kind in CONTAINER_KINDS]
            else:
                found = self._resolve_free(key[1])
            self._resolved[key] = implementation_first(without_stub_twins(found))[:DEFS_PER_NAME]
        return self._resolved[key]

    def _free_sources(self) -> bool:
        """Whether a name with no import can resolve at all here (most Python files: no)."""
        if self._free_files is None:  # once per request: names visible without an import
            files = (package_files(self.index, self.rel, self.text) if self.language == "go"
                     else implicit_files(self.language, self.rel, self.index.table))
            for record in self.imports:
                if record.name == WILDCARD:
                    files += import_files(self.language, self.rel, record, self.index.table)
            self._free_files = list(dict.fromkeys(files))
        return bool(self._free_files) or self.language in GLOBAL_LANGUAGES

    def _resolve_free(self, name: str) -> list[tuple[str, Definition]]:
        self._free_sources()
        found = top_level(self.index, self._free_files, name)
        if found:
            return found
        if self.language not in GLOBAL_LANGUAGES:
            return []
        candidates = self.index.table.definitions_named(name, GLOBAL_MAX_CANDIDATES + 1, top_level=True,
                                                        besides=self.rel)
        if 0 < len(candidates) <= GLOBAL_MAX_CANDIDATES:
            self.scores[("free", name)] *= GLOBAL_WEIGHT
            return sorted(candidates, key=lambda item: (item[0], item[1].start_line))
        return []
