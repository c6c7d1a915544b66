"""Finding the GGUF models already on this machine, and what each one is, read from the file.

Looks where other tools keep models: the Hugging Face cache (HF_HUB_CACHE,
HF_HOME/hub, ~/.cache/huggingface/hub), LM Studio (~/.lmstudio/models,
~/.cache/lm-studio/models), Ollama (OLLAMA_MODELS or ~/.ollama/models: its
manifests name the blobs), llama.cpp's download cache (LLAMA_CACHE,
~/.cache/llama.cpp, ~/Library/Caches/llama.cpp) and ~/models. Each file is
described from its own header (architecture, quantization from
`general.file_type`) and vocabulary (the FIM format, `vocab_scan`: read in
Python, since llama.cpp aborts on some malformed vocabularies), never from
its name. Every folder and
file is untrusted: walks are bounded, links are not followed out of a walk,
Ollama digests must look like digests, and a file that does not read as a
complete GGUF is listed with the reason instead of stopping the listing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from lsp_server.model.gguf_file import GGUFError, read_gguf
from lsp_server.model.pull import hf_cache_dir
from lsp_server.model.vocab_scan import fim_format_of

MAX_FILES = 2000  # per root: a home folder full of files must not stall `coder-lsp models`
MAX_DEPTH = 8
_DIGEST = re.compile(r"^sha256[:-](?P<hex>[0-9a-f]{64})$")
OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
# llama.cpp's llama_ftype values (general.file_type), as the quantization names users know.
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
    12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K",
    19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL",
    26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16",
    36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
}


@dataclass(frozen=True)
class FoundModel:
    name: str  # what `coder-lsp use` accepts: owner/repo:file.gguf, an Ollama name, or a relative path
    path: str
    source: str  # huggingface | lmstudio | ollama | llama.cpp | models
    size_bytes: int = 0
    architecture: str = ""
    quantization: str = ""
    fim_format: str = ""  # a formats.KNOWN name, "generic", "none", or "unknown"
    error: str = ""  # set when the file is not a usable GGUF: it is listed, unreadable

    @property
    def readable(self) -> bool:
        return not self.error

    def to_json(self) -> dict:
        return asdict(self)


def roots(home: str | None = None) -> list[tuple[str, str]]:
    """(source, folder) in the order they are listed; folders that do not exist are skipped later."""
    home = home or os.path.expanduser("~")
    env = os.environ.get
    return [
        ("huggingface", hf_cache_dir()),
        ("lmstudio", os.path.join(home, ".lmstudio", "models")),
        ("lmstudio", os.path.join(home, ".cache", "lm-studio", "models")),
        ("ollama", os.path.expanduser(env("OLLAMA_MODELS") or os.path.join(home, ".ollama", "models"))),
        ("llama.cpp", os.path.expanduser(env("LLAMA_CACHE") or os.path.join(home, ".cache", "llama.cpp"))),
        ("llama.cpp", os.path.join(home, "Library", "Caches", "llama.cpp")),
        ("models", os.path.join(home, "models")),
    ]


def find_models(*, inspect: bool = True) -> list[FoundModel]:
    """Every GGUF in the known places, each once (by real path), described unless `inspect` is False."""
    seen: set[str] = set()
    found = []
    for source, folder in roots():
        if not os.path.isdir(folder):
            continue
        for name, path in _named_files(source, folder):
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
            found.append(describe(name, path, source) if inspect else FoundModel(name, path, source))
    return found


def _named_files(source: str, folder: str) -> Iterator[tuple[str, str]]:
    if source == "ollama":
        yield from _ollama(folder)
    elif source == "huggingface":
        yield from _huggingface(folder)
    else:
        for path in _walk_gguf(folder):
            yield os.path.relpath(path, folder), path


def _walk_gguf(folder: str) -> Iterator[str]:
    count = 0
    base_depth = folder.rstrip(os.sep).count(os.sep)
    for current, dirs, files in os.walk(folder, onerror=lambda err: None):
        if current.count(os.sep) - base_depth >= MAX_DEPTH:
            dirs[:] = []
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(".gguf"):
                count += 1
                if count > MAX_FILES:
                    return
                yield os.path.join(current, name)


def _huggingface(cache: str) -> Iterator[tuple[str, str]]:
    for repo_dir in sorted(Path(cache).glob("models--*")):
        parts = repo_dir.name.split("--")[1:]
        repo = "/".join(parts)
        snapshots = repo_dir / "snapshots"
        if not snapshots.is_dir():
            continue
        for path in _walk_gguf(str(snapshots)):
            rel = Path(os.path.relpath(path, snapshots))
            yield f"{repo}:{Path(*rel.parts[1:]).as_posix()}", path


def _ollama(store: str) -> Iterator[tuple[str, str]]:
    """Ollama keeps manifests/<host>/<namespace>/<model>/<tag> (JSON) naming blobs/sha256-<hex>."""
    manifests = os.path.join(store, "manifests")
    count = 0
    for current, dirs, files in os.walk(manifests, onerror=lambda err: None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for tag in sorted(files):
            count += 1
            if count > MAX_FILES:
                return
            manifest = os.path.join(current, tag)
            name = _ollama_name(os.path.relpath(manifest, manifests))
            yield name, _ollama_blob(store, manifest)


def _ollama_name(relative: str) -> str:
    parts = Path(relative).parts
    if len(parts) < 2:
        return relative
    *prefix, model, tag = parts
    if prefix[:2] == ["registry.ollama.ai", "library"]:
        prefix = []
    elif prefix[:1] == ["registry.ollama.ai"]:
        prefix = prefix[1:]
    return "/".join([*prefix, model]) + f":{tag}"


def _ollama_blob(store: str, manifest: str) -> str:
    """The model layer's blob path; a manifest that names none points at itself (listed unreadable)."""
    try:
        if os.path.getsize(manifest) > 1 << 20:
            return manifest
        with open(manifest, encoding="utf-8") as handle:
            layers = json.load(handle).get("layers", [])
        for layer in layers:
            digest = _DIGEST.match(str(layer.get("digest", ""))) if isinstance(layer, dict) else None
            if digest and layer.get("mediaType") == OLLAMA_MODEL_LAYER:
                return os.path.join(store, "blobs", f"sha256-{digest['hex']}")
    except (OSError, ValueError, AttributeError):
        pass
    return manifest


def describe(name: str, path: str, source: str) -> FoundModel:
    """The file's size, architecture, quantization and FIM format, or why it is unreadable."""
    try:
        info = read_gguf(path)
    except GGUFError as err:
        return FoundModel(name, path, source, _size(path), error=str(err))
    except OSError as err:
        return FoundModel(name, path, source, 0, error=err.strerror or str(err))
    file_type = info.metadata.get("general.file_type")
    quantization = FILE_TYPES.get(file_type, f"type {file_type}") if isinstance(file_type, int) else ""
    return FoundModel(name, path, source, info.file_size, info.architecture, quantization,
                      fim_format_of(path, info.metadata))


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def listing(machine=None) -> dict:
    """What `coder-lsp models --json` and `coderLsp.listModels` report: the machine, the preset
    that fits it, and every model found with whether it fits."""
    from lsp_server.model import hardware, presets

    machine = machine or hardware.probe()
    rows = []
    for found in find_models():
        row = found.to_json()
        row["fits"] = presets.fits(found.size_bytes, machine) if found.readable else False
        rows.append(row)
    return {"hardware": machine.to_json(), "preset": presets.choose(machine).to_json(), "models": rows}
