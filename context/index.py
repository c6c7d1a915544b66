"""The live workspace index: definitions and imports of every source file.

`RepositoryIndex` crawls the workspace on its own background thread (files
whose size, mtime and content hash match the on-disk cache are not
reparsed), then keeps current from three feeds: open-document text from the
editor (`set_document`, which overrides disk), change notices
(`file_changed`, from the server or watchdog), and folder rescans. Editor
feeds jump the crawl queue. Readers never wait: they see whatever the tables
hold now. Skipped files are counted by reason in `stats()`. The background thread's
half (crawl, parse, cache) is `context.index_worker`.
"""

from __future__ import annotations

import logging
import os
import posixpath
import threading
from collections import Counter, OrderedDict

from context import textcache
from context.cache import IndexCache
from context.index_worker import IndexWorker, _in_skipped_dir
from context.languages import language_name
from context.schedule import EditSchedule
from context.tables import FileTable, Record
from context.workspace import IgnoreRules

log = logging.getLogger("coder_lsp.context")

MAX_RECENT = 16
MAX_REMEMBERED_PATHS = 4096


class RepositoryIndex(IndexWorker):
    def __init__(self, root: str, *, exclude=(), max_file_bytes: int = 1_000_000, secret_files=(),
                 cache_dir: str | None = None, max_files: int = 50_000, watch: bool = True) -> None:
        self.root = os.path.realpath(root)
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.table = FileTable()
        self.texts = textcache.TextCache(self.root)
        self._rules = IgnoreRules(self.root, tuple(exclude), tuple(secret_files))
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
        if rel is not None and not self._rules.is_secret(rel):  # a secret file's text is never kept
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
            from context.retrieval import forget  # lazily, as index_worker imports retrieval

            forget(rel)
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
