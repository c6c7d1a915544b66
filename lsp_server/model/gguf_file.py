"""A small, defensive reader for GGUF model files, used before llama.cpp sees them.

llama.cpp trusts the file it is given; a text file renamed `.gguf` or a
half-downloaded model should give the user a sentence, not a crash or a
hang. `read_gguf(path)` walks the header, the metadata and the tensor table
with bounds checks against the file size, checks that every tensor's data
lies inside the file, and returns the scalar metadata (and the lengths of
arrays) for format detection and `coder-lsp doctor`. It never loads weights.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass, field

MAGIC = b"GGUF"
# ggml type id -> (elements per block, bytes per block); types not listed skip the size check.
_TYPE_SIZES = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
    15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18),
    21: (256, 110), 22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4),
    27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66), 39: (32, 17),
}
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_U64 = struct.Struct("<Q")
_SMALL_ARRAY = 64  # arrays up to this length are kept in `metadata`; longer ones only by length


class GGUFError(ValueError):
    """The file is not a GGUF model, or not a complete one; the message says which."""


@dataclass
class GGUFInfo:
    path: str
    version: int
    file_size: int
    metadata: dict = field(default_factory=dict)  # scalars and short arrays
    array_lengths: dict = field(default_factory=dict)  # key -> length, for every array
    tensor_count: int = 0
    data_end: int = 0  # bytes the tensor data needs; <= file_size when complete

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))

    def arch_value(self, suffix: str, default=None):
        return self.metadata.get(f"{self.architecture}.{suffix}", default)


class _Cursor:
    def __init__(self, buf, size: int) -> None:
        self.buf, self.size, self.pos = buf, size, 0

    def take(self, n: int) -> int:
        if n < 0 or self.pos + n > self.size:
            raise GGUFError("truncated")
        start = self.pos
        self.pos += n
        return start

    def unpack(self, fmt: str):
        start = self.take(struct.calcsize(fmt))
        return struct.unpack_from(fmt, self.buf, start)[0]

    def string(self) -> str:
        n = self.unpack("<Q")
        start = self.take(n)
        return bytes(self.buf[start : start + n]).decode("utf-8", errors="replace")

    def value(self, vtype: int):
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        raise GGUFError(f"unknown metadata type {vtype}")

    def _skip_strings(self, count: int) -> None:
        pos, size, buf, unpack = self.pos, self.size, self.buf, _U64.unpack_from
        for _ in range(count):
            if pos + 8 > size:
                raise GGUFError("truncated")
            pos += 8 + unpack(buf, pos)[0]
        if pos > size:
            raise GGUFError("truncated")
        self.pos = pos

    def array(self) -> tuple[list | None, int]:
        etype, count = self.unpack("<I"), self.unpack("<Q")
        if count > self.size:
            raise GGUFError("truncated")
        if etype in _SCALARS and count > _SMALL_ARRAY:
            self.take(count * struct.calcsize(_SCALARS[etype]))
            return None, count
        if etype == _STRING and count > _SMALL_ARRAY:
            self._skip_strings(count)  # vocabularies: 50k-250k strings, walked without decoding
            return None, count
        if etype == _ARRAY:
            raise GGUFError("nested metadata arrays are not supported")
        values = [self.value(etype) for _ in range(count)]
        return (values if count <= _SMALL_ARRAY else None), count


def read_gguf(path: str | os.PathLike) -> GGUFInfo:
    """Validate `path` as a complete GGUF file and return its metadata; raise GGUFError if not."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise GGUFError("not a regular file")
    size = os.path.getsize(path)
    if size < 24:
        raise GGUFError("too small to be a GGUF model")
    with open(path, "rb") as handle:
        if handle.read(4) != MAGIC:
            raise GGUFError("not a GGUF file (wrong magic bytes)")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            try:
                return _parse(path, buf, size)
            except struct.error as err:
                raise GGUFError("truncated") from err


def _parse(path: str, buf, size: int) -> GGUFInfo:
    cur = _Cursor(buf, size)
    cur.take(4)
    version = cur.unpack("<I")
    if version not in (2, 3):
        raise GGUFError(f"unsupported GGUF version {version}")
    n_tensors, n_kv = cur.unpack("<Q"), cur.unpack("<Q")
    if n_tensors > size or n_kv > size:
        raise GGUFError("truncated or corrupt header")
    info = GGUFInfo(path=path, version=version, file_size=size, tensor_count=n_tensors)
    for _ in range(n_kv):
        key, vtype = cur.string(), cur.unpack("<I")
        if vtype == _ARRAY:
            values, count = cur.array()
            info.array_lengths[key] = count
            if values is not None:
                info.metadata[key] = values
        else:
            info.metadata[key] = cur.value(vtype)
    info.data_end = _tensor_data_end(cur, n_tensors, int(info.metadata.get("general.alignment", 32)))
    if info.data_end > size:
        raise GGUFError(f"truncated: tensor data needs {info.data_end} bytes, the file has {size}")
    return info


def _tensor_data_end(cur: _Cursor, n_tensors: int, alignment: int) -> int:
    end = 0
    for _ in range(n_tensors):
        cur.string()
        n_dims = cur.unpack("<I")
        if n_dims > 8:
            raise GGUFError("corrupt tensor table")
        elements = 1
        for _ in range(n_dims):
            elements *= cur.unpack("<Q")
        ggml_type, offset = cur.unpack("<I"), cur.unpack("<Q")
        block, block_bytes = _TYPE_SIZES.get(ggml_type, (1, 0))
        end = max(end, offset + (elements // block) * block_bytes)
    data_start = -(-cur.pos // alignment) * alignment if n_tensors else cur.pos
    return data_start + end
