"""Fixes from the model are bounded, verified and cut down before they are offered; explanations are checked."""

from __future__ import annotations

from lsp_server.assist.explain import explanation_markdown, mentions_problem
from lsp_server.assist.fix import MAX_REGION_LINES, Region, model_fix, region_for
from lsp_server.model.repetition import Repetition, loop_start

METHOD = "    def area(self, w, h):\n        x = w * h\n        return x\n"
CLASS = "class Shape:\n" + "".join(METHOD.replace("area", f"m{n}") for n in range(60))


def reply(code: str) -> str:
    return f"Here is the fix:\n```python\n{code}\n```\n"


def test_a_reply_cut_off_by_the_token_limit_is_never_used():
    text = "def f(a):\n    return a +\n"
    outcome = model_fix(text, "python", Region(0, len(text) - 1), reply("def f(a):\n    return a + 1"),
                        error_offset=14, syntax=True, finish_reason="length")
    assert outcome.change is None and "token limit" in outcome.reason


def test_an_empty_body_fails_the_check():
    text = "def f(a):\n    if a\n        return 1\n"
    outcome = model_fix(text, "python", Region(0, len(text) - 1), reply("def f(a):\n    if a:"),
                        error_offset=text.index("if"), syntax=True)
    assert outcome.change is None
    from lsp_server.assist.changes import TextChange
    from lsp_server.assist.verify import check

    header_only = TextChange(0, len(text), "def f(a):\n    if a:\n")  # tree-sitter lets this through
    verdict = check(text, "python", header_only, syntax=True)
    assert not verdict.ok and "expected an indented block" in verdict.reason


def test_a_rewrite_is_cut_down_to_the_line_that_fixes_the_error():
    text = "def f(a, b):\n    x = a + b\n    y = a - b\n    return x * y\n"
    broken = text.replace("x = a + b", "x = a + b)")
    rewritten = "def f(first, second):\n    x = first + second\n    y = a - b  # difference\n    return x * y"
    outcome = model_fix(broken, "python", Region(0, len(broken) - 1), reply(rewritten.replace("first + second", "a + b")),
                        error_offset=broken.index(")\n"), syntax=True)
    assert outcome.verified and outcome.change.apply(broken) == text
    assert (outcome.change.new_text, outcome.change.end - outcome.change.start) == ("", 1)


def test_a_fix_that_deletes_many_lines_is_not_offered():
    body = "".join(f"    v{n} = {n}\n" for n in range(20))
    text = f"def f(a):\n{body}    return a +\n"
    outcome = model_fix(text, "python", Region(0, len(text) - 1), reply("def f(a):\n    return a + 1"),
                        error_offset=text.index("return"), syntax=True)
    assert outcome.change is None and "delete" in outcome.reason


def test_region_stays_small_when_the_error_hides_the_function():
    broken = CLASS.replace("def m30(self, w, h):", "def m30(self, w, h)")
    offset = broken.index("def m30")
    region = region_for(broken, "python", offset, offset + 1)
    lines = broken[region.start : region.end].count("\n") + 1
    assert lines <= MAX_REGION_LINES and "def m30" in broken[region.start : region.end]
    assert "class Shape" not in broken[region.start : region.end]


def test_repetition_is_found_and_the_loop_cut():
    text = "The colon is missing.\n" + "SyntaxError: unexpected line 11\n" * 4
    assert text[: loop_start(text)] == "The colon is missing.\nSyntaxError: unexpected line 11\n"
    assert loop_start("add the the the colon " * 1 + "then then then " * 3) is not None
    assert loop_start("def f():\n    pass\n    x = 1\n    pass\n") is None
    watcher = Repetition()
    assert not any(watcher.push(piece) for piece in ["a", "b"]) and not watcher.looping


def test_real_tiny_model_loop_is_stopped_early():
    from lsp_server.model.loader import load_engine
    from lsp_server.model.settings import ModelSettings
    from lsp_server.model.types import CancelToken, ChatMessage
    from tests.conftest import DEEPSEEK_MODEL

    engine = load_engine(ModelSettings(), cli_model=str(DEEPSEEK_MODEL))
    try:
        result = engine.chat([ChatMessage("user", "Explain this error: expected colon")], CancelToken(), max_tokens=384)
    finally:
        engine.close()
    assert result.finish_reason == "repetition" and result.generated_tokens < 384
    assert loop_start(result.text) is None


