"""Downloading a model from the Hugging Face Hub: resumable, sha256-checked, into the HF cache.

`pull(target)` asks the Hub (or `HF_ENDPOINT`) for the file's metadata (size,
commit, LFS sha256), streams it with huggingface_hub's `http_get` into
`blobs/<sha256>.coder-lsp-part` in the standard cache, resuming from that
file's length after an interruption (huggingface_hub's own temporary files
are per-process and deleted on failure, so they cannot resume a killed
pull), checks the sha256 of the result against the Hub's LFS hash (and the
preset's, when it pins one), and only then moves it to its blob name and
lets `hf_hub_download` link it into the snapshot. Every failure is a
`PullError` whose message says what to do; offline is one of them.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lsp_server.model import presets

PART_SUFFIX = ".coder-lsp-part"
_HF_SPEC = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+):(?P<file>[\w.-]+(?:/[\w.-]+)*\.gguf)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
Progress = Callable[[int, int], None]  # (bytes done, bytes total); may raise PullCancelled


class PullError(Exception):
    """A download that did not produce a verified file; the message is for the user."""


class PullCancelled(PullError):
    pass


@dataclass(frozen=True)
class Target:
    repo: str
    file: str
    sha256: str | None = None
    title: str = ""

    @property
    def spec(self) -> str:
        return f"{self.repo}:{self.file}"


def target_for(name: str, *, chat: bool = False) -> Target:
    """A preset name (its FIM model, or its chat model with `chat`) or `owner/repo:file.gguf`."""
    preset = presets.BY_NAME.get(name)
    if preset is not None:
        ref = preset.chat if chat else preset.fim
        if ref is None:
            raise PullError(f"The preset {name} has no chat model.")
        return Target(ref.repo, ref.file, ref.sha256, preset.title)
    match = _HF_SPEC.match(name)
    if match is None or ".." in name:
        raise PullError(f"{name!r} is neither a preset ({', '.join(presets.BY_NAME)}) nor owner/repo:file.gguf.")
    return Target(match["repo"], match["file"])


def hf_cache_dir() -> str:
    """The Hub cache folder, read from the environment now (huggingface_hub reads it at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.path.expanduser(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return os.path.join(os.path.expanduser(os.environ["HF_HOME"]), "hub")
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "huggingface", "hub")


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def cached_path(target: Target) -> str | None:
    """The file's path when it is already in the cache (no network), else None."""
    from huggingface_hub import hf_hub_download

    try:
        return hf_hub_download(target.repo, target.file, cache_dir=hf_cache_dir(), local_files_only=True)
    except Exception:  # noqa: BLE001 - not cached, or a cache entry we cannot use
        return None


def pull(target: Target, *, progress: Progress | None = None, tqdm_class=None) -> str:
    """Download `target` unless cached; return its verified local path. Raises PullError."""
    found = cached_path(target)
    if found:
        return found
    meta = _metadata(target)
    expected = target.sha256 or (meta.etag if meta.etag and _SHA256.match(meta.etag) else None)
    if expected is None:
        raise PullError(f"The Hub gave no LFS sha256 for {target.spec}; refusing a download that cannot be checked.")
    if target.sha256 and meta.etag and _SHA256.match(meta.etag) and meta.etag != target.sha256:
        raise PullError(f"{target.spec} on the Hub (sha256 {meta.etag}) is not the file the preset pins "
                        f"({target.sha256}); the repository changed. Pull it by name to accept the new file.")
    blob = _blob_path(target, meta.etag or expected)
    if not blob.exists():
        part = blob.with_name(blob.name + PART_SUFFIX)
        _download(meta, part, target, progress, tqdm_class)
        _verify(part, expected, target)
        os.replace(part, blob)
    return _link(target)


def _metadata(target: Target):
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import EntryNotFoundError, GatedRepoError, RepositoryNotFoundError

    url = hf_hub_url(target.repo, target.file, endpoint=endpoint())
    try:
        return get_hf_file_metadata(url, timeout=10)
    except (RepositoryNotFoundError, GatedRepoError) as err:
        raise PullError(f"The Hub refused {target.repo} ({type(err).__name__}): a wrong name, or a gated or "
                        f"private repository (log in with `hf auth login`).") from None
    except EntryNotFoundError:
        raise PullError(f"{target.repo} has no file {target.file}.") from None
    except Exception as err:  # noqa: BLE001 - DNS, refused connection, timeout, TLS: all mean "offline"
        raise PullError(offline_message(target, err)) from None


def offline_message(target: Target, err: Exception) -> str:
    if type(err).__name__ == "OfflineModeIsEnabled":
        return (f"HF_HUB_OFFLINE is set, so {target.spec} cannot be downloaded; unset it and run the same "
                f"command again, or run `coder-lsp use /path/to/{Path(target.file).name}` with a file you have.")
    return (f"Cannot reach the Hugging Face Hub at {endpoint()} ({type(err).__name__}), so {target.spec} "
            f"cannot be downloaded now. Connect and run the same command again (a partial download resumes), "
            f"or copy the file onto this machine and run `coder-lsp use /path/to/{Path(target.file).name}`.")


def _blob_path(target: Target, etag: str) -> Path:
    folder = Path(hf_cache_dir()) / ("models--" + target.repo.replace("/", "--")) / "blobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / etag


def _download(meta, part: Path, target: Target, progress: Progress | None, tqdm_class) -> None:
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    done = part.stat().st_size if part.exists() else 0
    if meta.size is not None and done > meta.size:
        part.unlink()
        done = 0
    bar = tqdm_class or (_callback_bar(progress) if progress else None)
    try:
        with open(part, "ab") as handle:
            http_get(meta.location, handle, resume_size=done, headers=build_hf_headers(),
                     expected_size=meta.size, displayed_filename=Path(target.file).name, tqdm_class=bar)
    except PullCancelled:
        raise
    except Exception as err:  # noqa: BLE001 - the connection dropped for good: keep the part for a resume
        have = part.stat().st_size if part.exists() else 0
        raise PullError(f"The download of {target.spec} stopped at {presets.human_size(have)} "
                        f"({type(err).__name__}: {err}). Run the same command again to resume.") from None


def _verify(part: Path, expected: str, target: Target) -> None:
    digest = hashlib.sha256()
    with open(part, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        part.unlink()
        raise PullError(f"{target.spec} failed its sha256 check (expected {expected}, got {digest.hexdigest()}); "
                        f"the download was deleted. Run the command again; if it fails again, the mirror is bad.")


def _link(target: Target) -> str:
    """Let huggingface_hub write the snapshot link and ref for the blob now in place."""
    from huggingface_hub import hf_hub_download

    try:
        return hf_hub_download(target.repo, target.file, cache_dir=hf_cache_dir(), endpoint=endpoint())
    except Exception as err:  # noqa: BLE001 - the blob is verified; only the link step failed
        raise PullError(f"Downloaded {target.spec} but could not link it into the cache: {err}") from None


def _callback_bar(progress: Progress):
    """A stand-in for tqdm that reports (done, total) to `progress` instead of drawing a bar."""

    class CallbackBar:
        def __init__(self, *, total=None, initial=0, **_ignored) -> None:
            self.total, self.n = total or 0, initial or 0
            progress(self.n, self.total)

        def update(self, n: int = 1) -> None:
            self.n += n
            progress(self.n, self.total)

        def close(self) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.close()

    return CallbackBar
