"""Prompt layout (stable text first, SPM where allowed) and fitting into the context window."""

from __future__ import annotations

from context.snippet import Snippet
from lsp_server.model.formats import KNOWN
from lsp_server.model.prompts import Special, build_prompt, keep_tail
from lsp_server.model.types import CompletionRequest

from .conftest import code_lines

SNIPPETS = (Snippet("lib/util.py", 1, 2, "definition", "def helper():\n    return 1", "helper"),)


def count(text: str) -> int:
    return len(text) // 4 + 1


def _request(prefix: str, suffix: str = "\nprint('done')\n", **extra) -> CompletionRequest:
    return CompletionRequest(prefix=prefix, suffix=suffix, path="app/main.py", language="python", **extra)


def test_starcoder_is_suffix_first_with_repo_context_first():
    prompt = build_prompt(_request("x = ", snippets=SNIPPETS, repo="shop"), KNOWN["starcoder"], budget=4000, count=count)
    assert prompt.order == "spm"
    parts = list(prompt.parts)
    assert parts[:3] == [Special("fim_rep"), "shop", Special("fim_sep")]
    assert parts.index("lib/util.py\ndef helper():\n    return 1") < parts.index(Special("fim_pre"))
    assert parts[-2:] == [Special("fim_mid"), "x = "]
    assert parts[parts.index(Special("fim_pre")) - 2 :][:2] == [Special("fim_sep"), "app/main.py\n"]
    assert parts.index(Special("fim_suf")) < parts.index(Special("fim_mid"))


def test_deepseek_is_prefix_suffix_middle_with_context_as_comments():
    prompt = build_prompt(_request("x = ", snippets=SNIPPETS), KNOWN["deepseek"], budget=4000, count=count)
    assert prompt.order == "psm"
    assert prompt.parts[0] == Special("fim_pre")
    assert prompt.parts[1] == "# lib/util.py\ndef helper():\n    return 1\n\n# app/main.py\nx = "
    assert prompt.parts[-1] == Special("fim_mid")
    spm = build_prompt(_request("x = "), KNOWN["deepseek"], order="spm", budget=4000, count=count)
    assert spm.order == "spm" and spm.parts[-1].endswith("x = ")  # forced, for benchmarks


def test_prefix_only_format_drops_the_suffix():
    prompt = build_prompt(_request("x = ", snippets=SNIPPETS), KNOWN["none"], budget=4000, count=count)
    assert prompt.parts == ("# lib/util.py\ndef helper():\n    return 1\n\n# app/main.py\nx = ",)


def test_render_writes_token_texts_for_servers():
    prompt = build_prompt(_request("a"), KNOWN["deepseek"], budget=100, count=count)
    assert prompt.render(dict(KNOWN["deepseek"].texts)) == "<｜fim▁begin｜># app/main.py\na<｜fim▁hole｜>\nprint('done')\n<｜fim▁end｜>"


def test_over_long_prompt_keeps_the_text_nearest_the_cursor():
    prefix, suffix = code_lines(2000) + "result = ", code_lines(2000, start=5000)
    prompt = build_prompt(_request(prefix, suffix, snippets=SNIPPETS), KNOWN["deepseek"], budget=1000, count=count)
    total = sum(1 if isinstance(p, Special) else count(p) for p in prompt.parts)
    assert prompt.trimmed and total <= 1000
    head, tail = prompt.parts[1], prompt.parts[3]
    assert head.endswith("result = ") and "function_0(" not in head
    assert tail.startswith(suffix[:200]) and "function_6999(" not in tail


def test_prefix_cut_moves_in_blocks_so_typing_keeps_the_cache():
    prefix = code_lines(600)
    first = keep_tail(prefix, 2000, count)
    grown = keep_tail(prefix + "x = 1", 2000, count)
    assert grown.startswith(first[:200])  # same first line: the cached tokens stay valid


def test_one_enormous_line_is_cut_by_characters():
    prompt = build_prompt(_request("x" * 200_000), KNOWN["starcoder"], budget=300, count=count)
    assert sum(1 if isinstance(p, Special) else count(p) for p in prompt.parts) <= 300


def test_lone_surrogates_and_bad_bytes_become_replacement_characters():
    half_emoji = "s = '\ud83d"  # an editor's UTF-16 cursor between the halves of a surrogate pair
    prompt = build_prompt(_request(half_emoji, "\ude00'\n"), KNOWN["deepseek"], budget=100, count=count)
    rendered = prompt.render(dict(KNOWN["deepseek"].texts))
    rendered.encode("utf-8")  # would raise on a lone surrogate
    assert "s = '\ufffd" in rendered


def test_best_ranked_snippet_sits_nearest_the_cursor_and_the_worst_goes_first():
    best = Snippet("best.py", 1, 1, "definition", "def best(): pass")
    worst = Snippet("worst.py", 1, 1, "similar", "w = 0\n" * 300)
    prompt = build_prompt(_request("x = ", snippets=(best, worst)), KNOWN["deepseek"], budget=4000, count=count)
    assert prompt.parts[1].index("# worst.py") < prompt.parts[1].index("# best.py")
    tight = build_prompt(_request("x = ", snippets=(best, worst)), KNOWN["deepseek"], budget=120, count=count)
    assert tight.snippets_used == 1 and "# best.py" in tight.parts[1] and "worst.py" not in tight.parts[1]


def test_psm_suffix_is_held_to_a_quarter_of_the_window():
    suffix = code_lines(120)  # about 1,300 of our 4,000 tokens
    psm = build_prompt(_request("x = ", suffix), KNOWN["deepseek"], budget=4000, count=count)
    assert count(psm.parts[3]) <= 1000 and suffix.startswith(psm.parts[3]) and psm.trimmed
    spm = build_prompt(_request("x = ", suffix), KNOWN["starcoder"], budget=4000, count=count)
    assert suffix in spm.parts  # suffix first: evaluated once, reused while typing
