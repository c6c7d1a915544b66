"""`coder-lsp models`: a temporary HOME laid out like the Hugging Face cache, LM Studio, Ollama,
llama.cpp's cache and ~/models, with hostile entries in each; real fixture GGUFs, read for real."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from lsp_server.model import discovery
from tests.conftest import (
    CODER_LSP, DEEPSEEK_MODEL, NOT_A_MODEL, ROOT, STARCODER_MODEL, TRUNCATED_MODEL, env_without_model,
)

DIGEST = "ab" * 32


def ollama_manifest(path, digest: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schemaVersion": 2, "layers": [
        {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:" + "cd" * 32},
        {"mediaType": "application/vnd.ollama.image.model", "digest": digest, "size": 1}]}))


@pytest.fixture
def machine(isolated_home, monkeypatch):
    home = isolated_home
    for name in ("HF_HUB_CACHE", "HF_HOME", "OLLAMA_MODELS", "LLAMA_CACHE"):
        monkeypatch.delenv(name, raising=False)
    hub = home / "xdg_cache_home" / "huggingface" / "hub" / "models--tiny-org--coder-GGUF"
    (hub / "blobs").mkdir(parents=True)
    shutil.copy(DEEPSEEK_MODEL, hub / "blobs" / "1234")
    snap = hub / "snapshots" / "c0ffee"
    (snap / "sub").mkdir(parents=True)
    (snap / "sub" / "deepseek-tiny.gguf").symlink_to(hub / "blobs" / "1234")
    (snap / "dangling.gguf").symlink_to(hub / "blobs" / "missing")
    lms = home / ".lmstudio" / "models" / "pub" / "repo"
    lms.mkdir(parents=True)
    shutil.copy(STARCODER_MODEL, lms / "starcoder-tiny.gguf")
    store = home / ".ollama" / "models"
    (store / "blobs").mkdir(parents=True)
    shutil.copy(DEEPSEEK_MODEL, store / "blobs" / f"sha256-{DIGEST}")
    manifests = store / "manifests" / "registry.ollama.ai"
    ollama_manifest(manifests / "library" / "tiny-coder" / "latest", f"sha256:{DIGEST}")
    ollama_manifest(manifests / "someone" / "escape" / "v1", "sha256:../../../../etc/passwd")
    (manifests / "library" / "broken" ).mkdir(parents=True)
    (manifests / "library" / "broken" / "latest").write_text("{not json")
    cache = home / ".cache" / "llama.cpp"
    cache.mkdir(parents=True)
    shutil.copy(TRUNCATED_MODEL, cache / "org_repo_truncated.gguf")
    models = home / "models"
    (models / "deep").mkdir(parents=True)
    shutil.copy(NOT_A_MODEL, models / "deep" / "not-a-model.gguf")
    (models / "empty.gguf").write_bytes(b"")
    (models / "loop").symlink_to(models)  # a link back up: never followed
    return home


def by_name(found):
    return {model.name: model for model in found}


def test_every_place_is_listed_with_what_the_file_says(machine):
    found = by_name(discovery.find_models())
    hf = found["tiny-org/coder-GGUF:sub/deepseek-tiny.gguf"]
    assert (hf.source, hf.architecture, hf.quantization, hf.fim_format) == ("huggingface", "llama", "F16", "deepseek")
    lms = found["pub/repo/starcoder-tiny.gguf"]
    assert (lms.source, lms.architecture, lms.fim_format) == ("lmstudio", "starcoder2", "starcoder")
    ollama = found["tiny-coder:latest"]
    assert ollama.source == "ollama" and ollama.path.endswith(f"sha256-{DIGEST}") and ollama.fim_format == "deepseek"
    assert ollama.size_bytes == DEEPSEEK_MODEL.stat().st_size


def test_hostile_entries_are_listed_unreadable_never_fatal(machine):
    found = by_name(discovery.find_models())
    assert "truncated" in found["org_repo_truncated.gguf"].error
    assert "magic" in found["deep/not-a-model.gguf"].error
    assert found["empty.gguf"].error
    assert found["tiny-org/coder-GGUF:dangling.gguf"].error
    assert found["broken:latest"].error  # the manifest itself, which is no GGUF
    escape = found["someone/escape:v1"]
    assert escape.error and "passwd" not in escape.path
    assert not any("loop" in model.path for model in found.values())


def test_cli_json_and_text(machine):
    env = env_without_model(PYTHONPATH=str(ROOT))
    done = subprocess.run([*CODER_LSP, "models", "--json"], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["preset"]["name"] in ("cpu", "cpu-small", "gpu-8gb", "gpu-16gb", "gpu-24gb")
    rows = {row["name"]: row for row in report["models"]}
    assert rows["tiny-coder:latest"]["fits"] is True and rows["empty.gguf"]["fits"] is False
    text = subprocess.run([*CODER_LSP, "models"], capture_output=True, text=True, timeout=120, env=env)
    assert text.returncode == 0 and "unreadable" in text.stdout and "FIM: deepseek" in text.stdout


def test_use_takes_a_listed_name_and_keeps_the_rest_of_the_config(machine):
    config = machine / "xdg_config_home" / "coder-lsp" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("# mine\n[model]\nn_ctx = 2048 # keep\npath = \"old.gguf\"\n\n[inline]\nenabled = true\n")
    env = env_without_model(PYTHONPATH=str(ROOT))
    done = subprocess.run([*CODER_LSP, "use", "tiny-coder:latest"], capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 0, done.stderr
    blob = machine / ".ollama" / "models" / "blobs" / f"sha256-{DIGEST}"
    assert config.read_text() == (f"# mine\n[model]\nn_ctx = 2048 # keep\npath = \"{blob}\"\n\n"
                                  "[inline]\nenabled = true\n")
    bad = subprocess.run([*CODER_LSP, "use", "org_repo_truncated.gguf"], capture_output=True, text=True,
                         timeout=120, env=env)
    assert bad.returncode == 1 and "not a usable GGUF" in bad.stderr
    missing = subprocess.run([*CODER_LSP, "use", "cpu"], capture_output=True, text=True, timeout=120, env=env)
    assert missing.returncode == 1 and "coder-lsp pull cpu" in missing.stderr
