"""Raw `coderLsp` options -> Settings: known sections, empty lists, init options merged with the pulled section."""

from __future__ import annotations

from lsp_server.config import Settings, merge_options, parse_settings, project_settings


def test_commit_section_is_known_and_not_reported():
    settings, bad = parse_settings({"maxTokens": 12, "commit": {"timeout": 20, "enable": False}})
    assert bad == () and settings.max_tokens == 12


def test_commit_section_in_the_project_file_is_not_reported(tmp_path):
    (tmp_path / ".coder-lsp.toml").write_text("max-tokens = 9\n[commit]\ntimeout = 20\nenable = true\n")
    settings, bad = project_settings(tmp_path)
    assert bad == () and settings.max_tokens == 9


def test_unknown_keys_are_still_reported():
    _, bad = parse_settings({"comit": {}, "model": {"nope": 1}})
    assert set(bad) == {"comit", "model.nope"}


def test_an_empty_list_is_an_empty_object():
    assert parse_settings([]) == (Settings(), ())
    settings, bad = parse_settings({"model": [], "index": [], "maxTokens": 7})
    assert bad == () and settings.max_tokens == 7 and settings.model == Settings().model


def test_other_non_objects_are_still_invalid():
    assert parse_settings([1])[1] == ("coderLsp",)
    assert parse_settings("x")[1] == ("coderLsp",)
    assert parse_settings({"model": "x"})[1] == ("model",)


def test_pulled_section_merges_over_initialization_options():
    init = {"model": {"path": "/m.gguf", "nCtx": 2048}, "maxTokens": 10}
    pulled = {"model": {"nCtx": 1024}, "multiline": "never"}
    settings, bad = parse_settings(merge_options(init, pulled))
    assert bad == ()
    assert (settings.model.path, settings.model.n_ctx) == ("/m.gguf", 1024)
    assert (settings.max_tokens, settings.multiline) == (10, "never")


def test_a_null_or_empty_pull_keeps_the_initialization_options():
    init = {"model": {"path": "/m.gguf"}, "maxTokens": 10}
    for pulled in (None, {}, []):
        assert merge_options(init, pulled) == init
    assert merge_options(None, {"maxTokens": 3}) == {"maxTokens": 3}
    assert merge_options([], None) == []  # parse_settings reads it as empty
