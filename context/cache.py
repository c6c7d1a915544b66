"""The index's on-disk cache: parsed files keyed by content hash.

One file per workspace under `$XDG_CACHE_HOME/coder-lsp/index/<hash of the
root>/`. It maps each path to (size, mtime, content hash) so a restart need
not even read unchanged files, and each content hash to its parsed
definitions and imports, so a changed path whose content was seen before
(a branch switch back) is not reparsed either. The format is `marshal` of
plain tuples: fast to load and unable to run code; a corrupt or foreign
cache is ignored and rebuilt. What is read is checked entry by entry
(`valid_stat`, `valid_record`): a well-formed file with a wrong-shaped entry
must not reach the index, where it would break every retrieval; such
entries are dropped (logged once) and those files parsed again.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile

from context.languages import supported_languages
from context.tables import KINDS, Record

log = logging.getLogger("coder_lsp.context")

FORMAT_VERSION = 9  # 9: Python names bound under if/try/with, tuple and chained assignments, TS/JS `var`; 8: declarations a parse error hid, IIFE constants; 7: grouped Go `var ( ... )`; 6: TS/JS re-exports are import records
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
            if not isinstance(payload, dict) or payload.get("version") != FORMAT_VERSION:
                return {}, {}
            return self._checked(payload.get("stats"), payload.get("records"))
        except FileNotFoundError:
            return {}, {}
        except Exception as error:  # a corrupt cache must never stop indexing
            log.warning("ignoring unreadable index cache %s: %s", self.path, error)
            return {}, {}

    def _checked(self, stats, records) -> tuple[dict[str, tuple[int, int, str]], dict[str, Record]]:
        """Only the well-shaped entries; the files behind the others are parsed again."""
        if not isinstance(stats, dict) or not isinstance(records, dict):
            log.warning("ignoring index cache %s: not the expected tables", self.path)
            return {}, {}
        good_stats = {path: stat for path, stat in stats.items() if isinstance(path, str) and valid_stat(stat)}
        good_records = {digest: record for digest, record in records.items()
                        if isinstance(digest, str) and valid_record(record)}
        dropped = len(stats) - len(good_stats) + len(records) - len(good_records)
        if dropped:
            log.warning("index cache %s: dropped %d malformed entries; those files are parsed again",
                        self.path, dropped)
        return good_stats, good_records

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


def valid_stat(stat) -> bool:
    """(size, mtime_ns, content hash)."""
    return (isinstance(stat, tuple) and len(stat) == 3 and type(stat[0]) is int and type(stat[1]) is int
            and isinstance(stat[2], str))


def valid_record(record) -> bool:
    """The shape `tables.pack_record` writes, consistent across its columns."""
    if not (isinstance(record, tuple) and len(record) == 6):
        return False
    language, names, parents, kinds, numbers, imports = record
    if not (language in supported_languages() and isinstance(names, str) and isinstance(parents, str)
            and isinstance(kinds, bytes) and isinstance(numbers, bytes) and isinstance(imports, tuple)):
        return False
    count = len(kinds)
    if len(numbers) != 12 * count or any(kind >= len(KINDS) for kind in kinds):
        return False
    if (names.count("\n") + 1 != count or parents.count("\n") + 1 != count) if count else (names or parents):
        return False
    return all(_valid_import(item) for item in imports)


def _valid_import(item) -> bool:
    """An `ImportRecord` as a tuple: (local, source, name, line)."""
    return (isinstance(item, tuple) and len(item) == 4 and all(isinstance(part, str) for part in item[:3])
            and type(item[3]) is int)
