"""`coder-lsp complete`, `doctor` and `demo` as a user runs them (subprocesses, real models)."""

from __future__ import annotations

import json
import subprocess

import llama_cpp
import pytest

from tests.conftest import CODER_LSP, DEEPSEEK_MODEL, FIXTURES, NOT_A_MODEL, ROOT, env_without_model

DEMO = FIXTURES / "demo"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CODER_LSP, *args], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=env_without_model(**env))


def test_complete_json(tmp_path):
    result = _run("complete", f"{DEMO}/shop/pricing.py:23:5", "--workspace", str(DEMO), "--model",
                  str(DEEPSEEK_MODEL), "--json", "--max-tokens", "6")
    assert result.returncode == 0, result.stderr
    fields = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    assert fields["prompt_format"] == "deepseek" and fields["generated_tokens"] == 6
    assert fields["snippets"] >= 1  # Cart and Item come from shop/models.py
    for key in ("text", "model", "prompt_tokens", "cached_tokens", "ttft_ms", "total_ms", "snippets"):
        assert key in fields


def test_complete_plain_text_on_a_file_that_is_not_utf8(tmp_path):
    source = tmp_path / "latin1.py"
    source.write_bytes(b"name = 'caf\xe9'\nprint(name)\n")
    result = _run("complete", f"{source}:1:8", "--model", str(DEEPSEEK_MODEL), "--max-tokens", "3")
    assert result.returncode == 0, result.stderr


def test_bad_locations_exit_with_status_2(tmp_path):
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    for location in ("a.py", f"{source}:0:1", f"{source}:9:1", f"{source}:1:99", f"{source}:one:1",
                     f"{tmp_path}/missing.py:1:1"):
        result = _run("complete", location, "--model", str(DEEPSEEK_MODEL))
        assert result.returncode == 2, location
        assert result.stderr.startswith("coder-lsp complete:") and not result.stdout


def test_complete_with_a_broken_model_says_why():
    result = _run("complete", f"{DEMO}/shop/pricing.py:1:1", "--workspace", str(DEMO), "--model", str(NOT_A_MODEL))
    assert result.returncode == 1 and "not a GGUF file" in result.stderr


def test_doctor_reports_model_format_and_grammars():
    result = _run("doctor", "--model", str(DEEPSEEK_MODEL), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"]["prompt_format"] == "deepseek" and report["model"]["chat_template"] is True
    assert report["versions"]["llama-cpp-python"] == "0.3.36"
    assert isinstance(report["gpu_offload"], bool) and report["grammars"].get("python") is True
    assert report["model"]["cpu_repack"] is (b"AMX_INT8 = 1" not in llama_cpp.llama_print_system_info())
    text = _run("doctor", "--model", str(NOT_A_MODEL))
    assert text.returncode == 1 and "not a GGUF file" in text.stdout + text.stderr


def test_demo_runs_on_the_fixture_project():
    result = _run("demo", "--model", str(DEEPSEEK_MODEL), "--max-tokens", "16")
    assert result.returncode == 0, result.stderr
    assert "1. Completion at shop/pricing.py:23:32" in result.stdout
    assert "2. Explain the error at shop/report.py:7" in result.stdout and "expected ':'" in result.stdout
    assert "missing the `:` that ends it" in result.stdout and "+def receipt(cart: Cart) -> str:" in result.stdout


@pytest.mark.slow
def test_demo_on_the_embedded_model_completes_the_line_the_file_has(isolated_home):
    # The README's first command. Pinned (greedy on a fixed model): with context guidance, ` item`
    # (a prefix of `items`) once beat the model's own ` lambda` and it wrote `key=item_pricing`.
    # Pinned to one thread too: ggml's sums depend on how many split them, and after `lambda` the model's
    # ` item` leads ` x` by 0.29 with one thread, by 0.04 with two, and trails it with three or more.
    config = isolated_home / "xdg_config_home" / "coder-lsp" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[model]\nthreads = 1\n", encoding="utf-8")
    result = _run("demo", "--max-tokens", "16")
    assert result.returncode == 0, result.stderr
    assert "23 |     return min(cart.items, key=lambda item: item.price)\n" in result.stdout
