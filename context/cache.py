"""The index's on-disk cache: parsed files keyed by content hash.

One file per workspace under `$XDG_CACHE_HOME/coder-lsp/index/<hash of the
root>/`. It maps each path to (size, mtime, content hash) so a restart need
not even read unchanged files, and each content hash to its parsed
definitions and imports, so a changed path whose content was seen before
(a branch switch back) is not reparsed either. The format is `marshal` of
plain tuples: fast to load and unable to run code; a corrupt or foreign
cache is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile

from context.tables import Record

log = logging.getLogger("coder_lsp.context")

FORMAT_VERSION = 6  # 6: TS/JS re-exports are import records
CACHE_FILE = "index.marshal"



def default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "coder-lsp", "index")


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class IndexCache:
    def __init__(self, root: str, cache_dir: str | None) -> None:
        key = hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogatepass")).hexdigest()[:20]
        self.folder = os.path.join(cache_dir or default_cache_dir(), key)
        self.path = os.path.join(self.folder, CACHE_FILE)
        self.root = root

    def load(self) -> tuple[dict[str, tuple[int, int, str]], dict[str, Record]]:
        """(path -> (size, mtime_ns, hash), hash -> record); empty when missing or unusable."""
        try:
            with open(self.path, "rb") as handle:
                payload = marshal.load(handle)
            if payload.get("version") != FORMAT_VERSION:
                return {}, {}
            return dict(payload["stats"]), dict(payload["records"])
        except FileNotFoundError:
            return {}, {}
        except Exception as error:  # a corrupt cache must never stop indexing
            log.warning("ignoring unreadable index cache %s: %s", self.path, error)
            return {}, {}

    def save(self, stats: dict[str, tuple[int, int, str]], records: dict[str, Record]) -> None:
        payload = {
            "version": FORMAT_VERSION,
            "root": self.root,
            "stats": stats,
            "records": records,
        }
        try:
            os.makedirs(self.folder, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self.folder, prefix=".index-")
            with os.fdopen(handle, "wb") as out:
                marshal.dump(payload, out)
            os.replace(temp, self.path)
        except OSError as error:
            log.warning("cannot write index cache %s: %s", self.path, error)
