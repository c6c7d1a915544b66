"""Recently read file texts, so retrieval reads each snippet's file from disk once.

Entries are checked against the file's size and mtime on every read (one
`stat`), and the cache is bounded by total characters, least recently used
first out.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

from context.workspace import read_source

MAX_CACHED_CHARS = 8_000_000


class TextCache:
    def __init__(self, root: str, max_chars: int = MAX_CACHED_CHARS) -> None:
        self.root = root
        self.max_chars = max_chars
        self._items: OrderedDict[str, tuple[int, int, str]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def read(self, rel: str, max_bytes: int) -> str | None:
        path = os.path.join(self.root, rel)
        try:
            info = os.stat(path)
        except OSError:
            return None
        with self._lock:
            hit = self._items.get(rel)
            if hit is not None and hit[:2] == (info.st_size, info.st_mtime_ns):
                self._items.move_to_end(rel)
                return hit[2]
        data, _reason = read_source(path, max_bytes, self.root)
        if data is None:
            return None
        text = data.decode("utf-8", "replace")
        with self._lock:
            old = self._items.pop(rel, None)
            if old is not None:
                self._chars -= len(old[2])
            self._items[rel] = (info.st_size, info.st_mtime_ns, text)
            self._chars += len(text)
            while self._chars > self.max_chars and len(self._items) > 1:
                _, (_, _, dropped) = self._items.popitem(last=False)
                self._chars -= len(dropped)
        return text
