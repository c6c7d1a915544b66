"""Repository context as files in the model's own tokens, also for a model without FIM (issue 17)."""

from __future__ import annotations

from context.snippet import Snippet
from lsp_server.model import formats
from lsp_server.model.formats import KNOWN
from lsp_server.model.prompts import Special, Style, build_prompt

BEST = Snippet("lib/util.py", 1, 2, "definition", "def helper():\n    return 1", "helper")
NEXT = Snippet("lib/more.py", 1, 3, "outline", "class More:\n    def a(self): ...\n    def b(self): ...", "More")
FILES_ONLY = formats.FimFormat("none", {"fim_rep": "<repo_name>", "fim_sep": "<file_sep>"},
                               {"fim_rep": 3, "fim_sep": 5}, stop=("<file_sep>",))


def count(text: str) -> int:
    return len(text) // 4 + 1


def _prompt(fmt, style=None, snippets=(BEST, NEXT), **extra):
    from lsp_server.model.types import CompletionRequest

    request = CompletionRequest(prefix="def main():\n    x = ", suffix="\n", path="app/main.py", language="python",
                                snippets=snippets, repo="shop", **extra)
    return build_prompt(request, fmt, budget=4000, count=count, style=style)


def test_vocabulary_with_file_tokens_gets_them_without_fim():
    parts = _prompt(FILES_ONLY).parts
    assert parts == (Special("fim_rep"), "shop",
                     Special("fim_sep"), "lib/more.py\nclass More:\n    def a(self): ...\n    def b(self): ...\n",
                     Special("fim_sep"), "lib/util.py\ndef helper():\n    return 1\n",  # the best nearest the code
                     Special("fim_sep"), "app/main.py\n", "def main():\n    x = ")


def test_vocabulary_without_file_tokens_keeps_comment_headers():
    assert _prompt(KNOWN["none"]).parts == (
        "# lib/more.py\nclass More:\n    def a(self): ...\n    def b(self): ...\n\n"
        "# lib/util.py\ndef helper():\n    return 1\n\n# app/main.py\ndef main():\n    x = ",)


def test_comment_style_can_be_asked_for_even_with_file_tokens():
    parts = _prompt(FILES_ONLY, Style(repo_tokens=False)).parts
    assert parts == _prompt(KNOWN["none"]).parts


def test_style_keeps_the_best_snippets_and_their_first_lines():
    prompt = _prompt(FILES_ONLY, Style(snippets=1))
    assert prompt.snippets_used == 1 and "lib/more.py\n" not in prompt.parts
    short = _prompt(FILES_ONLY, Style(snippet_lines=2)).parts
    assert "lib/more.py\nclass More:\n    def a(self): ...\n" in short


def test_starcoder_fim_layout_is_unchanged():
    parts = _prompt(KNOWN["starcoder"], snippets=(BEST,)).parts
    assert parts[:4] == (Special("fim_rep"), "shop", Special("fim_sep"), "lib/util.py\ndef helper():\n    return 1")


def _fake_detect(texts: dict[int, str]):
    by_text = {text: token for token, text in texts.items()}
    return formats.detect({}, {}, lambda t: texts[t], by_text.get)


def test_file_tokens_are_detected_from_the_vocabulary_without_fim():
    starcoder_like = _fake_detect({3: "<repo_name>", 5: "<file_sep>", 6: "<filename>"})
    assert (starcoder_like.name, starcoder_like.ids, starcoder_like.is_fim) == ("none", {"fim_rep": 3, "fim_sep": 5}, False)
    qwen_like = _fake_detect({7: "<|file_sep|>"})
    assert (qwen_like.ids, qwen_like.texts) == ({"fim_sep": 7}, {"fim_sep": "<|file_sep|>"})
    assert _fake_detect({1: "hello"}) == formats.NONE


def test_qwen_like_files_end_with_a_newline_and_no_repo_token_when_absent():
    fmt = formats.FimFormat("none", {"fim_sep": "<|file_sep|>"}, {"fim_sep": 7})
    assert _prompt(fmt, snippets=(BEST,)).parts == (Special("fim_sep"), "lib/util.py\ndef helper():\n    return 1\n",
                                                     Special("fim_sep"), "app/main.py\n", "def main():\n    x = ")


def test_embedded_smollm2_uses_its_file_tokens(smollm2):
    from lsp_server.model.types import CompletionRequest

    assert smollm2.format.ids == {"fim_rep": 3, "fim_sep": 5} and not smollm2.format.is_fim
    request = CompletionRequest(prefix="x = ", path="app/main.py", repo="shop", snippets=(BEST,))
    tokens = smollm2.prompt_tokens(smollm2.build_prompt(request))
    assert tokens[0] == 3 and tokens.count(5) == 2  # one file token per snippet, one for the file itself
    spelled = smollm2.prompt_tokens(smollm2.build_prompt(CompletionRequest(prefix="s = '<file_sep>'\n", path="a.py")))
    assert spelled.count(5) == 1  # source text that spells the token stays text


def test_local_window_is_cut_only_for_a_prefix_only_model_with_context():
    from lsp_server.model.types import CompletionRequest

    lines = "".join(f"value_{i} = compute({i})\n" for i in range(200))
    style = Style(local_tokens=100)

    def prompt(fmt, snippets):
        request = CompletionRequest(prefix=lines + "x = ", suffix="\n", path="a.py", snippets=snippets)
        return build_prompt(request, fmt, budget=8000, count=count, style=style)

    cut = prompt(FILES_ONLY, (BEST,)).parts[-1]
    assert count(cut) <= 100 and cut.endswith("value_199 = compute(199)\nx = ")
    start = int(cut[len("value_"): cut.index(" ")])
    assert start % 16 == 0  # whole blocks of lines, so the cut stays put while the user types
    assert prompt(FILES_ONLY, ()).parts[-1] == lines + "x = "  # no context: nothing to keep near
    assert lines + "x = " in prompt(KNOWN["starcoder"], (BEST,)).parts  # FIM models read the whole window


def test_near_placement_puts_comments_above_the_cursors_line_or_block():
    from lsp_server.model.types import CompletionRequest

    prefix = "import os\n\ndef f(a):\n    x = 1\n    if a:\n        y = 2\n        return "
    request = CompletionRequest(prefix=prefix, path="a.py", repo="r", language="python", snippets=(BEST,))

    def last(placement):
        return build_prompt(request, FILES_ONLY, budget=4000, count=count, style=Style(placement=placement)).parts

    line = last("line")
    assert line[:4] == (Special("fim_rep"), "r", Special("fim_sep"), "a.py\n")
    assert line[-1] == ("import os\n\ndef f(a):\n    x = 1\n    if a:\n        y = 2\n"
                        "        # lib/util.py\n        # def helper():\n        #     return 1\n        return ")
    assert last("block")[-1] == ("import os\n\ndef f(a):\n    x = 1\n"
                                 "    # lib/util.py\n    # def helper():\n    #     return 1\n"
                                 "    if a:\n        y = 2\n        return ")


def test_a_prefix_only_prompt_without_repo_or_path_is_the_prefix_alone():
    from lsp_server.model.types import CompletionRequest

    prompt = build_prompt(CompletionRequest(prefix="x = "), FILES_ONLY, budget=100, count=count)
    assert prompt.parts == ("x = ",)
    named = build_prompt(CompletionRequest(prefix="x = ", path="a.py"), FILES_ONLY, budget=100, count=count)
    assert named.parts == (Special("fim_sep"), "a.py\n", "x = ")
