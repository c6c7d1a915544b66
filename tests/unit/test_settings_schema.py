"""One settings schema: `lsp_server.config.schema()`; the editors' manifests and docs must agree with it.

VS Code's `contributes.configuration` (type, default, enum, bounds) and the
keys its client sends (`SERVER_KEYS` in settings.ts), the Neovim help's
settings table (key and default) and the Neovim README's settings section
are each checked against the schema, so adding a key in one place and not
the others fails here.
"""

from __future__ import annotations

import json
import re

from lsp_server.config import Settings, parse_settings, schema
from tests.conftest import ROOT

CLIENT_ONLY = {"server.path", "server.args", "trace.server"}
PACKAGE = json.loads((ROOT / "vscode-extension" / "package.json").read_text(encoding="utf-8"))
HELP = (ROOT / "nvim" / "doc" / "coder_lsp.txt").read_text(encoding="utf-8")


def vscode_properties() -> dict[str, dict]:
    properties = PACKAGE["contributes"]["configuration"]["properties"]
    return {key.removeprefix("coderLsp."): value for key, value in properties.items()
            if key.removeprefix("coderLsp.") not in CLIENT_ONLY}


def test_vscode_declares_every_setting_with_the_schema_type_default_and_bounds():
    declared, expected = vscode_properties(), schema()
    assert sorted(declared) == sorted(expected)
    for key, facts in expected.items():
        for name, value in facts.items():
            assert declared[key].get(name) == value, f"coderLsp.{key}: {name} is {declared[key].get(name)!r}, schema says {value!r}"


def test_the_vscode_client_sends_every_server_setting():
    source = (ROOT / "vscode-extension" / "src" / "settings.ts").read_text(encoding="utf-8")
    block = re.search(r"SERVER_KEYS = \[(.*?)\] as const", source, re.S).group(1)
    assert sorted(re.findall(r'"([\w.]+)"', block)) == sorted(schema())


def _help_table() -> dict[str, str]:
    section = HELP.split("*coder_lsp-settings*", 1)[1].split("=" * 78, 1)[0]
    return dict(re.findall(r"^([a-z][\w.]*)\s{2,}(\S+)", section, re.M))


def _lua(value) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, dict)):
        return "{}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, str) else str(value)


def test_the_neovim_help_lists_every_setting_with_its_default():
    table = _help_table()
    assert sorted(table) == sorted(schema())
    assert {key: value for key, value in table.items()} == {key: _lua(f["default"]) for key, f in schema().items()}


def test_the_neovim_readme_names_only_real_settings():
    readme = (ROOT / "nvim" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([a-z]\w*(?:\.\w+)?)`", section))
    assert named and named <= set(schema()) | {"init_options", "settings.coderLsp"}, named - set(schema())


def test_every_default_in_the_schema_parses_back_to_the_default_settings():
    raw: dict = {}
    for key, facts in schema().items():
        node = raw
        *parents, name = key.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})
        node[name] = facts["default"]
    raw["model"] = {k: v for k, v in raw["model"].items() if v is not None or k in ("nGpuLayers", "threads")}
    assert parse_settings(raw) == (Settings(), ())
