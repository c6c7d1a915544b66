"""Message cleanup and style learning: pure functions on text."""

from __future__ import annotations

from lsp_server.commit.cleanup import clean_message, format_message
from lsp_server.commit.style import apply_style, learn_style


def test_preamble_labels_quotes_and_fences_are_removed():
    raw = 'Sure! Here is the commit message:\n```\nSubject: "Add retry to the fetch loop"\n\nBody: It retries.\n```'
    assert clean_message(raw) == ("Add retry to the fetch loop", "It retries.")


def test_markdown_heading_and_bold_do_not_survive():
    subject, body = clean_message("# **Fix the parser**\n\n## Why\nIt crashed on empty input.")
    assert subject == "Fix the parser"
    assert not any(line.startswith("#") for line in body.splitlines())


def test_long_subject_is_cut_at_a_word_and_body_wrapped_at_72():
    raw = "Refactor " + "the configuration loader " * 8 + "\n\n" + "word " * 60 + "\n- " + "bullet " * 30
    subject, body = clean_message(raw)
    assert len(subject) <= 72 and not subject.endswith(" ")
    assert subject.startswith("Refactor the configuration loader")
    assert all(len(line) <= 72 for line in body.splitlines())
    assert any(line.startswith("- bullet") for line in body.splitlines())
    continuation = body.splitlines()[body.splitlines().index(next(l for l in body.splitlines() if l.startswith("- "))) + 1]
    assert continuation.startswith("  ")


def test_a_first_line_of_sentences_keeps_the_first_as_subject():
    subject, body = clean_message("Add a cache for parsed files. It makes completion about twice as fast on big repos.")
    assert subject == "Add a cache for parsed files"
    assert body.startswith("It makes completion")


def test_gibberish_without_letters_gives_none():
    assert clean_message("```\n\n```") is None
    assert clean_message("  123 456 !!! ") is None


def test_format_message_has_one_blank_line_between_subject_and_body():
    assert format_message("Add x", "Because y.") == "Add x\n\nBecause y."
    assert format_message("Add x", "") == "Add x"


def test_conventional_history_is_detected_and_applied():
    style = learn_style(["feat(parser): add x", "fix: y", "docs: z", "Merge-free subject"])
    assert style.kind == "conventional"
    assert "Conventional Commits" in style.instructions()
    assert apply_style("Add the retry loop", style, ["src/a.py"], ["M"]) == "chore: add the retry loop"
    assert apply_style("Add docs", style, ["README.md"], ["M"]) == "docs: add docs"
    assert apply_style("fix(io): keep it", style, ["a.py"], ["M"]) == "fix(io): keep it"


def test_area_prefix_and_plain_histories():
    area = learn_style(["commit: add hooks", "nvim: setup", "README and layering test"])
    assert area.kind == "area"
    plain = learn_style(["Add a thing", "Fix another thing"])
    assert plain.kind == "plain" and plain.capitalized
    assert apply_style("add it", plain, ["a"], ["M"]) == "Add it"
    empty = learn_style([])
    assert empty.examples == () and empty.kind == "plain"


def test_repeated_lines_and_dangling_quotes_are_dropped():
    raw = '"Fix the error message\n\nFix the error message\n\nFix the error message\n\nIt was wrong.\nIt was wrong.'
    assert clean_message(raw) == ("Fix the error message", "It was wrong.")


def test_subjects_are_put_in_the_imperative():
    assert clean_message("Added retries to fetch")[0] == "Add retries to fetch"
    assert clean_message("Fetching a greeting twice")[0] == "Fetch a greeting twice"
    assert clean_message("fixes the parser")[0] == "fix the parser"
    assert clean_message("Stopped the loop")[0] == "Stopped the loop"  # unknown verbs stay as written
