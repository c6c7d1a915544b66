"""Next-edit prompts (golden), rewrite-to-edits, the gate and silence, with scripted model outputs.

The sweep layout follows sweep-next-edit's model card: `<|file_sep|>` blocks
for related files, `{path}.diff` blocks with `original:` / `updated:`, then
`original/{path}` and `current/{path}` windows, the model continuing
`updated/{path}`. The engine here is a script (content controlled); the real
llama.cpp path runs in tests/e2e/test_next_edit.py.
"""

from __future__ import annotations

import pytest

from lsp_server.assist import next_edit
from lsp_server.assist.edit_history import EditHistory
from lsp_server.assist.next_edit_diff import TextEdit, apply, edits_from_rewrite
from lsp_server.assist.next_edit_prompt import CURSOR, NextEditInput, parse_instruct, sweep_prompt, window
from lsp_server.model.types import ChatReply, Completion

SOURCE = "def area(width, height):\n    return width * height\n\n\nprint(area(2, 3))\n"
RENAMED = SOURCE.replace("(width,", "(w,")
TEXTS = {"fim_sep": "<|file_sep|>"}


class ScriptedModel:
    """An engine that answers with a scripted rewrite and remembers the prompt it was given."""

    prompt_format = "qwen"

    class format:  # noqa: N801 - mimics LlamaEngine.format
        ids = {"fim_sep": 151664}

    def __init__(self, rewrite: str | None, finish: str = "stop") -> None:
        self.rewrite, self.finish_reason, self.prompts = rewrite, finish, []

    def count_tokens(self, text: str) -> int:
        return len(text) // 3

    def complete_prompt(self, prompt, cancel, max_tokens, on_token=None):
        self.prompts.append(prompt)
        return Completion(self.rewrite or "", "scripted", prompt.format, finish_reason=self.finish_reason)


class ScriptedChat(ScriptedModel):
    prompt_format, chat_template = "none", "{{ messages }}"

    def chat(self, messages, cancel, max_tokens=512, on_token=None):
        self.prompts.append(messages)
        return ChatReply(self.rewrite or "", "scripted", finish_reason=self.finish_reason)


def renamed_history() -> EditHistory:
    history = EditHistory()
    history.record("file:///w/geometry.py", "/w/geometry.py", SOURCE)
    history.record("file:///w/geometry.py", "/w/geometry.py", RENAMED)
    return history


def run(model, text=RENAMED, offset=10, aggressiveness="medium"):
    return next_edit.suggest(model, renamed_history(), uri="file:///w/geometry.py", path="geometry.py",
                             language="python", text=text, offset=offset, aggressiveness=aggressiveness)


def test_sweep_prompt_golden():
    model = ScriptedModel(None)
    run(model)
    assert model.prompts[0].render(TEXTS) == (
        "<|file_sep|>geometry.py.diff\n"
        "original:\n"
        "def area(width, height):\n"
        "updated:\n"
        "def area(w, height):\n"
        "<|file_sep|>original/geometry.py\n"
        f"{SOURCE}"
        "<|file_sep|>current/geometry.py\n"
        f"{RENAMED}"
        "<|file_sep|>updated/geometry.py\n"
    )
    assert model.prompts[0].stop == ("<|file_sep|>", "</s>", "<|endoftext|>")


class ScriptedSeedCoder(ScriptedModel):
    prompt_format = "generic"

    class format:  # noqa: N801 - what formats.detect gives a Seed-Coder model
        texts = {"fim_pre": "<[fim-prefix]>", "fim_suf": "<[fim-suffix]>", "fim_mid": "<[fim-middle]>"}
        ids = {"fim_pre": 1, "fim_suf": 2, "fim_mid": 3}


def test_zeta2_prompt_golden():
    """Zed's zeta_prompt `seed_coder` layout: suffix first, `<filename>` blocks, merge markers."""
    head, tail = "".join(f"line {n}\n" for n in range(30)), "".join(f"tail {n}\n" for n in range(30))
    history = EditHistory()
    history.record("file:///w/geometry.py", "/w/geometry.py", head + SOURCE + tail)
    history.record("file:///w/geometry.py", "/w/geometry.py", head + RENAMED + tail)
    text = head + RENAMED + tail
    model = ScriptedSeedCoder(None)
    next_edit.suggest(model, history, uri="file:///w/geometry.py", path="geometry.py", language="python",
                      text=text, offset=text.index("(w,") + 2)
    lines = text.splitlines(keepends=True)
    window_lines = lines[20:41]
    window_lines[10] = window_lines[10].replace("(w,", f"(w{CURSOR},")
    assert model.prompts[0].render(ScriptedSeedCoder.format.texts) == (
        "<[fim-suffix]>" + "".join(lines[41:61])
        + "<[fim-prefix]><filename>edit_history\n"
        "--- a/geometry.py\n+++ b/geometry.py\n@@ -31 +31 @@\n-def area(width, height):\n+def area(w, height):\n"
        "\n<filename>geometry.py\n" + "".join(lines[0:20])
        + "<<<<<<< CURRENT\n" + "".join(window_lines) + "=======\n" + "<[fim-middle]>"
    )
    assert model.prompts[0].stop[0] == ">>>>>>> UPDATED"


