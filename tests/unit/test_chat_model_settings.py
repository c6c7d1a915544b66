"""`chatModel` and `model.keepAliveMinutes` in the layered settings: parsing, the trust screen
(a repository may not choose the chat model any more than the main one), and which changes
need no model reload."""

from __future__ import annotations

from lsp_server.config import layered_settings, parse_settings
from lsp_server.settings_files import write_user_setting
from lsp_server import trust


def test_chat_model_settings_follow_the_main_model_tuning():
    settings, bad = parse_settings({"chatModel": {"path": "/m/chat.gguf"}, "model": {"nCtx": 2048}})
    assert bad == () and settings.chat_model().path == "/m/chat.gguf" and settings.chat_model().n_ctx == 2048
    assert parse_settings({})[0].chat_model() is None
    assert settings.chat_settings().role == "chat" and parse_settings({})[0].chat_settings().role == "main"
    assert parse_settings({"chatModel": {"repo": "a/b"}})[0].chat_model() is None  # a repo needs its file
    assert parse_settings({"chatModel": {"path": 3, "nope": 1}})[1] == ("chatModel.path", "chatModel.nope")


def test_an_untrusted_project_may_not_choose_the_chat_model(tmp_path, isolated_home):
    project = tmp_path / "repo"
    (project / "models").mkdir(parents=True)
    (project / ".coder-lsp.toml").write_text('[chatModel]\npath = "/etc/evil.gguf"\nrepo = "evil/x"\nfile = "x.gguf"\n')
    notices: list[str] = []
    settings, _ = layered_settings(project, notify=notices.append)
    assert (settings.chat_path, settings.chat_repo, settings.chat_file) == ("", "", "")
    assert "chatModel.path" in notices[0] and "chatModel.repo" in notices[0]
    (project / ".coder-lsp.toml").write_text('[chatModel]\npath = "models/chat.gguf"\n')
    assert layered_settings(project)[0].chat_path == str(project / "models" / "chat.gguf")  # inside: allowed
    (project / ".coder-lsp.toml").write_text('[chatModel]\npath = "/etc/evil.gguf"\n')
    trust.trust_folder(project)
    assert layered_settings(project)[0].chat_path == "/etc/evil.gguf"


def test_the_user_file_may_name_the_chat_model_relative_to_itself(tmp_path, isolated_home):
    written = write_user_setting("chatModel", "path", "chat.gguf")
    assert layered_settings(tmp_path)[0].chat_path == str(written.parent / "chat.gguf")


def test_keep_alive_takes_fractions_and_zero_and_needs_no_reload():
    settings, bad = parse_settings({"model": {"keepAliveMinutes": 0.5}})
    assert bad == () and settings.model.keep_alive_minutes == 0.5
    assert parse_settings({"model": {"keepAliveMinutes": 0}})[0].model.keep_alive_minutes == 0
    assert parse_settings({"model": {"keepAliveMinutes": -1}})[1] == ("model.keepAliveMinutes",)
    assert parse_settings({})[0].model.keep_alive_minutes == 15
    assert settings.model == parse_settings({})[0].model  # equal model settings: no reload


def test_the_main_model_overrides_do_not_replace_the_chat_model(monkeypatch):
    from lsp_server.model.loader import resolve_model

    monkeypatch.setenv("CODER_LSP_MODEL", "/m/main-from-env.gguf")
    chat = parse_settings({"chatModel": {"path": "/m/chat.gguf"}})[0].chat_model()
    assert resolve_model(chat, cli_model="/m/main-from-flag.gguf").path == "/m/chat.gguf"
    assert resolve_model(chat).setting == "coderLsp.chatModel.path"
    assert resolve_model(parse_settings({})[0].model).path == "/m/main-from-env.gguf"


def test_state_cache_size_rejects_bad_values_and_keeps_the_default():
    for value in (-1, 1 << 40, "lots", 2.5, True, None, [256]):
        settings, bad = parse_settings({"model": {"stateCacheMb": value}})
        assert settings.model.state_cache_mb == 256 and bad, value
    settings, bad = parse_settings({"model": {"stateCacheMb": 0}})
    assert bad == () and settings.model.state_cache_mb == 0  # 0: keep no states
