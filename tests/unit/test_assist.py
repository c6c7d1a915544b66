"""Golden cases for the server's plain helpers: post-processing, cache, fixes, settings, positions."""

from __future__ import annotations

import pytest
from lsprotocol import types

from lsp_server.assist.cache import CompletionCache
from lsp_server.assist.fix import Region, accepted_fix, extract_code, minimal_change, region_for
from lsp_server.assist.postprocess import CompletionSite, postprocess, wants_multiline
from lsp_server.assist.prompt_window import window
from lsp_server.config import Settings, parse_settings, project_settings
from lsp_server.features.documents import offset_at, position_at


def site(prefix: str, suffix: str = "", language: str | None = "python") -> CompletionSite:
    return CompletionSite(prefix, suffix, language)


@pytest.mark.parametrize(
    "prefix, suffix, multiline",
    [
        ("def f(x):\n    ", "", True),
        ("def f(x):", "\n", True),
        ("x = foo(", ")\n", False),
        ("x = foo(", "bar)\n", False),
        ("value = compute", "\n", False),
        ('def f():\n    """Docs.\n\n    ', '\n    """\n', False),  # blank line, but inside a docstring
        ("# steps:", "\nx = 1\n", False),  # an opener, but inside a comment
    ],
)
def test_single_or_multi_line_from_the_position(prefix, suffix, multiline):
    assert wants_multiline(site(prefix, suffix)) is multiline


GOLDEN = [
    # (prefix, suffix, model text, multiline, expected)
    ("x = ", "\n", "1\ny = 2\n", False, "1"),
    ("def f(x):\n    ", "\n\nprint(f(1))\n", "y = x + 1\n    return y\n\nprint(f(1))\n", True, "y = x + 1\n    return y"),
    ("def f(x):\n    ", "\n    return y\n", "y = x + 1\n    return y\n", True, "y = x + 1"),
    ("result = max(", ")\n", "a, b)", False, "a, b"),
    ("for i in range(3):\n    ", "\n", "print(i)\n    print(i)\n    print(i)\n", True, "print(i)"),
    ("class A:\n    def f(self):\n        ", "\n", "return 1\nx = = =\n", True, "return 1"),
    ("x = ", "\n", "   \n", False, ""),
    ("x = ", "\n", ")))(((", False, ""),
    # cut by the token limit inside a call: the name is still worth showing (it was "")
    ("def f(parts):\n    yield ", "\n", "Segment(", False, "Segment"),
    ("def f(o):\n    return ", "\n", "FilterValues(nan, cmp.Comparer(cmp", False, "FilterValues"),
    ("def f(o):\n    return ", "\n", "max(o.a(1), o.b(", False, "max"),
]


@pytest.mark.parametrize("prefix, suffix, text, multiline, expected", GOLDEN)
def test_postprocess_golden(prefix, suffix, text, multiline, expected):
    assert postprocess(site(prefix, suffix), text, multiline=multiline) == expected


def test_postprocess_without_a_grammar_skips_syntax():
    assert postprocess(site("x = ", "\n", None), ")))", multiline=False) == ")))"


def test_window_cuts_at_lines():
    text = "a\n" * 5000
    prefix, suffix = window(text, 5000)
    assert prefix.endswith("a\n") and len(prefix) <= 4000 and prefix.startswith("a")
    assert text[5000 - len(prefix) : 5000 + len(suffix)] == prefix + suffix


def test_cache_serves_typed_ahead_text_and_speculation():
    cache = CompletionCache()
    cache.store("u", 10, "0123456789", "suffix", "abcdef")
    assert cache.lookup("u", 12, "0123456789ab", "suffix") == "cdef"
    assert cache.lookup("u", 12, "0123456789xx", "suffix") is None
    assert cache.lookup("u", 16, "0123456789abcdef", "suffix") is None  # all typed
    assert cache.lookup("u", 12, "0123456789ab", "other") is None
    assert cache.lookup("v", 12, "0123456789ab", "suffix") is None


def test_fix_is_minimal_and_must_parse():
    text = "def area(w, h):\n    return w * hh\n"
    region = Region(0, len(text) - 1)
    good = "Here:\n```python\ndef area(w, h):\n    return w * h\n```\n"
    change = accepted_fix(text, "python", region, good)
    assert (change.start, change.end, change.new_text) == (text.index("hh") + 1, text.index("hh") + 2, "")
    assert accepted_fix(text, "python", region, "```python\ndef area(w, h:\n    return\n```") is None
    assert accepted_fix(text, "python", region, "no code here") is None
    assert extract_code("```\nx\n") == "x"
    assert minimal_change("same", "same", 0) is None


def test_fix_region_is_the_enclosing_function_in_whole_lines():
    text = "import os\n\ndef f():\n    x = 1\n    return y\n\nprint(f())\n"
    region = region_for(text, "python", text.index("y"), text.index("y") + 1)
    assert text[region.start : region.end].startswith("def f():") or text[region.start : region.end] == "    return y"
    assert region.start == text.rfind("\n", 0, region.start + 1) + 1 or region.start == 0


def test_settings_parse_and_report_bad_keys():
    settings, bad = parse_settings(
        {"maxTokens": 10, "languages": {"markdown": False}, "model": {"nCtx": 2048, "nGpuLayers": None},
         "backend": {"kind": "openai", "url": "http://x/v1"}, "debounceMs": -1, "oops": 1,
         "server": {"path": "coder-lsp"}, "trace": {"server": "off"}, "maxFileBytes": 5000}
    )
    assert settings.max_tokens == 10 and settings.model.n_ctx == 2048 and settings.model.backend == "openai"
    assert settings.max_file_bytes == 5000
    assert settings.debounce_ms == Settings().debounce_ms
    assert set(bad) == {"debounceMs", "oops"}
    assert not settings.enabled_for("markdown") and settings.enabled_for("python")
    assert parse_settings("nonsense") == (Settings(), ("coderLsp",))
    assert parse_settings(None) == (Settings(), ())


def test_project_file_settings(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.coder-lsp]\nmax-tokens = 9\n[tool.coder-lsp.model]\nn_ctx = 1024\n')
    (tmp_path / "src").mkdir()
    settings, bad = project_settings(tmp_path / "src")
    assert (settings.max_tokens, settings.model.n_ctx, bad) == (9, 1024, ())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_positions_round_trip(encoding):
    text = "a😀b\n中文\n"
    for offset in range(len(text) + 1):
        position = position_at(text, offset, encoding)
        assert offset_at(text, position, encoding)[0] == offset
    assert offset_at(text, types.Position(99, 0), encoding)[0] == len(text)


@pytest.mark.parametrize("value", ["yes", 1, None, [True], {"on": True}, "x" * 100_000])
def test_context_guidance_rejects_non_booleans_and_keeps_the_default(value):
    settings, bad = parse_settings({"contextGuidance": value})
    assert settings.context_guidance is True and bad == ("contextGuidance",)
    assert parse_settings({"contextGuidance": False})[0].context_guidance is False
