"""The background thread's half of `RepositoryIndex`: crawl, parse, keep the tables and the cache.

`IndexWorker` is the part of the index that runs on its own thread: the
first crawl of the workspace (files whose size, mtime and content hash match
the on-disk cache are not reparsed), then the queue of editor documents,
changed files and folder rescans, and saving the cache a few seconds after
the tables last changed. `RepositoryIndex` (in `context.index`) holds the
state and the public API the editor and retrieval call.
"""

from __future__ import annotations

import logging
import os
import time

from context.cache import content_hash
from context.go_package import module_path
from context.imports import extract_imports
from context.languages import language_for, language_name
from context.syntax import encode, extract_definitions
from context.tables import FileEntry, Record, pack_record
from context.workspace import SKIP_DIRS, read_source, walk

log = logging.getLogger("coder_lsp.context")

SAVE_DELAY_S = 3.0
MAX_REMEMBERED_SKIPS = 500


class IndexWorker:
    """Mixed into `RepositoryIndex`; every attribute used here is set by its `__init__`."""

    # -- worker -----------------------------------------------------------
    def _run(self) -> None:
        try:
            self._crawl()
        except Exception:
            log.exception("indexing %s failed; the index stays partial", self.root)
        self._ready.set()
        if self._watch and not self._stopping.is_set():
            self._start_watching()
        while not self._stopping.is_set():
            job = self._take(timeout=1.0)
            if job is not None:
                self._process(*job)
            elif self._dirty_since is not None and time.monotonic() - self._dirty_since > SAVE_DELAY_S:
                self._save()
        if self._dirty_since is not None:
            self._save()

    def _crawl(self) -> None:
        started = time.perf_counter()
        self.table.go_module = module_path(self.root)
        self.table.layout_version += 1  # Go imports resolve anew under this module path
        stats, records = self._cache.load()
        seen: set[str] = set()
        for found in walk(self.root, self._rules, self._skip):
            if self._stopping.is_set():
                return
            if self._queue:  # unlocked peek: editor work jumps the crawl
                self._drain()
            if len(self.table) >= self.max_files and not self.table.has(found.rel):
                self._skip(found.rel, "over the file limit")
                continue
            seen.add(found.rel)
            if found.rel in self._docs:
                continue
            cached = stats.get(found.rel)
            if cached and cached[:2] == (found.size, found.mtime_ns) and cached[2] in records:
                self._put(found.rel, cached[2], records[cached[2]], found.size, found.mtime_ns, changed=False)
                self._counts["from_cache"] += 1
            else:
                self._index_disk(found.rel, found.path, records)
        for rel in self.table.paths():
            if rel not in seen and rel not in self._docs:
                self._drop(rel)
        if len(stats) != len(self.table):
            self._mark_dirty()  # paths vanished since the cache was written
        self._crawl_seconds = time.perf_counter() - started
        log.info("indexed %s: %d files (%d parsed, %d from cache) in %.2fs; skipped %s", self.root,
                 len(self.table), self._counts["parsed"], self._counts["from_cache"], self._crawl_seconds,
                 dict(self._skipped) or "none")
        if self._dirty_since is not None:
            self._save()

    def _process(self, kind: str, rel: str) -> None:
        try:
            if kind == "tree":
                self._rescan(rel)
            elif rel in self._docs:
                self._index_document(rel)
            else:
                self._index_disk(rel, os.path.join(self.root, rel), {})
        except Exception:
            log.exception("indexing %s failed", rel)

    def _index_document(self, rel: str) -> None:
        text = self._docs.get(rel)
        language = language_name(rel)
        if text is None or language is None:
            return
        data = encode(text)
        if len(data) > self.max_file_bytes:
            self._skip(rel, "too large")
            return
        digest = content_hash(data)
        old = self.table.get(rel)
        if old is None or old.digest != digest:
            record = self._records.get(digest) or self._parse(language, data)
            self._put(rel, digest, record, len(data), 0, from_document=True)
            if self._warmed.get(rel) != record[5]:  # opened, or its imports changed
                self._warmed[rel] = record[5]
                self._warm(rel)

    def _warm(self, rel: str) -> None:
        """Prepare what retrieval reads for this document's imports, so its first completion is quick."""
        try:
            from context.retrieval import warm
            warm(self, rel)
        except Exception:  # a cache left cold only costs the first request time
            log.debug("warming retrieval caches for %s failed", rel, exc_info=True)

    def _index_disk(self, rel: str, path: str, records: dict[str, Record]) -> None:
        language = language_name(rel)
        if language is None or self._rules.ignored(rel, False) or _in_skipped_dir(rel):
            self._drop(rel)
            return
        data, reason = read_source(path, self.max_file_bytes, self.root)
        if data is None:
            self._skip(rel, reason)
            self._drop(rel)
            return
        try:
            info = os.stat(path)
            size, mtime_ns = info.st_size, info.st_mtime_ns
        except OSError:
            size, mtime_ns = len(data), 0
        digest = content_hash(data)
        old = self.table.get(rel)
        if old is not None and old.digest == digest and not old.from_document:
            return
        record = records.get(digest) or self._records.get(digest) or self._parse(language, data)
        self._put(rel, digest, record, size, mtime_ns)

    def _parse(self, language: str, data: bytes) -> Record:
        spec = language_for(language)
        root = spec.parse(data).root_node
        self._counts["parsed"] += 1
        if b"\xef\xbf\xbd" not in data:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                self._counts["invalid utf-8 (indexed with replacement)"] += 1
        definitions = extract_definitions(spec, data, root, with_headers=False)
        return pack_record(language, definitions, extract_imports(spec, data, root))

    def _put(self, rel: str, digest: str, record: Record, size: int, mtime_ns: int,
             from_document: bool = False, changed: bool = True) -> None:
        self._records[digest] = record
        self.table.put(FileEntry(rel, digest, size, mtime_ns, record, from_document))
        if changed:
            self._mark_dirty()

    def _drop(self, rel: str) -> None:
        if self.table.remove(rel):
            self._mark_dirty()

    def _rescan(self, rel_dir: str) -> None:
        prefix = rel_dir + "/" if rel_dir else ""
        if not os.path.isdir(os.path.join(self.root, rel_dir)):
            found: set[str] = set()
        else:
            found = set()
            for item in walk(self.root, self._rules, self._skip, start=rel_dir):
                found.add(item.rel)
                if item.rel not in self._docs:
                    self._index_disk(item.rel, item.path, {})
        for rel in self.table.paths():
            if rel.startswith(prefix) and rel not in found and rel not in self._docs:
                self._drop(rel)

    def _skip(self, rel: str, reason: str) -> None:
        self._skipped[reason] += 1
        if len(self.skipped_paths) < MAX_REMEMBERED_SKIPS:
            self.skipped_paths[rel] = reason
        log.debug("skipping %s: %s", rel, reason)

    def _mark_dirty(self) -> None:
        if self._dirty_since is None:
            self._dirty_since = time.monotonic()

    def _save(self) -> None:
        entries = self.table.entries()
        stats = {e.rel: (e.size, e.mtime_ns, e.digest) for e in entries if not e.from_document}
        live = {e.digest for e in entries}
        self._records = {digest: record for digest, record in self._records.items() if digest in live}
        self._cache.save(stats, self._records)
        self._dirty_since = None


def _in_skipped_dir(rel: str) -> bool:
    return any(part in SKIP_DIRS for part in rel.split("/")[:-1])