@pytest.mark.parametrize("answer, expected", [
    ("NO_EDITS\n>>>>>>> UPDATED\n", []),
    (RENAMED.replace("width *", "w *") + ">>>>>>> UPDATED\n", "edit"),
])
def test_zeta2_answers(answer, expected):
    edits = run(ScriptedSeedCoder(answer))
    assert (edits == []) if expected == [] else (apply(RENAMED, edits) == SOURCE.replace("width", "w"))


def test_the_window_is_21_lines_around_the_cursor_moved_in_at_the_ends():
    text = "".join(f"line {n}\n" for n in range(100))
    assert (window(text, 50).start, window(text, 50).end) == (40, 61)
    assert (window(text, 2).start, window(text, 2).end) == (0, 21)
    assert (window(text, 99).start, window(text, 99).end) == (80, 101)  # the empty last line counts


def test_a_rename_is_carried_to_its_uses_as_minimal_edits():
    edits = run(ScriptedModel(RENAMED.replace("width *", "w *")))
    assert edits == [TextEdit(RENAMED.index("width *") + 1, RENAMED.index("width *") + 5, "")]
    assert apply(RENAMED, edits) == SOURCE.replace("width", "w")


def test_char_level_edits_inside_changed_lines():
    window_text = "a = foo(1)\nb = foo(2)\n"
    edits = edits_from_rewrite(window_text, 0, window_text, "a = bar(1)\nb = bar(2)\n")
    assert edits == [TextEdit(4, 7, "bar"), TextEdit(15, 18, "bar")]
    assert apply(window_text, edits) == "a = bar(1)\nb = bar(2)\n"


@pytest.mark.parametrize("rewrite, why", [
    (RENAMED, "only retypes the window"),
    (None, "no answer"),
    (RENAMED.replace("    return width * height\n", ""), "deletes more than it writes"),
    (RENAMED.replace("return width * height", "return (w * height"), "adds a syntax error"),
    (SOURCE, "undoes the user's change"),
])
def test_silence(rewrite, why):
    assert run(ScriptedModel(rewrite)) == [], why


def test_a_rewrite_cut_off_by_the_token_limit_is_silence():
    assert run(ScriptedModel(RENAMED.replace("width *", "w *"), finish="length")) == []


def test_aggressiveness_bounds_how_much_may_change():
    many = RENAMED.replace("width *", "w *").replace("print(area(2, 3))", "print(area(w=2, height=3))")
    assert run(ScriptedModel(many), aggressiveness="low") == []
    assert len(run(ScriptedModel(many), aggressiveness="medium")) == 2


def test_no_edit_yet_or_a_secret_in_the_window_asks_no_model():
    model = ScriptedModel(RENAMED)
    fresh = EditHistory()
    fresh.record("file:///w/geometry.py", "/w/geometry.py", SOURCE)
    assert next_edit.suggest(model, fresh, uri="file:///w/geometry.py", path="geometry.py", language="python",
                             text=SOURCE, offset=0) == []
    secret = RENAMED + 'KEY = "AKIAIOSFODNN7EXAMPLE"\n'
    assert run(model, text=secret) == []
    assert model.prompts == []


def test_instruct_format_marks_the_cursor_and_reads_the_rewrite():
    model = ScriptedChat("```python\n" + RENAMED.replace("width *", "w *") + "```")
    edits = run(model, offset=RENAMED.index("w,") + 1)
    assert apply(RENAMED, edits) == SOURCE.replace("width", "w")
    system, user = model.prompts[0]
    assert "NO_EDIT" in system.content and f"def area(w{CURSOR}, height):" in user.content
    assert "-def area(width, height):\n+def area(w, height):" in user.content
    assert parse_instruct("NO_EDIT") is None and parse_instruct("  ") is None


def test_an_engine_without_a_next_edit_format_is_silent():
    class FimOnly:
        prompt_format = "deepseek"

    assert run(FimOnly()) == []
    assert next_edit.prepare(None, renamed_history(), uri="u", path="p", language="python", text="", offset=0) is None


def test_input_holds_what_the_formats_need():
    data = NextEditInput("a.py", "x\n", 0, None)
    assert data.hunks == () and data.related == ()


def test_repository_context_becomes_related_file_blocks_most_relevant_last():
    from context.snippet import Snippet

    calls = []

    def sticky(index, path, text, offset, budget, count_tokens=None):
        calls.append((index, path, offset, budget))
        return (Snippet("util.py", 1, 2, "definition", "def add(a, b):\n    return a + b\n"),
                Snippet("shapes.py", 1, 1, "similar", "SIDES = 4\n")), False

    prepared = next_edit.prepare(ScriptedModel(None), renamed_history(), uri="file:///w/geometry.py",
                                 path="geometry.py", language="python", text=RENAMED, offset=10,
                                 disk_path="/w/geometry.py")
    ready = next_edit.with_related(prepared, sticky, "index", 512)
    assert calls == [("index", "/w/geometry.py", 10, 512)]
    assert sweep_prompt(ready.data, ready.window).render(TEXTS).startswith(
        "<|file_sep|>shapes.py\nSIDES = 4\n<|file_sep|>util.py\ndef add(a, b):\n    return a + b\n"
        "<|file_sep|>geometry.py.diff\n")
    assert next_edit.with_related(prepared, sticky, None, 512) is prepared


def test_a_window_of_huge_lines_is_silence():
    long = RENAMED + "x = '" + "y" * 10_000 + "'\n"
    assert run(ScriptedModel(long.replace("width *", "w *")), text=long) == []