def test_an_explanation_about_nothing_gives_way_to_the_facts():
    line = "    return width * heigth"
    gibberish = "ай strengàtic holdingij appointment acceptable Do tones"
    shown = explanation_markdown(gibberish, message='"heigth" is not defined', path="g.py", line=1, error_line=line)
    assert "The model could not explain this; the tools report: \"heigth\" is not defined" in shown
    assert gibberish not in shown
    assert mentions_problem("You misspelled `height` as heigth.", '"heigth" is not defined', line)
    assert mentions_problem("A colon is missing at the end.", "expected ':'", "def f(x)")
    # The engine cut the loop off; what came before it stays, the facts go under it.
    from lsp_server.assist.changes import Finding

    finding = Finding("The `def` header on line 1 is missing the `:` that ends it.", ("Python's compiler: expected ':'",))
    looped = explanation_markdown("Add a colon after the header of width.", message="expected ':'", path="g.py",
                                  line=0, error_line="def f(width)", finish_reason="repetition", finding=finding)
    assert looped.endswith("Add a colon after the header of width.\n\n**What the tools report:** The `def` header "
                           "on line 1 is missing the `:` that ends it.\n- Python's compiler: expected ':'\n")
    only_loop = explanation_markdown("", message="expected ':'", path="g.py", line=0, error_line="def f(width)",
                                     finish_reason="repetition", finding=finding)
    assert "The model could not explain this; the tools report: The `def` header" in only_loop


def test_repeated_sentences_and_empty_code_blocks_are_dropped():
    from lsp_server.assist.explain import without_repeats

    said = "This is a known issue in Python 3.7 and later."
    text = f"The call misses `path`. {said}\n\n{said} Pass it.\n\n```\n```\n\n{said}"
    assert without_repeats(text) == f"The call misses `path`. {said}\n\nPass it."


def test_a_model_fix_that_does_not_pass_the_argument_is_not_offered():
    from lsp_server.assist.names import resolved

    text = "def add(a, b):\n    return a + b\n\n\ndef g(x):\n    return add(x)\n"
    message = 'Argument missing for parameter "b"'
    offset = text.index("add(x")

    def settles(new_text):
        return resolved(message, text, new_text, offset)

    region = region_for(text, "python", offset, offset)
    unchanged_call = reply("def g(x):\n    # add two numbers\n    return add(x)")
    outcome = model_fix(text, "python", region, unchanged_call, error_offset=offset, syntax=False, resolved=settles)
    assert outcome.change is None and "does not settle" in outcome.reason
    outcome = model_fix(text, "python", region, reply("def g(x):\n    return add(x, 0)"), error_offset=offset,
                        syntax=False, resolved=settles)
    assert outcome.verified and outcome.change.new_text == ", 0"


def test_an_explanation_must_name_what_the_tools_found():
    from lsp_server.assist.changes import Finding

    finding = Finding("The call to `_full_match` on line 77 leaves out the required argument `pattern`.",
                      ("`_full_match` is defined as: def _full_match(path: PurePath, pattern: str) -> bool",))
    rambling = "The error message indicates that the `filter_paths` function is missing a `*` for patterns."
    shown = explanation_markdown(rambling, message='Argument missing for parameter "pattern"', path="p.py", line=76,
                                 error_line="    return any(_full_match(path) for p in filter_paths)", finding=finding)
    assert rambling not in shown and "tools report: The call to `_full_match`" in shown
    good = "`_full_match` needs the pattern as well: pass `pattern` after `path`."
    shown = explanation_markdown(good, message='Argument missing for parameter "pattern"', path="p.py", line=76,
                                 error_line="    return any(_full_match(path) for p in filter_paths)", finding=finding)
    assert good in shown and "**What the tools report:**" in shown


def test_a_huge_python_file_is_checked_by_tree_sitter_not_the_compiler(monkeypatch):
    # compile() holds the GIL for seconds on a few MB, which would stall the event loop.
    from lsp_server.assist import grounding, verify
    from lsp_server.assist.changes import TextChange

    compiled: list[int] = []
    real = verify.python_error
    monkeypatch.setattr(verify, "python_error", lambda text: compiled.append(len(text)) or real(text))
    body = "x = 1\n" * (verify.MAX_COMPILE_CHARS // 6 + 10)
    text = body + "def f(a)\n    return a\n"
    colon = len(body) + len("def f(a)")
    verdict = verify.check(text, "python", TextChange(colon, colon, ":"), syntax=True)
    assert verdict.ok and verdict.verified and compiled == []  # tree-sitter: one parse error fewer
    worse = verify.check(text, "python", TextChange(0, 0, "("), syntax=True)
    assert not worse.ok and compiled == []
    found = grounding.ground(text, "python", "expected ':'", colon)
    assert compiled == [] and found.change.apply(text).endswith("def f(a):\n    return a\n")  # tree-sitter's answer
    small = "def f(a)\n    return a\n"
    assert verify.check(small, "python", TextChange(8, 8, ":"), syntax=True).verified and compiled
