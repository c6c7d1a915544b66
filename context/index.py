"""The live workspace index: definitions and imports of every source file.

`RepositoryIndex` crawls the workspace on its own background thread (files
whose size, mtime and content hash match the on-disk cache are not
reparsed), then keeps current from three feeds: open-document text from the
editor (`set_document`, which overrides disk), change notices
(`file_changed`, from the server or watchdog), and folder rescans. Editor
feeds jump the crawl queue. Readers never wait: they see whatever the tables
hold now. Skipped files are counted by reason in `stats()`.
"""

from __future__ import annotations

import logging
import os
import posixpath
import threading
import time
from collections import Counter, OrderedDict

from context import textcache
from context.cache import IndexCache, content_hash
from context.go_package import module_path
from context.imports import extract_imports
from context.languages import language_for, language_name
from context.schedule import EditSchedule
from context.syntax import encode, extract_definitions
from context.tables import FileEntry, FileTable, Record, pack_record
from context.workspace import SKIP_DIRS, IgnoreRules, read_source, walk

log = logging.getLogger("coder_lsp.context")

SAVE_DELAY_S = 3.0
MAX_REMEMBERED_SKIPS = 500
MAX_RECENT = 16
MAX_REMEMBERED_PATHS = 4096


class RepositoryIndex:
    def __init__(self, root: str, *, exclude=(), max_file_bytes: int = 1_000_000,
                 cache_dir: str | None = None, max_files: int = 50_000, watch: bool = True) -> None:
        self.root = os.path.realpath(root)
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.table = FileTable()
        self.texts = textcache.TextCache(self.root)
        self._rules = IgnoreRules(self.root, tuple(exclude))
        self._cache = IndexCache(self.root, cache_dir)
        self._watch = watch
        self._docs: dict[str, str] = {}
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._warmed: dict[str, tuple] = {}  # open document -> the imports its caches were warmed for
        self._queue: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._edits = EditSchedule()  # open documents being typed in: indexed when edits pause
        self._relative: dict[str, str | None] = {}
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer = None
        self._records: dict[str, Record] = {}
        self._skipped: Counter[str] = Counter()
        self.skipped_paths: dict[str, str] = {}
        self._counts: Counter[str] = Counter()
        self._dirty_since: float | None = None
        self._crawl_seconds = 0.0

    # -- public API -------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def start(self) -> "RepositoryIndex":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="coder-lsp-index", daemon=True)
            self._thread.start()
        return self

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def stop(self) -> None:
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        if self._observer is not None:
            try:
                self._observer.stop()
                self._observer.join(timeout=2)
            except Exception:  # watchdog teardown must not break shutdown
                log.debug("watchdog stop failed", exc_info=True)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def set_document(self, path: str, text: str) -> None:
        """An open document's text (it overrides disk): indexed now if just opened, else when edits pause."""
        rel = self.relative(path)
        if rel is not None:
            opened = rel not in self._docs
            self._docs[rel] = text
            self._recent.pop(rel, None)
            self._recent[rel] = None
            while len(self._recent) > MAX_RECENT:
                self._recent.popitem(last=False)
            if opened:
                self._enqueue("file", rel)
            else:
                with self._wake:
                    self._edits.edited(rel)
                    self._wake.notify()

    def forget_document(self, path: str) -> None:
        rel = self.relative(path)
        if rel is not None and self._docs.pop(rel, None) is not None:
            self._warmed.pop(rel, None)
            with self._wake:
                self._edits.forget(rel)
            self._enqueue("file", rel)

    def file_changed(self, path: str) -> None:
        rel = self.relative(path)
        if rel is not None:
            self._enqueue("file", rel)

    def recent_files(self) -> tuple[str, ...]:
        """Documents the editor opened or changed, most recent first."""
        return tuple(reversed(list(self._recent)))

    def document_text(self, rel: str) -> str | None:
        return self._docs.get(rel)

    def text(self, rel: str) -> str | None:
        """Open-document text, else the file on disk (cached), else None."""
        doc = self._docs.get(rel)
        return doc if doc is not None else self.texts.read(rel, self.max_file_bytes)

    def relative(self, path: str) -> str | None:
        """`path` (absolute, root-relative or file:// URI) relative to the root, or None if outside.
        Remembered: resolving symlinks costs a system call per folder, and every keystroke asks."""
        try:
            return self._relative[path]
        except KeyError:
            pass
        if len(self._relative) >= MAX_REMEMBERED_PATHS:
            self._relative.clear()
        self._relative[path] = rel = self._resolve(path)
        return rel

    def _resolve(self, path: str) -> str | None:
        if path.startswith("file://"):
            from urllib.parse import unquote, urlparse
            path = unquote(urlparse(path).path)
        full = os.path.realpath(os.path.join(self.root, path))
        rel = os.path.relpath(full, self.root).replace(os.sep, "/")
        return None if rel == ".." or rel.startswith("../") else rel

    def stats(self) -> dict:
        with self._wake:
            pending = len(self._queue)
        return {
            "root": self.root, "ready": self.ready, "files": len(self.table),
            "definitions": self.table.definition_count, "documents": len(self._docs), "pending": pending,
            "parsed": self._counts["parsed"], "from_cache": self._counts["from_cache"],
            "skipped": dict(sorted(self._skipped.items())), "crawl_seconds": round(self._crawl_seconds, 3),
            "watching": self._observer is not None, "cache_file": self._cache.path,
        }

    # -- queue ------------------------------------------------------------
    def _enqueue(self, kind: str, rel: str) -> None:
        with self._wake:
            self._queue[(kind, rel)] = None
            self._wake.notify()

    def _take(self, timeout: float) -> tuple[str, str] | None:
        with self._wake:
            if not self._queue and not self._stopping.is_set():
                pending = self._edits.wait_s()
                self._wake.wait(timeout if pending is None else min(timeout, pending))
            for rel in self._edits.take_due():
                self._queue[("file", rel)] = None
            return self._queue.popitem(last=False)[0] if self._queue else None

    def _drain(self) -> None:
        while not self._stopping.is_set():
            job = self._take(0)
            if job is None:
                return
            self._process(*job)

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
        data, reason = read_source(path, self.max_file_bytes)
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

    # -- watchdog ---------------------------------------------------------
    def _start_watching(self) -> None:
        try:
            from context.watch import start_observer
            self._observer = start_observer(self)
        except Exception as error:  # no inotify watches left, unsupported filesystem, ...
            log.warning("not watching %s for outside changes: %s", self.root, error)

    def on_filesystem_event(self, path: str, is_directory: bool) -> None:
        rel = self.relative(path)
        if rel is None or rel == "." or _in_skipped_dir(rel):
            return
        if posixpath.basename(rel) == ".gitignore":
            folder = posixpath.dirname(rel)
            self._rules.forget(folder)
            self._enqueue("tree", folder)
        elif is_directory:
            self._enqueue("tree", rel)
        elif language_name(rel) is not None:
            self._enqueue("file", rel)


def _in_skipped_dir(rel: str) -> bool:
    return any(part in SKIP_DIRS for part in rel.split("/")[:-1])
