"""`coder-lsp explain FILE:LINE --message TEXT`: the same explanation prompt, on the command line."""

from __future__ import annotations

import subprocess

from tests.conftest import CODER_LSP, DEEPSEEK_MODEL, NOT_A_MODEL, env_without_model


def explain(path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CODER_LSP, "explain", f"{path}:2", "--message", '"heigth" is not defined', *extra],
        capture_output=True, text=True, timeout=120, env=env_without_model(),
    )


def test_explain_prints_markdown(tmp_path, isolated_home):
    source = tmp_path / "geometry.py"
    source.write_text("def area(width, height):\n    return width * heigth\n", encoding="utf-8")
    result = explain(source, "--model", str(DEEPSEEK_MODEL), "--max-tokens", "40")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('### "heigth" is not defined\n\n`geometry.py:2`')


def test_explain_with_a_broken_model_says_why(tmp_path, isolated_home):
    source = tmp_path / "geometry.py"
    source.write_text("x = 1\ny = z\n", encoding="utf-8")
    result = explain(source, "--model", str(NOT_A_MODEL))
    assert result.returncode == 1 and "not-a-model.gguf" in result.stderr and result.stdout == ""


def test_demo_missing_colon_is_explained_by_the_compiler_without_a_model(isolated_home):
    from tests.conftest import ROOT

    report = ROOT / "fixtures" / "demo" / "shop" / "report.py"
    result = subprocess.run(
        [*CODER_LSP, "explain", f"{report}:7", "--message", "SyntaxError: expected ':'", "--model", str(NOT_A_MODEL)],
        capture_output=True, text=True, timeout=120, env=env_without_model(),
    )
    assert result.returncode == 0, result.stderr
    assert "The `def` header on line 7 is missing the `:` that ends it." in result.stdout
    assert "+def receipt(cart: Cart) -> str:" in result.stdout
    assert result.stdout.count("SyntaxError") == 2  # the heading and the compiler's fact, nothing looping
