"""The server's state has owners and types; a broken feature stops start-up instead of failing later."""

from __future__ import annotations

import pytest

from lsp_server import features
from lsp_server.features import create_server


def test_a_feature_that_fails_to_register_fails_start_up(monkeypatch):
    monkeypatch.setattr(features, "FEATURES", [*features.FEATURES, "no_such_feature"])
    with pytest.raises(ModuleNotFoundError):
        create_server()


def test_older_names_read_the_owners():
    server = create_server()
    assert server.engine is server.model.engine is None
    assert server.completion_cache is server.completions.pipeline.cache
    assert server.sticky_context is server.completions.pipeline.sticky
    stats = server.record_job("inline", "file:///a.py")
    server.finish_job(stats, "error")
    server.finish_job(stats, "superseded")  # the first outcome stands
    assert server.job_log[-1]["outcome"] == "error" and server.job_outcomes == {"inline:error": 1}
